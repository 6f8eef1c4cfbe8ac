"""The JSON-serialisable truth of a simulated cohort."""

import dataclasses

import numpy as np

from irpredict.data.simulator._baseline import NOISE_ANALYTES
from irpredict.data.simulator._kinetics import CTDNA_DELTA_42
from irpredict.data.simulator._missingness import MECHANISMS
from irpredict.data.simulator._response import roc_auc

__all__ = ["LEAKAGE_TRAPS", "DECOYS", "build_truth", "jsonable"]

#: Decoys: share a latent factor with true drivers but have no effect of their own.
DECOYS = ("gep", "il6")

LEAKAGE_TRAPS = (
    {"name": "sld_change_wk9", "kind": "response_derived",
     "description": "week-9 change of the target sum of diameters from baseline (%), drawn at "
                    "about day 63; derived from the tumour assessment that defines response"},
    {"name": "stil_pct", "kind": "post_landmark",
     "description": "progression-biopsy sTIL: extra stil_pct rows dated 1-14 days after the "
                    "first progression scan (the first scan is at day 42 +/- 7 for antibodies "
                    "and adoptive cell therapy, later for the other classes, so from about day "
                    "36 on: a landmark at or after that day sees those of patients who "
                    "progressed before it); only progressors have them"},
    {"name": "on_treatment_after_landmark", "kind": "post_landmark",
     "description": "routine labs, ctDNA and HER2 ECD drawn after day 42 (C4D1 = day 63, "
                    "after the first scan) and end-of-treatment labs 1-10 days after "
                    "progression or dropout"},
)


def jsonable(obj):
    """Convert numpy scalars/arrays, tuples and NaN to plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return None if not np.isfinite(value) else value
    return obj


def _class_truth(name, rows, pop, resp, params, per_class):
    cp = params.class_params[name]
    y = resp["response"][rows]
    neo = pop["setting"][rows] == "neoadjuvant"
    return {
        "n_patients": int(rows.sum()),
        "target_rate": cp.target_rate,
        "rate_range": list(cp.rate_range),
        "observed_rate": float(y.mean()),
        "mean_p_true": float(resp["p_true"][rows].mean()),
        "observed_rate_by_setting": {
            "metastatic": float(y[~neo].mean()) if (~neo).any() else None,
            "neoadjuvant": float(y[neo].mean()) if neo.any() else None,
        },
        "response_definition": cp.response_definition,
        **per_class[name],
        "oracle_auc": roc_auc(y, resp["p_true"][rows]),
        "decoys": list(DECOYS),
        "noise": [n for n, _, _, _ in NOISE_ANALYTES],
    }


def build_truth(*, seed, n, mix, params, pop, resp, per_class, events, ids):
    """Assemble the truth dictionary (JSON-ready)."""
    classes = {
        name: _class_truth(name, pop["therapy_class"] == name, pop, resp, params, per_class)
        for name in params.class_params if (pop["therapy_class"] == name).any()
    }
    truth = {
        "seed": seed,
        "n_patients": n,
        "class_mix": mix,
        "params": dataclasses.asdict(params),
        "label": "response = 1[s > 0], s = eta + Logistic(0, 1), p_true = expit(eta)",
        "classes": classes,
        "decoys": list(DECOYS),
        "noise": [name for name, _, _, _ in NOISE_ANALYTES],
        "leakage_traps": [dict(t) for t in LEAKAGE_TRAPS],
        "response_derived_biomarkers": ["sld_change_wk9"],
        "landmarks": {"L0": 0, "L1": 21, "L2": 42},
        "ctdna": {"unit": "MTM/mL", "lod": params.ctdna_lod, "below_lod_recorded_as": 0.0,
                  "delta_log10_day42": CTDNA_DELTA_42},
        "missingness": dict(MECHANISMS),
        "patients": {
            "patient_id": list(ids),
            "p_true": np.round(resp["p_true"], 6),
            "eta": np.round(resp["eta"], 6),
            "s": np.round(resp["s"], 6),
            "early_dropout": events["early_dropout"],
            "pseudo_progression": events["pseudo_progression"],
        },
    }
    return jsonable(truth)
