"""Results the landmark models do not read are named, not passed over in silence."""

import pandas as pd

from irpredict.monitoring.coverage import unread_results


def _results(*rows):
    return pd.DataFrame(rows, columns=["biomarker", "day"])


def test_read_results_are_not_named(small_models):
    # ctdna and crp are read at baseline and on treatment up to the last landmark (63)
    unread = unread_results(small_models, _results(("ctdna", -3), ("ctdna", 21), ("CRP", 42),
                                                   ("crp", 63)))
    assert not unread
    assert unread.notes() == []
    assert unread.read == ("crp", "ctdna")


def test_each_kind_of_unread_result_is_named_with_its_days(small_models):
    unread = unread_results(small_models, _results(
        ("ctdna", -3), ("ctdna", 90), ("ferritin", -2), ("ferritin", 30), ("ctDNA_vaf", 21),
        ("ecog", 21), ("crp", 63.0)))
    assert unread.unknown == {"ferritin": [-2.0, 30.0], "ctDNA_vaf": [21.0]}
    assert unread.misspelt() == {"ctDNA_vaf": "ctdna"}
    assert unread.after_last == {"ctdna": [90.0]}
    assert unread.from_patients_table == {"ecog": [21.0]}  # the model reads the ecog column
    notes = " | ".join(unread.notes())
    assert "1 biomarker in the data is not read by the landmark models (they read crp, ctdna): " \
           "ferritin" in notes
    assert "ctDNA_vaf" not in notes  # named by its own warning
    assert "results after day 63, the last landmark: ctdna (day 90)" in notes
    assert "read from the patients table instead: ecog (day 21)" in notes


def test_on_treatment_results_of_a_biomarker_read_at_baseline_only_are_named(small_cohort):
    from mon_helpers import FAST

    from irpredict.monitoring import fit_landmark_models

    # a day-0 model reads each biomarker's baseline draw and nothing after it
    models = fit_landmark_models(small_cohort, FAST, (0,), evaluate=False,
                                 entries=["setting", "line", "ecog", "measurements:ctdna"])
    unread = unread_results(models, _results(("ctdna", -1), ("ctdna", 22), ("ctdna", 40)))
    assert unread.baseline_only == {"ctdna": [22.0, 40.0]}
    assert not unread.unknown
    assert not unread.after_last  # said once, as baseline only
    assert "read at baseline only: ctdna (days 22, 40)" in " ".join(unread.notes())
