"""RECIST 1.1 target response and Tables 1 and 2."""

import numpy as np
import pandas as pd
import pytest

from irpredict.exceptions import CohortDataError
from irpredict.response import (
    at_least,
    check_tumor_assessments,
    overall_response,
    target_response,
    timepoint_responses,
)


def _ta(sums, days=None, pid="p1", **extra):
    days = days if days is not None else [0] + [56 * (k + 1) for k in range(len(sums) - 1)]
    frame = pd.DataFrame({"patient_id": pid, "day": days, "target_sld_mm": sums})
    for key, values in extra.items():
        frame[key] = values
    return frame


def _responses(sums, **extra):
    return timepoint_responses(_ta(sums, **extra))["overall_response"].tolist()


# --- the inclusive boundaries, both sides -------------------------------------------------------


def test_float_boundaries_computed_below_exact_still_count():
    assert 8.2 - 3.2 < 5.0 or 30.6 - 25.5 < 0.2 * 25.5  # the floats really do fall short
    assert at_least(8.2 - 3.2, 5.0)
    assert at_least(30.6 - 25.5, 0.2 * 25.5)


def test_exact_20_percent_and_5_mm_is_pd():
    # 25.5 -> 30.6: +5.1 mm and exactly +20 % over the nadir
    assert target_response(30.6, 25.5, 25.5) == "PD"
    assert target_response(30.59, 25.5, 25.5) == "SD"


def test_exact_5_mm_with_more_than_20_percent_is_pd():
    # 3.2 -> 8.2 mm: +156 % and exactly +5.0 mm
    assert target_response(8.2, 20.0, 3.2) == "PD"
    assert target_response(8.19, 20.0, 3.2) == "PR"  # < 5 mm: not PD; still >= 30 % below baseline


def test_20_percent_needs_5_mm_too():
    # nadir 20 mm: +20 % is only 4 mm -> not PD; 25 mm (+25 %, +5 mm) -> PD
    assert target_response(24.0, 20.0, 20.0) == "SD"
    assert target_response(25.0, 20.0, 20.0) == "PD"


def test_exact_30_percent_decrease_is_pr():
    assert target_response(70.0, 100.0, 100.0) == "PR"
    assert target_response(70.01, 100.0, 100.0) == "SD"
    # a float-unfriendly baseline: 0.7 * 33.3 = 23.31
    assert target_response(23.31, 33.3, 33.3) == "PR"


def test_pd_is_checked_before_pr():
    # 100 -> 40 (nadir) -> 50: 50 % below baseline but +25 %/+10 mm over the nadir
    assert _responses([100.0, 40.0, 50.0]) == ["PR", "PD"]


def test_reappearance_after_zero_nadir_is_pd():
    assert _responses([30.0, 0.0, 2.0]) == ["CR", "PD"]


def test_a_nontarget_lesion_reappearing_after_a_complete_response_is_pd():
    after_cr = _ta([100.0, 0.0, 0.0], nontarget=["NON-CR/NON-PD", "CR", "NON-CR/NON-PD"])
    tp = timepoint_responses(after_cr)
    assert tp["overall_response"].tolist() == ["CR", "PD"]
    assert tp["nontarget_response"].tolist() == ["CR", "PD"]
    # after a partial response the non-target status is read as given
    after_pr = _ta([100.0, 50.0, 50.0], nontarget=["NON-CR/NON-PD", "CR", "NON-CR/NON-PD"])
    assert timepoint_responses(after_pr)["overall_response"].tolist() == ["PR", "PR"]


def test_missing_sum_is_ne_and_not_in_nadir():
    # NE visit at 10 mm would have made 30 mm a PD; it must not enter the nadir
    tp = timepoint_responses(_ta([50.0, np.nan, 30.0]))
    assert tp["overall_response"].tolist() == ["NE", "PR"]
    assert tp["nadir_sld_mm"].tolist() == [50.0, 50.0]


def test_missing_sum_with_new_lesion_is_pd():
    assert _responses([50.0, np.nan], new_lesion=[False, True]) == ["PD"]


def test_target_cr_override_for_nodes():
    assert _responses([30.0, 9.0], target_cr=[False, True]) == ["CR"]


# --- Table 1 and Table 2 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "nontarget", "new", "expected"),
    [
        ("CR", "CR", False, "CR"),
        ("CR", None, False, "CR"),
        ("CR", "NON-CR/NON-PD", False, "PR"),
        ("CR", "NE", False, "PR"),
        ("PR", "NE", False, "PR"),
        ("SD", "NON-CR/NON-PD", False, "SD"),
        ("SD", "NE", False, "SD"),
        ("NE", "NON-CR/NON-PD", False, "NE"),
        ("PD", "CR", False, "PD"),
        ("CR", "PD", False, "PD"),
        ("PR", "CR", True, "PD"),
        ("NE", "NE", True, "PD"),
    ],
)
def test_table_1(target, nontarget, new, expected):
    assert overall_response(target, nontarget, new) == expected


@pytest.mark.parametrize(
    ("nontarget", "new", "expected"),
    [
        ("CR", False, "CR"),
        ("NON-CR/NON-PD", False, "NON-CR/NON-PD"),
        ("NE", False, "NE"),
        ("PD", False, "PD"),
        ("NON-CR/NON-PD", True, "PD"),
    ],
)
def test_table_2_non_measurable_only(nontarget, new, expected):
    assert overall_response("NE", nontarget, new, measurable=False) == expected


def test_non_measurable_patient_gets_non_cr_non_pd():
    out = _responses([0.0, 0.0, 0.0], nontarget=["NON-CR/NON-PD", "NON-CR/NON-PD", "CR"])
    assert out == ["NON-CR/NON-PD", "CR"]


def test_missing_nontarget_means_not_evaluated_when_patient_has_nontarget_disease():
    out = _responses([40.0, 0.0, 0.0], nontarget=["NON-CR/NON-PD", None, "CR"])
    assert out == ["PR", "CR"]


def test_patient_without_baseline_scan_is_ne_unless_pd():
    out = timepoint_responses(_ta([40.0, 30.0], days=[56, 112], new_lesion=[False, True]))
    assert out["overall_response"].tolist() == ["NE", "PD"]


def test_only_post_baseline_visits_and_last_pre_dose_scan_is_baseline():
    tp = timepoint_responses(_ta([80.0, 50.0, 35.0], days=[-30, -2, 56]))
    assert tp["day"].tolist() == [56]
    assert tp["baseline_sld_mm"].tolist() == [50.0]
    assert tp["overall_response"].tolist() == ["PR"]


def test_pct_change_columns():
    tp = timepoint_responses(_ta([50.0, 40.0, 44.0]))
    np.testing.assert_allclose(tp["pct_change_baseline"], [-20.0, -12.0])
    np.testing.assert_allclose(tp["pct_change_nadir"], [-20.0, 10.0])


# --- validation ----------------------------------------------------------------------------------


def test_missing_columns_named():
    with pytest.raises(CohortDataError, match=r"missing: \['target_sld_mm'\]"):
        check_tumor_assessments(pd.DataFrame({"patient_id": ["a"], "day": [0]}))


def test_non_numeric_size_names_rows():
    frame = _ta(["50", "abc"])
    with pytest.raises(CohortDataError,
                       match=r"'target_sld_mm' must be numeric; row 3 holds \['abc'\]"):
        check_tumor_assessments(frame)


def test_dates_in_the_day_column_get_the_day_fix():
    frame = pd.DataFrame({"patient_id": ["a", "a"], "day": ["2021-01-01", "2021-02-15"],
                          "target_sld_mm": [50.0, 30.0]})
    with pytest.raises(CohortDataError, match=r"'day' holds dates, not numbers: rows 2, 3 hold "
                                              r".*subtract each patient's first-dose date"):
        check_tumor_assessments(frame)
    frame["day"] = ["0", "six weeks"]
    with pytest.raises(CohortDataError, match=r"'day' must be numeric; row 3 holds "
                                              r"\['six weeks'\]; write plain numbers: days"):
        check_tumor_assessments(frame)


@pytest.mark.parametrize("written", ["NE", "ne", " Not evaluable "])
def test_a_size_written_ne_is_a_size_not_measured(written):
    as_empty = check_tumor_assessments(_ta(["50", None]))
    pd.testing.assert_frame_equal(check_tumor_assessments(_ta(["50", written])), as_empty)


def test_negative_size_rejected():
    with pytest.raises(CohortDataError, match="negative"):
        check_tumor_assessments(_ta([50.0, -1.0]))


def test_unknown_nontarget_rejected_and_aliases_accepted():
    with pytest.raises(CohortDataError, match=r"'nontarget'.*\['MAYBE'\]"):
        check_tumor_assessments(_ta([50.0, 40.0], nontarget=["CR", "maybe"]))
    ok = check_tumor_assessments(_ta([50.0, 40.0], nontarget=[" non-cr/non-pd", "Non-CR-Non-PD"]))
    assert ok["nontarget"].tolist() == ["NON-CR/NON-PD", "NON-CR/NON-PD"]


def test_duplicate_visits_rejected():
    with pytest.raises(CohortDataError, match="same day.*'p1'"):
        check_tumor_assessments(_ta([50.0, 40.0], days=[0, 0]))


def test_new_lesion_strings_parsed_and_blank_is_false():
    ok = check_tumor_assessments(_ta([50.0, 40.0, 40.0], new_lesion=[None, "yes", "0"]))
    assert ok["new_lesion"].tolist() == [False, True, False]
    with pytest.raises(CohortDataError, match="'new_lesion' must be true/false"):
        check_tumor_assessments(_ta([50.0, 40.0], new_lesion=["yes", "perhaps"]))


def test_baseline_is_the_last_measured_pre_treatment_scan():
    # A later pre-treatment row with the size left empty does not make every visit NE.
    ta = pd.DataFrame({"patient_id": "p", "day": [-30, -2, 56, 100],
                       "target_sld_mm": [50.0, np.nan, 30.0, 30.0]})
    tp = timepoint_responses(ta)
    assert tp["baseline_sld_mm"].tolist() == [50.0, 50.0]
    assert tp["overall_response"].tolist() == ["PR", "PR"]
