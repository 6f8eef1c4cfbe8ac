"""Fixtures of the explanation tests: a small cohort frame with missing values,
categorical columns and three therapy classes (one too small for its own model)."""

import numpy as np
import pandas as pd
import pytest

THERAPIES = ["checkpoint_inhibitor", "cytokine", "chemotherapy"]


def make_frame(n=360, seed=0):
    """Feature frame (with ``therapy_class``) and labels."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "age": rng.normal(55, 10, n),
        "crp__baseline": rng.lognormal(1.5, 0.8, n),
        "crp__log2fc_d42": rng.normal(0, 1, n),
        "ldh__baseline": rng.normal(250, 60, n),
        "ldh_uln_ratio__baseline": rng.normal(1.0, 0.3, n),
        "pam50": rng.choice(["Basal", "Her2", "LumA", "LumB"], n).astype(object),
        "her2_ihc": rng.choice(["0", "1", "2", "3"], n).astype(object),
    }, index=pd.Index([f"P{i:04d}" for i in range(n)], name="patient_id"))
    X.loc[X.index[::6], "crp__baseline"] = np.nan
    X.loc[X.index[1::9], "ldh__baseline"] = np.nan
    X.loc[X.index[2::11], "pam50"] = None
    eta = (-0.8 * X["crp__log2fc_d42"] + 1.2 * (X["pam50"] == "Her2")
           - 0.01 * (X["ldh__baseline"].fillna(250) - 250) + rng.normal(0, 1, n))
    X["therapy_class"] = rng.choice(THERAPIES, n, p=[0.55, 0.35, 0.10])
    y = pd.Series((eta > 0.2).astype(int), index=X.index, name="response")
    return X, y


@pytest.fixture(scope="session")
def frame():
    """(X with therapy_class, y)."""
    return make_frame()
