"""Fixtures of the screening tests."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def table_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 80
    score = rng.uniform(size=n).round(3)
    frame = pd.DataFrame({
        "patient_id": [f"P{i:02d}" for i in range(n)],
        "therapy_class": rng.choice(["checkpoint_inhibitor", "chemotherapy"], n),
        "response": (rng.uniform(size=n) < score).astype(int),
        "prob_response": score,
        "pdl1_cps": rng.integers(0, 50, n).astype(float),
    })
    frame.loc[:3, "pdl1_cps"] = np.nan
    path = tmp_path_factory.mktemp("screen") / "patients.csv"
    frame.to_csv(path, index=False)
    return path, frame
