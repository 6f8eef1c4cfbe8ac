"""iRECIST state machine and iBOR (test ideas (i)-(vii) of DOMAIN.md section 3.6)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from irpredict.response import (
    IRecistWindowWarning,
    assess_response,
    best_overall_iresponse,
    irecist_timepoints,
)


def _ta(days, sums, baseline=100.0, **extra):
    frame = pd.DataFrame({"patient_id": "p", "day": [0, *days], "target_sld_mm": [baseline, *sums]})
    for key, values in extra.items():
        frame[key] = [
            None if key == "nontarget" else np.nan if key.endswith("_mm") else False,
            *values,
        ]
    return frame


def _codes(frame, **kwargs):
    return irecist_timepoints(frame, **kwargs)["irecist_response"].tolist()


def test_i_reappearance_after_cr_is_iupd_not_ne():
    ta = _ta([56, 112], [0.0, 4.0], baseline=10.0)
    tp = irecist_timepoints(ta)
    assert tp["irecist_response"].tolist() == ["iCR", "iUPD"]
    assert tp["overall_response"].tolist() == ["CR", "PD"]


def test_ii_stable_new_lesion_with_improving_original_disease_resets():
    new = dict(new_lesion=[True, True], new_lesion_sld_mm=[10.0, 10.0])
    assert _codes(_ta([56, 91], [125.0, 50.0], **new)) == ["iUPD", "iPR"]
    assert _codes(_ta([56, 91], [125.0, 90.0], **new)) == ["iUPD", "iSD"]


def test_iii_unchanged_pr_with_stable_new_lesion_stays_iupd():
    ta = _ta(
        [56, 84, 119],
        [50.0, 50.0, 50.0],
        new_lesion=[False, True, True],
        new_lesion_sld_mm=[np.nan, 10.0, 10.0],
    )
    assert _codes(ta) == ["iPR", "iUPD", "iUPD"]


def test_iii_b_new_lesion_gone_resets():
    ta = _ta([56, 84, 119], [50.0, 50.0, 50.0], new_lesion=[False, True, False])
    assert _codes(ta) == ["iPR", "iUPD", "iPR"]


def test_iv_scan_before_28_days_ignored_28_days_confirms():
    tp = irecist_timepoints(_ta([56, 83, 84], [125.0, 130.0, 130.0]))
    assert tp["irecist_response"].tolist() == ["iUPD", "iUPD", "iCPD"]
    assert "not used" in tp["irecist_reason"].iloc[1]
    assert "+5 mm" in tp["irecist_reason"].iloc[2]


def test_v_late_confirmation_flagged_and_warned():
    within = irecist_timepoints(_ta([56, 112], [125.0, 130.0]))
    assert within["irecist_response"].tolist() == ["iUPD", "iCPD"]
    assert not within["icpd_late"].any()
    with pytest.warns(IRecistWindowWarning,
                      match=r"^tumor_assessments: 1 patient has iCPD .* more than 56 days"):
        late = irecist_timepoints(_ta([56, 113], [125.0, 130.0]))
    assert late["icpd_late"].tolist() == [False, True]


@pytest.mark.parametrize(
    ("before", "after", "expected"), [(3.2, 8.2, "iCPD"), (25.5, 30.6, "iCPD"), (3.2, 8.1, "iUPD")]
)
def test_vi_new_lesion_sum_exact_5_mm_boundary(before, after, expected):
    ta = _ta([56, 91], [100.0, 100.0], new_lesion=[True, True], new_lesion_sld_mm=[before, after])
    assert _codes(ta) == ["iUPD", expected]


def test_vii_ibor_truncated_at_icpd():
    ta = _ta(
        [56, 84, 119, 147],
        [50.0, 125.0, 125.0, 0.0],
        new_lesion=[False, True, True, True],
        new_lesion_sld_mm=[np.nan, 3.2, 8.2, 8.2],
    )
    tp = irecist_timepoints(ta)
    assert tp["irecist_response"].tolist() == ["iPR", "iUPD", "iCPD", "iCPD"]
    bor = best_overall_iresponse(tp, confirm=False)
    assert bor.loc[0, ["bor", "bor_day", "pd_day"]].tolist() == ["iPR", 56.0, 119.0]
    confirmed = best_overall_iresponse(tp)  # the iPR is not confirmed (iUPD follows): iSD at day 56
    assert confirmed.loc[0, ["bor", "bor_day"]].tolist() == ["iSD", 56.0]


def test_vii_ibor_prefers_iupd_over_ne():
    ta = _ta([56, 91], [100.0, np.nan], new_lesion=[True, False])
    tp = irecist_timepoints(ta)
    assert tp["irecist_response"].tolist() == ["iUPD", "NE"]
    assert best_overall_iresponse(tp).loc[0, "bor"] == "iUPD"


def test_ne_after_iupd_does_not_enter_nadir():
    ta = _ta(
        [56, 91, 119],
        [100.0, np.nan, 61.0],
        new_lesion=[True, True, True],
        new_lesion_sld_mm=[10.0, np.nan, 10.0],
    )
    tp = irecist_timepoints(ta)
    assert tp["irecist_response"].tolist() == ["iUPD", "NE", "iPR"]
    assert tp["nadir_sld_mm"].iloc[2] == 100.0


def test_pseudo_progressor_pd_by_recist_ipr_by_irecist():
    ta = pd.DataFrame(
        {"patient_id": "p", "day": [-5, 56, 112, 168], "target_sld_mm": [50.0, 63.0, 30.0, 28.0]}
    )
    recist = assess_response(ta, criteria="recist1.1").bor.loc[0]
    irecist = assess_response(ta, criteria="irecist").bor.loc[0]
    assert (recist["bor"], recist["bor_day"]) == ("PD", 56.0)
    assert (irecist["bor"], irecist["bor_day"], irecist["confirmed"]) == ("iPR", 112.0, True)


def test_pseudo_progressor_to_icr():
    ta = pd.DataFrame(
        {"patient_id": "p", "day": [-5, 56, 112, 168], "target_sld_mm": [50.0, 63.0, 0.0, 0.0]}
    )
    assert assess_response(ta, criteria="irecist").bor.loc[0, "bor"] == "iCR"


def test_icr_requires_new_lesions_gone():
    ta = _ta(
        [56, 91, 126],
        [125.0, 0.0, 0.0],
        new_lesion=[True, True, False],
        new_lesion_sld_mm=[10.0, 10.0, 0.0],
    )
    assert _codes(ta) == ["iUPD", "iPR", "iCR"]


def test_new_lesion_after_target_iupd_confirms():
    ta = _ta([56, 91], [125.0, 125.0], new_lesion=[False, True])
    tp = irecist_timepoints(ta)
    assert tp["irecist_response"].tolist() == ["iUPD", "iCPD"]
    assert tp["irecist_reason"].iloc[1] == "new lesion"


def test_an_iupd_confirmed_by_icpd_is_ibor_icpd_and_an_unconfirmed_one_stays_iupd():
    # Seymour et al. 2017, table 3: example 6 (iUPD, iCPD), 7 (iUPD, iUPD, iCPD), 8 (iUPD, NE)
    for days, sizes, expected in (([56, 91], [125.0, 131.0], "iCPD"),
                                  ([56, 91, 126], [125.0, 126.0, 132.0], "iCPD"),
                                  ([56, 91], [125.0, None], "iUPD")):
        tp = irecist_timepoints(_ta(days, sizes))
        bor = best_overall_iresponse(tp).iloc[0]
        assert bor["bor"] == expected, (days, tp["irecist_response"].tolist())
        if expected == "iCPD":
            assert bor["bor_day"] == bor["pd_day"] == days[-1]
            assert bor["ipfs_day"] == 56  # the iUPD the iCPD confirmed
            assert bool(bor["confirmed"])


def test_nontarget_iupd_needs_further_increase():
    ta = _ta(
        [56, 84, 112],
        [100.0, 100.0, 100.0],
        nontarget=["PD", "PD", "PD"],
        nontarget_increase=[False, False, True],
    )
    assert _codes(ta) == ["iUPD", "iUPD", "iCPD"]


def test_a_nontarget_iupd_is_not_reset_by_a_scan_that_did_not_assess_the_nontarget():
    ta = _ta([56, 112, 168], [100.0, 95.0, 95.0], nontarget=["PD", None, "NON-CR/NON-PD"])
    ta.loc[0, "nontarget"] = "NON-CR/NON-PD"
    assert _codes(ta) == ["iUPD", "iUPD", "iSD"]  # reset once it is assessed and not worse


def test_new_nontarget_lesions_confirm_by_a_growing_count_not_by_being_there():
    def table(counts):
        frame = _ta([56, 84, 112], [100.0] * 3, new_lesion=[True, True, True])
        frame["new_nontarget_count"] = [0, *counts]
        return frame

    assert _codes(table([1, 1, 1])) == ["iUPD", "iUPD", "iUPD"]  # present, not growing
    assert _codes(table([1, 1, 2])) == ["iUPD", "iUPD", "iCPD"]
    assert irecist_timepoints(table([1, 2, 2]))["irecist_reason"].iloc[1] == \
        "more new non-target lesions"


def test_a_new_nontarget_flag_set_from_the_iupd_scan_on_is_warned_about():
    from irpredict.exceptions import DataWarning

    ta = _ta([56, 84], [100.0, 100.0], new_lesion=[True, True], new_nontarget=[True, True])
    with pytest.warns(DataWarning, match=r"1 patients have iCPD only because new_nontarget is "
                                         r"true.*give new_nontarget_count"):
        assert _codes(ta) == ["iUPD", "iCPD"]  # the flag means "increased", as documented
    ta = _ta([56, 84], [100.0, 100.0], new_lesion=[True, True], new_nontarget=[False, True])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assert _codes(ta) == ["iUPD", "iCPD"]  # increased after the iUPD scan: no doubt


def test_new_iupd_needed_after_reset():
    # iUPD -> reset (iSD) -> PD again: a new iUPD, confirmed only by a later scan
    ta = _ta([56, 91, 126, 161], [125.0, 90.0, 130.0, 136.0])
    assert _codes(ta) == ["iUPD", "iSD", "iUPD", "iCPD"]


def test_more_new_nontarget_lesions_after_a_reset_start_a_new_iupd():
    # a new lesion kept through a reset is "known"; more of them is new progression
    ta = _ta([56, 112, 168, 224], [90.0, 60.0, 60.0, 60.0], new_lesion=[True] * 4)
    ta["new_nontarget_count"] = [0, 1, 1, 4, 6]
    assert _codes(ta) == ["iUPD", "iPR", "iUPD", "iCPD"]
    ta["new_nontarget_count"] = [0, 1, 1, 1, 1]
    assert _codes(ta) == ["iUPD", "iPR", "iPR", "iPR"]  # known and stable: no progression


def test_a_lesion_in_a_patient_without_baseline_targets_is_followed_to_icpd():
    # non-measurable disease only; the target sum measured later is the new lesions' size
    ta = _ta([56, 112, 168], [12.0, 60.0, 110.0], baseline=0.0,
             nontarget=["NON-CR/NON-PD"] * 3)
    ta.loc[0, "nontarget"] = "NON-CR/NON-PD"
    with pytest.warns(UserWarning, match="absent at baseline is a new lesion"):
        tp = irecist_timepoints(ta)
    assert tp["irecist_response"].tolist() == ["iUPD", "iCPD", "iCPD"]
    assert tp["irecist_reason"].iloc[1] == "new-lesion sum +5 mm"
    ta = _ta([56, 112], [12.0, 14.0], baseline=0.0, nontarget=["NON-CR/NON-PD"] * 2)
    ta.loc[0, "nontarget"] = "NON-CR/NON-PD"
    with pytest.warns(UserWarning, match="absent at baseline"):
        assert _codes(ta) == ["iUPD", "iUPD"]  # grew less than 5 mm: not confirmed


def test_irecist_equals_recist_until_first_progression_on_a_csv_with_blank_nontarget(tmp_path):
    # A nontarget column left blank for some patients reads back as missing strings (NaN in
    # pandas' string columns): those visits are "not assessed", exactly as under RECIST 1.1.
    from irpredict.data.simulator import simulate_cohort

    path = tmp_path / "tumor_assessments.csv"
    simulate_cohort(n_patients=600, seed=3).tumor_assessments.to_csv(path, index=False)
    ta = pd.read_csv(path)
    assert ta["nontarget"].isna().any()
    assert ta["nontarget"].notna().any()
    tp = irecist_timepoints(ta, warn_late=False)
    progressed = (tp["overall_response"] == "PD").groupby(tp["patient_id"]).cummax()
    before = tp[~progressed]
    expected = before["overall_response"].map(
        {"CR": "iCR", "PR": "iPR", "SD": "iSD", "NON-CR/NON-PD": "NON-iCR/NON-iUPD", "NE": "NE"})
    assert len(before) > 1000
    assert (before["irecist_response"] == expected).all(), before[
        before["irecist_response"] != expected][["patient_id", "day", "overall_response",
                                                 "irecist_response"]].head()
    assert (before["irecist_response"] == "iCR").sum() > 0
