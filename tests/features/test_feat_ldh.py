"""Baseline LDH is read against its assay's upper limit of normal when the ULN is known."""

import numpy as np
import pandas as pd

from irpredict.data import Cohort
from irpredict.features import build_features


def _two_site_cohort(with_uln=True):
    """Four patients at two sites whose LDH assays differ (ULN 250 vs 480 U/L).

    ``a1``/``b1`` sit at the same multiple of their site's ULN (1.2x), ``a2``/``b2``
    at 0.8x; ``b3`` has no recorded ULN.
    """
    pats = pd.DataFrame({
        "patient_id": ["a1", "a2", "b1", "b2", "b3"],
        "therapy_class": ["checkpoint_inhibitor"] * 5,
        "response": [0, 1, 0, 1, 1],
        "site": ["A", "A", "B", "B", "B"],
        "age": [50, 61, 45, 70, 58],
        "ldh_uln": [250.0, 250.0, 480.0, 480.0, np.nan],
    })
    if not with_uln:
        pats = pats.drop(columns="ldh_uln")
    ldh0 = {"a1": 300.0, "a2": 200.0, "b1": 576.0, "b2": 384.0, "b3": 500.0}
    rows = []
    for pid, v in ldh0.items():
        rows += [(pid, "ldh", -3.0, v), (pid, "ldh", 21.0, v / 2)]
        rows += [(pid, "crp", -3.0, 10.0), (pid, "crp", 21.0, 5.0)]
    meas = pd.DataFrame(rows, columns=["patient_id", "biomarker", "day", "value"])
    return Cohort(pats, meas, feature_columns=["age"]), ldh0


def test_ratio_replaces_raw_ldh_when_uln_is_known():
    cohort, _ = _two_site_cohort()
    X = build_features(cohort, landmark_days=42).X
    assert "ldh__baseline" not in X.columns
    ratio = X["ldh_uln_ratio__baseline"]
    # the same multiple of ULN reads the same at both sites, whatever the raw scale
    assert ratio["a1"] == ratio["b1"] == 1.2
    assert ratio["a2"] == ratio["b2"] == 0.8
    assert np.isnan(ratio["b3"])  # no ULN: missing, imputed later in the Pipeline
    # kinetics are scale-free and stay; other biomarkers keep their raw baseline
    np.testing.assert_allclose(X["ldh__log2fc_d42"], -1.0)
    assert (X["crp__baseline"] == 10.0).all()


def test_raw_ldh_kept_without_uln_column():
    cohort, ldh0 = _two_site_cohort(with_uln=False)
    X = build_features(cohort, landmark_days=42).X
    assert "ldh_uln_ratio__baseline" not in X.columns
    assert X["ldh__baseline"].to_dict() == ldh0
    np.testing.assert_allclose(X["ldh__log2fc_d42"], -1.0)


def test_explicit_biomarker_list_follows_the_same_rule():
    cohort, _ = _two_site_cohort()
    X = build_features(cohort, landmark_days=42, biomarkers=["ldh", "crp"]).X
    assert "ldh__baseline" not in X.columns
    assert X["ldh_uln_ratio__baseline"].notna().sum() == 4
