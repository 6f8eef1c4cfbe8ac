"""RECIST 1.1 / iRECIST response assessment of a large trial (budget: 5,000 patients x 8 scans
in under 5 s)."""

import time
import warnings

import numpy as np
import pandas as pd

BUDGET_SECONDS = 5.0


def scans(n, k=8, seed=0):
    """``n`` patients with ``k`` scans 8 weeks apart and drifting tumour sizes."""
    rng = np.random.default_rng(seed)
    ratio = np.exp(np.cumsum(rng.normal(-0.05, 0.15, (n, k)), axis=1))
    ratio[:, 0] = 1.0
    base = rng.uniform(20, 120, n)
    return pd.DataFrame({
        "patient_id": np.repeat([f"p{i:05d}" for i in range(n)], k),
        "day": np.tile(np.r_[0, 56 * np.arange(1, k)], n),
        "target_sld_mm": (base[:, None] * ratio).ravel().round(1),
        "nontarget": "NON-CR/NON-PD",
        "new_lesion": rng.random(n * k) < 0.03,
    })


def run(scale=1.0):
    """Median of three timings of assess_response per criteria."""
    from irpredict.response import assess_response

    n = max(500, int(5000 * scale))
    table = scans(n)
    rows = []
    for criteria in ("recist1.1", "irecist"):
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # late iCPD confirmations in random data
                assess_response(table, criteria=criteria)
            timings.append(time.perf_counter() - started)
        seconds = float(np.median(timings))
        budget = BUDGET_SECONDS * n / 5000
        rows.append({"benchmark": "response", "figure": f"assess_response ({criteria})",
                     "value": seconds, "unit": "s", "baseline": f"{budget:g} s budget",
                     "baseline_value": budget, "ratio": seconds / budget,
                     "target": f"< {budget:g} s", "met": bool(seconds < budget),
                     "notes": f"{n} patients x 8 scans, median of 3"})
    return rows
