"""``[data.follow_up]``: survival columns give the landmark population its progression and
death days."""

import numpy as np
import pandas as pd
import pytest

from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.experiment import load_experiment

TOML = """
[study]
name = "fu"

[data]
source = "patients.csv"
id = "pid"
label = "orr"
therapy_class = "checkpoint_inhibitor"

[data.columns]
exclude = ["pfs_months", "pfs_event", "os_months", "os_event"]

[data.follow_up]
{follow_up}

[feature_sets]
clinical = ["age"]
"""

FOLLOW_UP = ('progression = { time = "pfs_months", event = "pfs_event", unit = "months" }\n'
             'death = { time = "os_months", event = "os_event", unit = "months" }')


def _write(tmp_path, follow_up=FOLLOW_UP, **changes):
    table = pd.DataFrame({"pid": ["A", "B", "C", "D"], "orr": [1, 0, 0, 1],
                          "age": [50, 60, 70, 55], "pfs_months": [10.0, 0.5, 1.2, 3.0],
                          "pfs_event": [0, 1, 1, 1], "os_months": [20.0, 0.5, 9.0, 12.0],
                          "os_event": [0, 1, 0, 1]})
    table.assign(**changes).to_csv(tmp_path / "patients.csv", index=False)
    (tmp_path / "fu.toml").write_text(TOML.format(follow_up=follow_up))
    return tmp_path / "fu.toml"


def test_survival_events_become_treatment_end_and_death_days(tmp_path):
    from irpredict.monitoring.population import landmark_population

    cohort = load_experiment(_write(tmp_path)).load_cohort()
    days = cohort.patients.set_index("patient_id")
    month = 365.25 / 12
    np.testing.assert_allclose(days["progression_day"].to_numpy(),
                               [np.nan, round(0.5 * month, 1), round(1.2 * month, 1),
                                round(3.0 * month, 1)])
    np.testing.assert_allclose(days["death_day"].to_numpy(),
                               [np.nan, round(0.5 * month, 1), np.nan, round(12 * month, 1)])
    assert cohort.feature_columns == ["age"]  # never features
    population = landmark_population(cohort, 42)
    assert population["in_population"].to_dict() == {"A": True, "B": False, "C": False,
                                                     "D": True}
    assert population.loc["C", "reason"] == (f"progressed or died (PFS event) on day "
                                              f"{round(1.2 * month, 1):g} (progression_day)")


@pytest.mark.parametrize(("follow_up", "changes", "error", "message"), [
    ('progression = { time = "pfs_months", event = "pfs_event", unit = "fortnights" }', {},
     ExperimentConfigError, "unit 'fortnights' is not one of days, weeks, months, years"),
    ('progression = { time = "pfs_months" }', {}, ExperimentConfigError, "event"),
    ('relapse = { time = "pfs_months", event = "pfs_event" }', {}, ExperimentConfigError,
     "relapse"),
    ('progression = { time = "pfs_mnths", event = "pfs_event" }', {}, CohortDataError,
     "column 'pfs_mnths' .*is not in .*Close matches: 'pfs_months'"),
    (FOLLOW_UP, {"pfs_event": ["yes", 1, 1, 0]}, CohortDataError,
     "'pfs_event' is not an event flag of 0 or 1 \\(map other codes with event_map\\) for 1 "
     "patients \\(A\\)"),
    (FOLLOW_UP, {"os_months": [20.0, -1.0, 9.0, 12.0]}, CohortDataError,
     "'os_months' is not a time of 0 or more for 1 patients \\(B\\)"),
    (FOLLOW_UP, {"progression_day": [1, 2, 3, 4]}, CohortDataError,
     "already has 'progression_day'"),
])
def test_bad_follow_up_is_refused_with_the_fix(tmp_path, follow_up, changes, error, message):
    with pytest.raises(error, match=message):
        load_experiment(_write(tmp_path, follow_up, **changes)).load_cohort()


def test_patients_without_scans_are_said_to_leave_only_by_their_treatment_end(tmp_path):
    from dataclasses import replace

    from irpredict.exceptions import DataWarning
    from irpredict.monitoring.runner import _warn_progression_unknown

    cohort = load_experiment(_write(tmp_path)).load_cohort()
    with pytest.warns(DataWarning, match=r"has no tumour assessments: only its treatment-end "
                                         r"columns \(progression_day\) take patients out"):
        _warn_progression_unknown(cohort, [0, 42])
    scans = pd.DataFrame({"patient_id": ["A", "A"], "day": [0.0, 42.0],
                          "target_sld_mm": [50.0, 40.0]})
    cohort = replace(cohort, tumor_assessments=scans)
    with pytest.warns(DataWarning, match=r"3 patients have no tumour scan \(B, C, D\): only the "
                                         r"treatment-end columns \(progression_day\) can take"):
        _warn_progression_unknown(cohort, [0, 42])
    without = replace(cohort, patients=cohort.patients.drop(
        columns=["progression_day", "death_day"]))
    with pytest.warns(DataWarning, match="their progression is unknown"):
        _warn_progression_unknown(without, [0, 42])


def test_survival_columns_are_never_default_features_nor_criteria(tmp_path):
    path = _write(tmp_path)
    text = path.read_text().replace(
        'exclude = ["pfs_months", "pfs_event", "os_months", "os_event"]', "")
    text = text.replace('clinical = ["age"]', 'clinical = ["age", "pfs_months"]')
    path.write_text(text)
    from irpredict.exceptions import LeakageError

    with pytest.raises(LeakageError, match="pfs_months"):
        load_experiment(path).load_cohort()
    path.write_text(text.replace('clinical = ["age", "pfs_months"]', 'clinical = ["age"]'))
    cohort = load_experiment(path).load_cohort()
    assert cohort.feature_columns == ["age"]
    assert {"pfs_months", "pfs_event", "os_months", "os_event"} <= set(cohort.excluded_columns)


def test_patients_table_columns_read_as_later_draws_are_no_baseline_features(tmp_path):
    from irpredict.exceptions import LeakageError

    pd.DataFrame({"pid": ["A", "B", "C", "D"], "orr": [1, 0, 0, 1], "age": [50, 60, 70, 55],
                  "ct0": [1.0, 2.0, 3.0, 4.0], "ct42": [0.5, 2.5, 3.5, 1.0]}).to_csv(
        tmp_path / "patients.csv", index=False)
    toml = ('[study]\nname = "draws"\n[data]\nsource = "patients.csv"\nid = "pid"\n'
            'label = "orr"\ntherapy_class = "cytokine"\n[[data.measurements]]\n'
            'layout = "wide"\nbiomarker = "ctdna"\ndays = { ct0 = 0, ct42 = 42 }\n'
            "[feature_sets]\nSETS\n")
    path = tmp_path / "draws.toml"
    path.write_text(toml.replace("SETS", 'all = ["age", "measurements:ctdna"]'))
    cohort = load_experiment(path).load_cohort()
    assert cohort.feature_columns == ["age"]  # ct0 and ct42 come in through the series
    path.write_text(toml.replace("SETS", 'later = ["age", "ct42"]'))
    with pytest.raises(LeakageError, match=r"lists 'ct42', read by \[\[data.measurements\]\] "
                                           r"as draws after the first dose"):
        load_experiment(path).load_cohort()
    path.write_text(toml.replace("SETS", 'day0 = ["age", "ct0"]'))  # a day-0 value may be named
    assert load_experiment(path).load_cohort().feature_sets["day0"] == ["age", "ct0"]


def test_an_event_without_a_time_is_said(tmp_path):
    from irpredict.exceptions import DataWarning

    path = _write(tmp_path, pfs_months=[10.0, None, 1.2, 3.0])
    with pytest.warns(DataWarning, match=r"1 patients have an event in 'pfs_event' but no time "
                                         r"in 'pfs_months' \(B\)"):
        cohort = load_experiment(path).load_cohort()
    assert np.isnan(cohort.patients.set_index("patient_id").loc["B", "progression_day"])


def test_event_codes_other_than_0_1_are_read_through_an_event_map(tmp_path):
    follow_up = ('progression = { time = "pfs_months", event = "pfs_event", unit = "months", '
                 'event_map = { "Progressed" = 1, "Censored" = 0 } }')
    path = _write(tmp_path, follow_up, pfs_event=["Censored", "Progressed", "Progressed", None])
    days = load_experiment(path).load_cohort().patients.set_index("patient_id")
    assert days["progression_day"].notna().tolist() == [False, True, True, False]
    path = _write(tmp_path, follow_up, pfs_event=["Censored", "Progressed", "Dead", None])
    with pytest.raises(CohortDataError, match="nor a value of its event_map for 1 patients "
                                              "\\(C\\)"):
        load_experiment(path).load_cohort()
    with pytest.raises(CohortDataError, match="map other codes with event_map"):
        load_experiment(_write(tmp_path, FOLLOW_UP, pfs_event=[1, 2, 2, 1])).load_cohort()
