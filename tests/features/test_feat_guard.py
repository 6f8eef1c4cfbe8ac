"""The landmark guard and the leakage refusal, shown as properties."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irpredict.data import Cohort
from irpredict.exceptions import LeakageError
from irpredict.features import build_features

L = 42
BIOMARKERS = ["ctdna", "crp", "alc"]
PATIENTS = [f"p{i}" for i in range(5)]
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

day_before = st.integers(-40, L * 2).map(lambda d: d / 2)  # half days up to L
day_after = st.floats(L + 0.25, 200, allow_nan=False)
value = st.one_of(st.just(0.0), st.floats(0, 1e4, allow_nan=False, allow_subnormal=False))
row = st.tuples(st.sampled_from(PATIENTS), st.sampled_from(BIOMARKERS), day_before, value)
late_row = st.tuples(st.sampled_from(PATIENTS), st.sampled_from(BIOMARKERS), day_after, value)
scan = st.tuples(st.sampled_from(PATIENTS), day_before, st.floats(1, 300, allow_nan=False))
late_scan = st.tuples(st.sampled_from(PATIENTS), day_after, st.floats(1, 300, allow_nan=False))


def _cohort(rows, scans, patients=PATIENTS):
    pats = pd.DataFrame({"patient_id": patients, "therapy_class": "cytokine"})
    meas = pd.DataFrame(rows, columns=["patient_id", "biomarker", "day", "value"])
    tum = pd.DataFrame(scans, columns=["patient_id", "day", "target_sld_mm"])
    return Cohort(pats, meas, tum)


def _features(cohort, landmarks=L):
    return build_features(cohort, landmark_days=landmarks, biomarkers=BIOMARKERS,
                          detection_limits={"ctdna": 0.5}).X


@SETTINGS
@given(st.lists(row, max_size=40), st.lists(scan, max_size=10),
       st.lists(late_row, min_size=1, max_size=20), st.lists(late_scan, max_size=5))
def test_rows_after_the_landmark_change_nothing(rows, scans, late_rows, late_scans):
    before = _features(_cohort(rows, scans))
    after = _features(_cohort(rows + late_rows, scans + late_scans))
    pd.testing.assert_frame_equal(before, after)


@SETTINGS
@given(st.lists(row, max_size=30), st.lists(late_row, min_size=1, max_size=10), st.data())
def test_editing_or_removing_late_rows_changes_nothing(rows, late_rows, data):
    base = _features(_cohort(rows + late_rows, []))
    edited = [(p, b, d + data.draw(st.floats(0, 50)), v * 3 + 1) for p, b, d, v in late_rows]
    kept = late_rows[: data.draw(st.integers(0, len(late_rows)))]
    pd.testing.assert_frame_equal(base, _features(_cohort(rows + edited, [])))
    pd.testing.assert_frame_equal(base, _features(_cohort(rows + kept, [])))


@SETTINGS
@given(st.lists(row, max_size=40), st.lists(scan, max_size=10), st.randoms())
def test_row_order_does_not_matter(rows, scans, rnd):
    shuffled_rows, shuffled_scans = rows[:], scans[:]
    rnd.shuffle(shuffled_rows)
    rnd.shuffle(shuffled_scans)
    pd.testing.assert_frame_equal(_features(_cohort(rows, scans)),
                                  _features(_cohort(shuffled_rows, shuffled_scans)))


@SETTINGS
@given(st.lists(row, max_size=40), st.lists(scan, max_size=10),
       st.sets(st.sampled_from(PATIENTS), min_size=1))
def test_features_do_not_depend_on_other_patients(rows, scans, subset):
    subset = sorted(subset)
    full = _features(_cohort(rows, scans), landmarks=[14, L])
    part = _features(_cohort([r for r in rows if r[0] in subset],
                             [s for s in scans if s[0] in subset], patients=subset),
                     landmarks=[14, L])
    pd.testing.assert_frame_equal(part, full.loc[subset])


def _leaky_cohort():
    pats = pd.DataFrame({"patient_id": ["a", "b"], "therapy_class": "cytokine",
                         "response": [1, 0], "best_response": ["PR", "PD"], "age": [50, 60],
                         "off_treatment_day": [300.0, 40.0]})
    meas = pd.DataFrame({"patient_id": ["a", "b", "a"], "biomarker": ["ctdna", "ctdna", "recist"],
                         "day": [0.0, 0.0, 42.0], "value": [1.0, 2.0, 1.0]})
    scans = pd.DataFrame({"patient_id": ["a", "a"], "day": [0.0, 42.0],
                          "target_sld_mm": [30.0, 20.0]})
    return Cohort(pats, meas, scans, name="leaky", excluded_columns=["best_response"],
                  response_derived_biomarkers=["recist", "tumor_size"], feature_columns=["age"])


def test_leaky_inputs_are_left_out_by_default():
    X = build_features(_leaky_cohort()).X
    assert not [c for c in X.columns if c.startswith(("recist", "tumor_size"))]
    assert "response" not in X.columns
    assert "best_response" not in X.columns
    assert "off_treatment_day" not in X.columns
    assert "ctdna__baseline" in X.columns
    assert "age" in X.columns


@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"biomarkers": ["ctdna", "recist"]}, r"1 biomarkers.*'recist'.*response_derived"),
    ({"include_tumor": True}, r"'tumor_size'.*response_derived"),
    ({"patient_columns": ["age", "response"]}, r"'response': it is the response label"),
    ({"patient_columns": ["best_response"]}, r"'best_response'.*excluded_columns"),
    ({"patient_columns": ["age", "off_treatment_day"]},
     r"'off_treatment_day': it is the day treatment stopped"),
])
def test_asking_for_leaky_inputs_raises(kwargs, pattern):
    with pytest.raises(LeakageError, match=pattern) as info:
        build_features(_leaky_cohort(), **kwargs)
    assert "cohort 'leaky'" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_label_in_cohort_feature_columns_raises():
    cohort = _leaky_cohort()
    cohort.feature_columns = ["age", "response"]
    with pytest.raises(LeakageError, match="response"):
        build_features(cohort)


def test_guard_drops_late_rows_before_any_computation():
    from irpredict.features._guard import restrict_to_landmark

    table = pd.DataFrame({"patient_id": ["a"] * 3, "day": [-1.0, 42.0, 42.5]})
    assert restrict_to_landmark(table, 42)["day"].tolist() == [-1.0, 42.0]
    assert np.all(restrict_to_landmark(table, 0)["day"] <= 0)
