"""Explanations recover the simulator's true drivers and never show its leakage traps."""

import numpy as np
import pandas as pd
import pytest

from irpredict.data.simulator import simulate_cohort
from irpredict.explain import explain, top_biomarkers
from irpredict.features import build_features
from irpredict.models import PerTherapyClassifier, make_model

MIN_CLASS_SIZE = 300

#: 10,000 patients give 1,250 to 3,000 per class. With 625 per class (5,000 patients) the
#: cytokine class missed the criterion at some seeds: its fourth to sixth drivers (nlr,
#: albumin, crp) are near-tied in the simulator (|beta| x SD within about 6 % of each other),
#: the decoy il6 is computed from crp, and a noise analyte could outrank the fifth driver by
#: chance. The truth ranks drivers by |beta| x SD while mean |SHAP| is |beta| x mean absolute
#: deviation (about 0.8 SD for a normal term, 1 SD for a balanced binary one), so near-tied
#: continuous and binary drivers can swap places; the criterion (4 of the 5 strongest in the
#: top 5) allows one such swap. Seeds 0-5 and 11 were checked by a script outside the suite.
N_PATIENTS = 10000


@pytest.fixture(scope="module")
def baseline_fit():
    """10,000 simulated patients, baseline features only (landmark day 0)."""
    sim = simulate_cohort(n_patients=N_PATIENTS, seed=11)
    fs = build_features(sim.to_cohort(), landmark_days=0)
    # tumour size at day 0 is the baseline scan only; keep pre-treatment biomarkers
    X = fs.X.drop(columns=[c for c in fs.X.columns if c.startswith("tumor_size__")])
    X = X.assign(therapy_class=fs.therapy_class)
    model = PerTherapyClassifier(make_model("ensemble")).fit(X, fs.y)
    return sim.truth, explain(model, X)


def _strongest_drivers(class_truth, explained, k=5):
    """The k true drivers with the largest importance among the observable ones."""
    drivers = sorted(class_truth["drivers"], key=lambda d: (-d["importance"], d["rank"]))
    return [d["name"] for d in drivers if d["name"] in explained][:k]


def test_top_biomarkers_recover_true_drivers(baseline_fit):
    truth, ex = baseline_fit
    top = top_biomarkers(ex, 5)
    checked = 0
    for cls, info in truth["classes"].items():
        if info["n_patients"] < MIN_CLASS_SIZE:
            continue
        drivers = _strongest_drivers(info, ex.biomarkers)
        hits = set(drivers) & set(top[cls])
        assert len(hits) >= 4, f"{cls}: true drivers {drivers}, explained top 5 {top[cls]}"
        checked += 1
    assert checked >= 4


def test_derived_features_carry_the_truth_names(baseline_fit):
    truth, ex = baseline_fit
    names = {d["name"] for info in truth["classes"].values() for d in info["drivers"]}
    # drivers measured before treatment appear under the truth's own names
    for name in ("nlr", "ldh", "pam50", "er_status", "ecog", "her2_ish_ratio"):
        assert name in names
        assert name in ex.biomarkers
    assert "ldh_uln_ratio" not in ex.biomarkers
    # the neutrophil and lymphocyte counts are summed with the ratio computed from them
    assert "anc" not in ex.biomarkers
    assert "alc" not in ex.biomarkers
    assert ex.shown_columns["nlr"] == "nlr__baseline"
    np.testing.assert_allclose(ex.values.sum(axis=1) + ex.base_values, ex.margin, atol=1e-5)


@pytest.fixture(scope="module")
def landmark_cohort():
    """A simulated cohort with its leakage traps, and a copy cut at day 42."""
    sim = simulate_cohort(n_patients=1500, seed=5)
    cohort = sim.to_cohort()
    return sim.truth, cohort


def _cut(cohort, day):
    from dataclasses import replace

    return replace(
        cohort,
        measurements=cohort.measurements[cohort.measurements["day"] <= day],
        tumor_assessments=cohort.tumor_assessments[cohort.tumor_assessments["day"] <= day],
    )


def test_leakage_traps_never_explained(landmark_cohort):
    truth, cohort = landmark_cohort
    fs = build_features(cohort)  # default landmark guard (day 42)
    X = fs.X.assign(therapy_class=fs.therapy_class)
    model = PerTherapyClassifier(make_model("xgboost")).fit(X, fs.y)
    ex = explain(model, X)
    derived = [t["name"] for t in truth["leakage_traps"] if t["kind"] == "response_derived"]
    assert derived == ["sld_change_wk9"]
    for name in derived:
        assert name not in ex.biomarkers
        assert not any(c.startswith(name) for c in ex.column_values.columns)
    # post-landmark traps (progression biopsies, labs after day 42) cannot move any
    # explanation: deleting every row after the landmark gives the same values
    late = [t["name"] for t in truth["leakage_traps"] if t["kind"] == "post_landmark"]
    assert "stil_pct" in late
    assert (cohort.measurements["day"] > 42).any()
    fs_cut = build_features(_cut(cohort, 42))
    X_cut = fs_cut.X.assign(therapy_class=fs_cut.therapy_class)
    ex_cut = explain(model, X_cut[X.columns])
    pd.testing.assert_frame_equal(ex.values, ex_cut.values)
    np.testing.assert_array_equal(ex.margin, ex_cut.margin)
