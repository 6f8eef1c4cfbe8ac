"""Landmark populations: early progressors and patients off treatment are left out,
using nothing dated after the landmark."""

import numpy as np
import pandas as pd
import pytest

from irpredict.data import Cohort
from irpredict.exceptions import ExperimentConfigError
from irpredict.monitoring import first_progression_day, landmark_population, population_summary
from irpredict.monitoring.population import check_landmarks


def _cohort(off_treatment=None):
    pats = pd.DataFrame({"patient_id": ["early", "late", "never", "noscan"],
                         "therapy_class": ["checkpoint_inhibitor"] * 4,
                         "response": [0, 0, 1, 1]})
    if off_treatment is not None:
        pats["off_treatment_day"] = off_treatment
    scans = pd.DataFrame({
        "patient_id": ["early"] * 3 + ["late"] * 3 + ["never"] * 3,
        "day": [-5, 40, 80, -5, 40, 80, -5, 40, 80],
        # early: +40 % at day 40 (PD); late: PD only at day 80; never: shrinks
        "target_sld_mm": [50.0, 70.0, 90.0, 50.0, 48.0, 75.0, 50.0, 30.0, 20.0],
    })
    return Cohort(pats, tumor_assessments=scans, name="hand")


def test_early_progressor_leaves_the_population_at_its_pd_day():
    cohort = _cohort()
    at21 = landmark_population(cohort, 21)
    at42 = landmark_population(cohort, 42)
    at90 = landmark_population(cohort, 90)
    assert at21["in_population"].all()
    assert at42["in_population"].to_dict() == {"early": False, "late": True, "never": True,
                                               "noscan": True}
    assert at42.loc["early", "first_pd_day"] == 40
    assert "progressed (RECIST PD) on day 40" in at42.loc["early", "reason"]
    assert at90["in_population"].to_dict() == {"early": False, "late": False, "never": True,
                                               "noscan": True}


def test_membership_reads_nothing_after_the_landmark():
    cohort = _cohort()
    later = cohort.tumor_assessments.copy()
    later.loc[later["day"] > 42, "target_sld_mm"] = 500.0  # everyone "progresses" after 42
    changed = Cohort(cohort.patients, tumor_assessments=later, name="hand")
    pd.testing.assert_frame_equal(landmark_population(cohort, 42),
                                  landmark_population(changed, 42))
    assert first_progression_day(changed, 42).loc["never"] != first_progression_day(changed, 90)[
        "never"]


def test_off_treatment_column_defines_the_population_too():
    cohort = _cohort(off_treatment=[np.nan, np.nan, 30.0, 100.0])
    at42 = landmark_population(cohort, 42)
    assert not at42.loc["never", "in_population"]
    assert "off treatment since day 30" in at42.loc["never", "reason"]
    assert at42.loc["noscan", "in_population"]  # stops on day 100, after the landmark


def test_a_landmark_population_of_one_outcome_is_named_by_its_day():
    from irpredict.exceptions import CohortDataError
    from irpredict.monitoring import fit_landmark_models

    cohort = _cohort(off_treatment=[np.nan, np.nan, 30.0, 30.0])  # both responders stop early
    with pytest.raises(CohortDataError, match=r"at landmark day 42 the 1 labelled patients "
                                              r"still on treatment .* are all non-responders "
                                              r"\(3 of 4 patients have left by then\).*drop "
                                              r"day 42 from the landmark days"):
        fit_landmark_models(cohort, landmarks=(42,), entries=[])


def test_a_class_of_one_outcome_at_a_landmark_is_warned_about():
    from irpredict.exceptions import DataWarning
    from irpredict.monitoring.landmark import _population_cohort

    cohort = _cohort(off_treatment=[np.nan, np.nan, np.nan, np.nan])
    mab = cohort.patients.assign(patient_id=lambda p: "m" + p["patient_id"],
                                 therapy_class="monoclonal_antibody",
                                 off_treatment_day=[np.nan, np.nan, 30.0, 30.0])
    scans = cohort.tumor_assessments.assign(patient_id=lambda t: "m" + t["patient_id"])
    both = Cohort(pd.concat([cohort.patients, mab], ignore_index=True),
                  tumor_assessments=pd.concat([cohort.tumor_assessments, scans]), name="hand")
    with pytest.warns(DataWarning, match=r"hand, at landmark day 42: monoclonal_antibody: 0 "
                                         r"responders among 1 labelled patients"):
        population = _population_cohort(both, 42)
    assert set(population.patients["patient_id"]) == {"late", "never", "noscan", "mlate"}


def test_population_summary_counts_members_responders_and_left_out():
    table = population_summary(_cohort(), [0, 42, 90]).set_index("landmark")
    assert table.loc[0.0, "n_patients"] == 4
    assert table.loc[42.0, ["n_patients", "n_responders", "n_progressed"]].tolist() == [3, 2, 1]
    assert table.loc[90.0, ["n_patients", "n_responders", "n_progressed"]].tolist() == [2, 2, 2]


@pytest.mark.parametrize("bad", [[], [-1], ["x"], [True], ["21"], [0, "42"]])
def test_bad_landmarks_are_refused(bad):
    with pytest.raises(ExperimentConfigError, match="landmark days"):
        check_landmarks(bad)


def test_a_landmark_after_all_follow_up_is_a_warning(tmp_path):
    import warnings

    from irpredict.data.loaders import load_cohort
    from irpredict.data.simulator import simulate_cohort, write_cohort
    from irpredict.exceptions import DataWarning
    from irpredict.monitoring.runner import _warn_landmarks_after_follow_up

    write_cohort(simulate_cohort(n_patients=30, seed=2), tmp_path / "cohort")
    cohort = load_cohort(tmp_path / "cohort")
    last = max(cohort.measurements["day"].max(), cohort.tumor_assessments["day"].max())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_landmarks_after_follow_up(cohort, [0, 42, float(last)])  # within follow-up
    with pytest.warns(DataWarning, match=f"after the last record of every patient \\(day {last:g}"):
        _warn_landmarks_after_follow_up(cohort, [0, last + 1])


def test_monitor_notices_probabilities_that_shap_values_do_not_add_up_to():
    from irpredict.cli._monitor import _calibrated
    from irpredict.monitoring.trajectory import Trajectory

    table = pd.DataFrame({"patient_id": ["a", "a"], "landmark": [0.0, 42.0],
                          "status": ["scored", "scored"], "base_value": [0.0, 0.0],
                          "prob_response": [0.5, 0.7310585786]})
    shap = pd.DataFrame({"patient_id": ["a", "a"], "landmark": [0.0, 42.0],
                         "biomarker": ["crp", "crp"], "shap": [0.0, 1.0]})
    assert not _calibrated(Trajectory(table=table, shap=shap))
    assert _calibrated(Trajectory(table=table.assign(prob_response=[0.5, 0.2]), shap=shap))


def test_the_earliest_of_every_end_column_counts_and_death_ends_membership():
    cohort = _cohort(off_treatment=[np.nan, np.nan, np.nan, 100.0])
    cohort.patients["treatment_end_day"] = [np.nan, np.nan, 10.0, np.nan]
    cohort.patients["death_day"] = [np.nan, np.nan, np.nan, 25.0]
    at42 = landmark_population(cohort, 42)
    assert not at42.loc["never", "in_population"]  # treatment_end_day beside an empty column
    assert "off treatment since day 10 (treatment_end_day)" in at42.loc["never", "reason"]
    assert not at42.loc["noscan", "in_population"]
    assert "died on day 25 (death_day)" in at42.loc["noscan", "reason"]
    assert at42.loc["late", "in_population"]


def test_landmarks_without_tumour_scans_say_progression_is_unknown():
    import warnings

    from irpredict.exceptions import DataWarning
    from irpredict.monitoring.runner import _warn_progression_unknown

    cohort = _cohort()
    with pytest.warns(DataWarning, match=r"1 patients have no tumour scan \(noscan\)"):
        _warn_progression_unknown(cohort, [0, 42])
    bare = Cohort(cohort.patients, name="bare")
    with pytest.warns(DataWarning, match="has no tumour assessments, so no progression"):
        _warn_progression_unknown(bare, [0, 42])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_progression_unknown(bare, [0])  # a baseline landmark needs no scan


def test_a_treatment_end_day_counts_as_follow_up_for_reaching_a_landmark():
    from irpredict.monitoring.trajectory import last_data_day

    cohort = _cohort(off_treatment=[np.nan, 100.0, np.nan, 30.0])
    last = last_data_day(cohort)
    assert last["noscan"] == 30.0  # no scan, but on treatment until day 30
    assert last["late"] == 100.0
    assert last["early"] == 80.0


def test_a_landmark_model_without_on_treatment_features_is_said(small_cohort):
    import warnings

    from mon_helpers import ENTRIES, FAST

    from irpredict.exceptions import DataWarning
    from irpredict.monitoring import fit_landmark_models

    with pytest.warns(DataWarning, match=r"the day-42 landmark model has no on-treatment "
                                         r"feature"):
        fit_landmark_models(small_cohort, FAST, (0, 42), entries=["age", "ecog", "ldh_uln"],
                            evaluate=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_landmark_models(small_cohort, FAST, (0, 42), entries=ENTRIES, evaluate=False)
    assert not [w for w in caught if "no on-treatment feature" in str(w.message)]


def test_the_population_summary_says_whether_progression_could_be_seen():
    from irpredict.monitoring.population import population_summary

    cohort = _cohort()
    assert population_summary(cohort, [0, 42])["progression_known"].all()
    bare = Cohort(cohort.patients, name="bare")
    assert not population_summary(bare, [0, 42])["progression_known"].any()


def test_new_result_values_are_never_written_in_exponent_form_below_a_million():
    from irpredict.monitoring.trajectory import _short

    assert [_short(v) for v in (2.3812, 4000.0, 123456.7, 2.5e7, 0.000123)] == [
        "2.38", "4000", "123457", "2.5e+07", "0.000123"]
