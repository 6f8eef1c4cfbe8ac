"""Hand-computed feature values on small tables."""

import math

import numpy as np
import pandas as pd
import pytest

from irpredict.data import Cohort
from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.features import build_features


def _cohort(rows, patients=("p1", "p2"), **kwargs):
    pats = pd.DataFrame({"patient_id": list(patients),
                         "therapy_class": ["checkpoint_inhibitor"] * len(patients),
                         "response": [1, 0][: len(patients)] + [0] * (len(patients) - 2)})
    meas = pd.DataFrame(rows, columns=["patient_id", "biomarker", "day", "value"])
    return Cohort(pats, meas, **kwargs)


ROWS = [
    # p1 ctdna: two baseline draws (the later, day -2, is baseline), three on-treatment,
    # one after day 42
    ("p1", "ctdna", -20.0, 99.0), ("p1", "ctdna", -2.0, 8.0),
    ("p1", "ctdna", 14.0, 4.0), ("p1", "ctdna", 28.0, 0.0), ("p1", "ctdna", 42.0, 2.0),
    ("p1", "ctdna", 63.0, 500.0),
    # p2 ctdna: baseline outside the window (day -40) -> no baseline
    ("p2", "ctdna", -40.0, 5.0), ("p2", "ctdna", 21.0, 6.0),
]


def test_kinetic_values_match_hand_computation():
    X = build_features(_cohort(ROWS)).X
    p1 = X.loc["p1"]
    b, days, vals = 8.0, np.array([14.0, 28.0, 42.0]), np.array([4.0, 0.0, 2.0])
    assert p1["ctdna__baseline"] == b
    assert p1["ctdna__last_d42"] == 2.0
    assert p1["ctdna__delta_d42"] == 2.0 - b
    assert p1["ctdna__relchange_d42"] == pytest.approx((2.0 - b) / b)
    assert p1["ctdna__log2fc_d42"] == pytest.approx(math.log2(2.0 / 8.0))
    x = np.r_[-2.0, days]
    y = np.r_[b, vals]
    assert p1["ctdna__slope_d42"] == pytest.approx(np.polyfit(x, y, 1)[0])
    t = np.r_[0.0, days]
    dev = np.r_[0.0, vals - b]
    area = sum((dev[i] + dev[i + 1]) / 2 * (t[i + 1] - t[i]) for i in range(3))
    assert p1["ctdna__auc_d42"] == pytest.approx(area / 42.0)
    assert p1["ctdna__min_d42"] == 0.0
    assert p1["ctdna__max_d42"] == 4.0
    assert p1["ctdna__nadir_d42"] == 0.0
    assert p1["ctdna__days_to_nadir_d42"] == 28.0
    assert p1["ctdna__n_draws_d42"] == 3
    assert "ctdna__cleared_d42" not in X.columns  # no declared limit


def test_missing_baseline_gives_nan_changes_but_levels():
    p2 = build_features(_cohort(ROWS)).X.loc["p2"]
    assert np.isnan(p2["ctdna__baseline"])
    assert p2["ctdna__last_d42"] == 6.0
    for stat in ("delta", "relchange", "log2fc", "slope", "auc"):
        assert np.isnan(p2[f"ctdna__{stat}_d42"]), stat
    assert p2["ctdna__nadir_d42"] == 6.0
    assert p2["ctdna__days_to_nadir_d42"] == 21.0


def test_log2fc_floor_and_declared_limit_give_finite_values_and_cleared_flag():
    rows = [("p1", "ctdna", 0.0, 0.0), ("p1", "ctdna", 42.0, 0.0),
            ("p2", "ctdna", 0.0, 3.2), ("p2", "ctdna", 42.0, 0.0)]
    X = build_features(_cohort(rows), detection_limits={"ctdna": 0.1}).X
    assert X.loc["p1", "ctdna__log2fc_d42"] == 0.0
    assert X.loc["p2", "ctdna__log2fc_d42"] == pytest.approx(math.log2(0.1 / 3.2))
    assert X.loc["p2", "ctdna__cleared_d42"] == 1.0
    default = build_features(_cohort(rows)).X
    assert default.loc["p2", "ctdna__log2fc_d42"] == pytest.approx(math.log2(0.01 / 3.2))


def test_baseline_nadir_and_several_landmarks():
    rows = [("p1", "crp", -1.0, 2.0), ("p1", "crp", 7.0, 5.0), ("p1", "crp", 21.0, 3.0)]
    X = build_features(_cohort(rows, patients=("p1",)), landmark_days=[7, 21]).X
    assert X.loc["p1", "crp__nadir_d7"] == 2.0
    assert X.loc["p1", "crp__days_to_nadir_d7"] == -1.0
    assert X.loc["p1", "crp__last_d7"] == 5.0
    assert X.loc["p1", "crp__last_d21"] == 3.0
    assert X.loc["p1", "crp__n_draws_d7"] == 1
    assert X.loc["p1", "crp__n_draws_d21"] == 2


def test_same_day_duplicates_are_averaged():
    rows = [("p1", "crp", 0.0, 2.0), ("p1", "crp", 0.0, 4.0), ("p1", "crp", 10.0, 6.0)]
    X = build_features(_cohort(rows, patients=("p1",))).X
    assert X.loc["p1", "crp__baseline"] == 3.0


def test_derived_ratios_and_passthrough_columns():
    pats = pd.DataFrame({"patient_id": ["a", "b"], "therapy_class": ["cytokine"] * 2,
                         "ldh_uln": [250.0, 200.0], "age": [50, 61],
                         "pam50": ["Basal", None], "her2_ihc": [2, 0]})
    meas = pd.DataFrame({
        "patient_id": ["a"] * 4 + ["b"] * 4,
        "biomarker": ["anc", "alc", "platelets", "ldh"] * 2,
        "day": [-3.0] * 8, "value": [6.0, 2.0, 300.0, 500.0, 4.0, 0.0, 250.0, 100.0]})
    cohort = Cohort(pats, meas, feature_columns=["age", "pam50", "her2_ihc"],
                    categorical_columns=["pam50", "her2_ihc"])
    fs = build_features(cohort)
    X = fs.X
    assert X.loc["a", "nlr__baseline"] == 3.0
    assert X.loc["a", "plr__baseline"] == 150.0
    assert X.loc["a", "ldh_uln_ratio__baseline"] == 2.0
    assert np.isnan(X.loc["b", "nlr__baseline"])  # alc 0: undefined, not inf
    assert X["age"].dtype == np.float64
    assert X.loc["a", "her2_ihc"] == "2"
    assert X.loc["a", "pam50"] == "Basal"
    assert X.loc["b", "pam50"] is None
    assert fs.categorical_columns == ["pam50", "her2_ihc"]
    assert "response" not in X.columns
    assert "therapy_class" not in X.columns


def test_ratios_are_derived_from_biomarkers_written_in_capitals():
    pats = pd.DataFrame({"patient_id": ["a"], "therapy_class": ["cytokine"], "ldh_uln": [250.0]})
    meas = pd.DataFrame({"patient_id": ["a"] * 4, "biomarker": ["ANC", "ALC", "Platelets", "LDH"],
                         "day": [-3.0] * 4, "value": [6.0, 2.0, 300.0, 500.0]})
    X = build_features(Cohort(pats, meas)).X
    assert X.loc["a", "nlr__baseline"] == 3.0
    assert X.loc["a", "plr__baseline"] == 150.0
    assert X.loc["a", "ldh_uln_ratio__baseline"] == 2.0
    assert "LDH__baseline" not in X.columns  # the ratio is the reading


def test_measured_nlr_is_used_as_given():
    rows = [("p1", "anc", -1.0, 6.0), ("p1", "alc", -1.0, 2.0), ("p1", "nlr", -1.0, 5.5)]
    X = build_features(_cohort(rows, patients=("p1",))).X
    assert X.loc["p1", "nlr__baseline"] == 5.5


def test_tumour_features():
    pats = pd.DataFrame({"patient_id": ["p1"], "therapy_class": ["checkpoint_inhibitor"]})
    scans = pd.DataFrame({"patient_id": ["p1"] * 4, "day": [-10.0, 21.0, 42.0, 84.0],
                          "target_sld_mm": [50.0, 40.0, 45.0, 10.0]})
    X = build_features(Cohort(pats, None, scans)).X
    assert X.loc["p1", "tumor_size__pctchg_d42"] == pytest.approx(-10.0)
    assert X.loc["p1", "tumor_size__nadir_pctchg_d42"] == pytest.approx(-20.0)
    assert X.loc["p1", "tumor_size__n_scans_d42"] == 2


def test_a_day0_landmark_builds_no_on_treatment_columns():
    pats = pd.DataFrame({"patient_id": ["p1"], "therapy_class": ["checkpoint_inhibitor"]})
    scans = pd.DataFrame({"patient_id": ["p1"] * 2, "day": [-10.0, 21.0],
                          "target_sld_mm": [50.0, 40.0]})
    rows = [r for r in ROWS if r[0] == "p1"] + [("p1", "crp", -1.0, 3.0)]
    cohort = Cohort(pats, _cohort(rows, patients=("p1",)).measurements, scans)
    explicit = build_features(cohort, landmark_days=0, biomarkers=["ctdna", "crp"],
                              include_tumor=True).X
    assert not [c for c in explicit.columns if c.endswith("_d0")], list(explicit.columns)
    both = build_features(cohort, landmark_days=[0, 42], biomarkers=["ctdna"],
                          include_tumor=True).X
    assert "tumor_size__n_scans_d42" in both.columns
    assert not [c for c in both.columns if c.endswith("_d0")]


def test_to_frame_puts_id_therapy_and_label_first():
    frame = build_features(_cohort(ROWS)).to_frame()
    assert list(frame.columns[:3]) == ["patient_id", "therapy_class", "response"]
    assert frame["patient_id"].tolist() == ["p1", "p2"]


def test_unknown_patient_in_measurements_is_named():
    rows = ROWS + [("ghost", "ctdna", 1.0, 1.0)]
    with pytest.raises(CohortDataError,
                       match=r"1 patient_id values are not in the patients.*ghost"):
        build_features(_cohort(rows))


@pytest.mark.parametrize(("landmarks", "window"), [(-1, (-30, 0)), ([], (-30, 0)),
                                                    (42, (0, -30)), (7, (-30, 14)),
                                                    (float("inf"), (-30, 0)),
                                                    ([0, float("nan")], (-30, 0))])
def test_bad_parameters_raise_config_error(landmarks, window):
    with pytest.raises(ExperimentConfigError):
        build_features(_cohort(ROWS), landmark_days=landmarks, baseline_window=window)


def test_a_misspelt_biomarker_is_warned_about_with_the_close_name():
    import warnings

    from irpredict.exceptions import DataWarning

    pats = pd.DataFrame({"patient_id": ["p1"], "therapy_class": ["cytokine"]})
    meas = pd.DataFrame({"patient_id": ["p1"] * 2, "biomarker": ["crp"] * 2,
                         "day": [-2.0, 21.0], "value": [10.0, 5.0]})
    with pytest.warns(DataWarning, match=r"'crpp' is never measured in it \(did you mean "
                                         r"'crp'\?\); its feature columns will be empty"):
        X = build_features(Cohort(pats, meas), landmark_days=21, biomarkers=["crpp"]).X
    assert X[["crpp__baseline", "crpp__last_d21"]].isna().all().all()
    with pytest.warns(DataWarning, match=r"'CRP' is never measured in it \(did you mean 'crp'"):
        build_features(Cohort(pats, meas), landmark_days=21, biomarkers=["CRP"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_features(Cohort(pats, meas), landmark_days=21, biomarkers=["crp"])


def test_a_table_in_place_of_a_cohort_is_named():
    with pytest.raises(TypeError, match="needs an irpredict.data.Cohort; got DataFrame.*"
                                        "load_cohort"):
        build_features(pd.DataFrame({"patient_id": ["p1"]}), 0)
