"""Properties of the BOR derivation over random scan histories."""

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from irpredict.response import BOR_ORDER, best_overall_response, timepoint_responses

_RANK = {code: rank for rank, code in enumerate(BOR_ORDER)}
CODES = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]


@st.composite
def histories(draw, max_patients=4):
    n = draw(st.integers(1, max_patients))
    rows = []
    for p in range(n):
        gaps = draw(st.lists(st.integers(7, 70), min_size=0, max_size=7))
        day = 0
        for gap in gaps:
            day += gap
            rows.append((f"p{p}", float(day), draw(st.sampled_from(CODES))))
    return pd.DataFrame(rows, columns=["patient_id", "day", "overall_response"])


@settings(max_examples=150, deadline=None)
@given(histories())
def test_confirmed_never_better_than_unconfirmed(tp):
    ids = [f"p{k}" for k in range(4)]
    conf = best_overall_response(tp, patient_ids=ids).set_index("patient_id")["bor"]
    unconf = best_overall_response(tp, confirm=False, patient_ids=ids).set_index("patient_id")[
        "bor"
    ]
    assert all(_RANK[conf[p]] >= _RANK[unconf[p]] for p in ids)


@settings(max_examples=150, deadline=None)
@given(histories(), st.sampled_from(CODES))
def test_scans_after_pd_change_nothing(tp, extra):
    bor = best_overall_response(tp)
    with_pd = bor.dropna(subset=["pd_day"])
    added = pd.DataFrame(
        {
            "patient_id": with_pd["patient_id"],
            "day": with_pd["pd_day"] + 400.0,
            "overall_response": extra,
        }
    )
    again = best_overall_response(pd.concat([tp, added], ignore_index=True))
    pd.testing.assert_frame_equal(bor, again)


@settings(max_examples=100, deadline=None)
@given(histories())
def test_each_patient_is_assessed_alone(tp):
    full = best_overall_response(tp).set_index("patient_id")
    for pid, rows in tp.groupby("patient_id"):
        alone = best_overall_response(rows).set_index("patient_id")
        pd.testing.assert_frame_equal(alone, full.loc[[pid]])


@settings(max_examples=100, deadline=None)
@given(st.floats(1, 200), st.lists(st.one_of(st.none(), st.floats(0, 300)), min_size=1, max_size=8))
def test_pd_rule_against_running_nadir(baseline, sums):
    sums = [float("nan") if s is None else round(s, 1) for s in sums]
    ta = pd.DataFrame(
        {
            "patient_id": "p",
            "day": range(0, 56 * (len(sums) + 1), 56),
            "target_sld_mm": [round(baseline, 1), *sums],
        }
    )
    tp = timepoint_responses(ta)
    nadir = round(baseline, 1)
    for row in tp.itertuples():
        assert row.nadir_sld_mm == nadir
        if row.target_sld_mm == row.target_sld_mm:  # evaluable
            if (
                row.target_sld_mm > 0
                and row.target_sld_mm - nadir >= 5.001
                and row.target_sld_mm >= 1.2001 * nadir
            ):
                assert row.overall_response == "PD"
            nadir = min(nadir, row.target_sld_mm)
        else:
            assert row.overall_response == "NE"
