"""Best overall response: admiralonco golden vectors and RECIST edge cases."""

import numpy as np
import pandas as pd
import pytest

from irpredict.exceptions import CohortDataError
from irpredict.response import assess_response, best_overall_response

# admiralonco tests/testthat/test-derive_param_confirmed_bor.R (DOMAIN.md section 3.6)
TRTSDT = {
    "1": "2020-01-01",
    "2": "2019-12-12",
    "3": "2019-11-11",
    "4": "2019-12-30",
    "5": "2020-01-01",
    "6": "2020-02-02",
    "7": "2020-02-02",
    "8": "2020-04-01",
    "9": "2020-02-01",
}
ADRS = [
    ("1", "2020-01-01", "PR"),
    ("1", "2020-02-01", "CR"),
    ("1", "2020-02-16", "NE"),
    ("1", "2020-03-01", "CR"),
    ("1", "2020-04-01", "SD"),
    ("2", "2020-01-01", "SD"),
    ("2", "2020-02-01", "PR"),
    ("2", "2020-03-01", "SD"),
    ("2", "2020-03-13", "CR"),
    ("3", "2019-11-12", "CR"),
    ("3", "2019-12-02", "CR"),
    ("3", "2020-01-01", "SD"),
    ("4", "2020-01-01", "PR"),
    ("4", "2020-03-01", "SD"),
    ("4", "2020-04-01", "SD"),
    ("4", "2020-05-01", "PR"),
    ("4", "2020-05-15", "NON-CR/NON-PD"),
    ("5", "2020-01-01", "PR"),
    ("5", "2020-01-10", "SD"),
    ("5", "2020-01-20", "PR"),
    ("5", "2020-05-15", "NON-CR/NON-PD"),
    ("6", "2020-02-06", "PR"),
    ("6", "2020-02-16", "CR"),
    ("6", "2020-03-30", "PR"),
    ("7", "2020-02-06", "PR"),
    ("7", "2020-02-16", "CR"),
    ("7", "2020-04-01", "NE"),
    ("9", "2020-02-16", "PD"),
    ("9", "2020-03-06", "SD"),
]


def _days(pid, date):
    return float((pd.Timestamp(date) - pd.Timestamp(TRTSDT[pid])).days)


def _adrs(rows):
    return pd.DataFrame(
        [(p, _days(p, d), r) for p, d, r in rows], columns=["patient_id", "day", "overall_response"]
    )


def _expected(table):
    return {p: (r, np.nan if d is None else _days(p, d)) for p, (r, d) in table.items()}


def _as_dict(bor):
    return {row.patient_id: (row.bor, row.bor_day) for row in bor.itertuples()}


def _assert_same(actual, expected):
    assert set(actual) == set(expected)
    for pid, (resp, day) in expected.items():
        got_resp, got_day = actual[pid]
        assert got_resp == resp, (pid, got_resp, resp)
        assert (np.isnan(got_day) and np.isnan(day)) or got_day == day, (pid, got_day, day)


def test_admiralonco_test_1_default_confirmed_bor():
    bor = best_overall_response(
        _adrs(ADRS), confirm_days=28, min_sd_days=28, patient_ids=sorted(TRTSDT)
    )
    expected = _expected(
        {
            "1": ("CR", "2020-02-01"),
            "2": ("SD", "2020-02-01"),
            "3": ("SD", "2020-01-01"),
            "4": ("SD", "2020-03-01"),
            "5": ("NON-CR/NON-PD", "2020-05-15"),
            "6": ("SD", "2020-03-30"),
            "7": ("NE", "2020-02-06"),
            "8": ("MISSING", None),
            "9": ("PD", "2020-02-16"),
        }
    )
    _assert_same(_as_dict(bor), expected)
    assert bor.set_index("patient_id")["confirmed"].to_dict() == {p: p == "1" for p in TRTSDT}


def test_admiralonco_test_2_accept_sd_missing_as_ne():
    # admiralonco drops subject 7's records and adds one "ND" (not done) record on 2020-04-02,
    # expecting BOR "ND". irpredict has no ND code: ND is mapped to NE (DOMAIN.md 3.6 allows it),
    # so subject 7 gets NE on that day.
    rows = [r for r in ADRS if r[0] != "7"] + [("7", "2020-04-02", "NE")]
    bor = best_overall_response(
        _adrs(rows),
        confirm_days=14,
        min_sd_days=28,
        max_nr_ne=0,
        accept_sd=True,
        missing_as_ne=True,
        patient_ids=sorted(TRTSDT),
    )
    expected = _expected(
        {
            "1": ("PR", "2020-01-01"),
            "2": ("PR", "2020-02-01"),
            "3": ("CR", "2019-11-12"),
            "4": ("SD", "2020-03-01"),
            "5": ("PR", "2020-01-01"),
            "6": ("SD", "2020-03-30"),
            "7": ("NE", "2020-04-02"),
            "8": ("NE", None),
            "9": ("PD", "2020-02-16"),
        }
    )
    _assert_same(_as_dict(bor), expected)


def test_unconfirmed_bor_takes_first_cr_and_keeps_sd_window():
    bor = best_overall_response(
        _adrs(ADRS), confirm=False, min_sd_days=28, patient_ids=sorted(TRTSDT)
    )
    got = _as_dict(bor)
    assert got["1"] == ("CR", _days("1", "2020-02-01"))
    assert got["5"] == ("PR", _days("5", "2020-01-01"))
    assert got["9"] == ("PD", _days("9", "2020-02-16"))
    assert got["8"][0] == "MISSING"
    assert not bor["confirmed"].any()


def _tp(codes, days, pid="p"):
    return pd.DataFrame({"patient_id": pid, "day": days, "overall_response": codes})


def test_pd_truncates_later_assessments():
    bor = best_overall_response(_tp(["SD", "PD", "PR", "PR"], [56, 112, 168, 224]))
    assert bor.loc[0, "bor"] == "SD"
    assert bor.loc[0, "pd_day"] == 112
    early_pd = best_overall_response(_tp(["PD", "CR", "CR"], [30, 90, 150]))
    assert (early_pd.loc[0, "bor"], early_pd.loc[0, "bor_day"]) == ("PD", 30)


def test_early_sd_before_min_sd_days_is_ne():
    assert best_overall_response(_tp(["SD"], [41]), min_sd_days=42).loc[0, "bor"] == "NE"
    assert best_overall_response(_tp(["SD"], [42]), min_sd_days=42).loc[0, "bor"] == "SD"
    # an early unconfirmed PR is NE as well; SD then PD -> PD
    assert best_overall_response(_tp(["PR", "PD"], [28, 70])).loc[0, "bor"] == "PD"


def test_confirmation_window_boundary():
    assert best_overall_response(_tp(["PR", "PR"], [56, 84])).loc[0, "bor"] == "PR"
    assert best_overall_response(_tp(["PR", "PR"], [56, 83])).loc[0, "bor"] == "SD"


def test_second_ne_between_response_and_confirmation_breaks_it():
    ok = best_overall_response(_tp(["CR", "NE", "CR"], [56, 70, 112]))
    bad = best_overall_response(_tp(["CR", "NE", "NE", "CR"], [56, 70, 84, 112]))
    assert ok.loc[0, "bor"] == "CR"
    assert bad.loc[0, "bor"] == "SD"


def test_pr_sd_pr_needs_accept_sd():
    tp = _tp(["PR", "SD", "PR"], [56, 84, 112])
    assert best_overall_response(tp).loc[0, "bor"] == "SD"
    assert best_overall_response(tp, accept_sd=True).loc[0, "bor"] == "PR"


def test_unknown_code_rejected():
    with pytest.raises(
        CohortDataError, match=r"unknown 'overall_response'.*\['ND'\].*map ND to NE"
    ):
        best_overall_response(_tp(["ND"], [56]))


def test_cr_reappearance_pd_from_measurements():
    ta = pd.DataFrame(
        {"patient_id": "p", "day": [0, 56, 112, 168], "target_sld_mm": [30.0, 0.0, 0.0, 3.0]}
    )
    result = assess_response(ta)
    assert result.timepoints["overall_response"].tolist() == ["CR", "CR", "PD"]
    assert result.bor.loc[0, ["bor", "bor_day", "confirmed", "pd_day"]].tolist() == [
        "CR",
        56.0,
        True,
        168.0,
    ]


def test_patients_without_post_baseline_scans():
    ta = pd.DataFrame(
        {"patient_id": ["a", "b", "b"], "day": [-3, -3, 60], "target_sld_mm": [40.0, 40.0, 41.0]}
    )
    assert assess_response(ta).bor.set_index("patient_id")["bor"].to_dict() == {
        "a": "MISSING",
        "b": "SD",
    }
    assert assess_response(ta, missing_as_ne=True).bor.loc[0, "bor"] == "NE"


@pytest.mark.parametrize("criteria", ["recist1.1", "irecist"])
def test_a_large_trial_gets_one_bor_per_patient_and_a_row_per_follow_up_scan(criteria):
    """Its speed (5,000 patients x 8 scans) is measured by `make bench` (bench_response)."""
    import warnings

    from benchmarks.bench_response import scans

    n, k = 800, 8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # late iCPD confirmations in this random data
        result = assess_response(scans(n, k), criteria=criteria)
    assert len(result.bor) == n
    assert len(result.timepoints) == n * (k - 1)
