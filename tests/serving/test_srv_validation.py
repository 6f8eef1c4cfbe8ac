"""Input checks of the served model and the compiled scoring path."""

import numpy as np
import pandas as pd
import pytest

from irpredict.exceptions import CohortDataError, UnknownTherapyError
from irpredict.serving._fast import CompiledModel
from irpredict.serving.pyfunc import predict_explained
from irpredict.serving.validation import RANGE_FACTOR, check_input


@pytest.fixture(scope="module")
def model(in_process):
    return in_process.unwrap_python_model().model


def test_out_of_range_values_name_column_and_rows(model, rows):
    col, (low, high) = next((c, r) for c, r in model.numeric_ranges.items() if r[0] >= 0
                            and r[1] > r[0] and c not in ("age", "ecog")
                            and not c.endswith("_pct"))
    frame = rows.copy()
    frame[col] = frame[col].astype(float)
    frame.loc[[1, 3], col] = -1.0
    with pytest.raises(CohortDataError, match=rf"{col}.*rows 1, 3.*never negative"):
        check_input(model, frame)
    frame.loc[[1, 3], col] = (RANGE_FACTOR + 1) * max(abs(low), abs(high), high - low, 1.0)
    with pytest.raises(CohortDataError, match=rf"{col}.*far outside the training range"):
        check_input(model, frame)
    frame.loc[[1, 3], col] = 50 * max(high, 1.0)  # outside, but not by orders: scored
    from irpredict.exceptions import DataWarning

    with pytest.warns(DataWarning, match="far outside the training range"):
        assert len(check_input(model, frame)) == len(frame)


def _assert_refused_in_row_2(model, rows, column, value, why):
    frame = rows.copy()
    frame[column] = frame[column].astype(float)
    frame.loc[2, column] = value
    with pytest.raises(CohortDataError, match=rf"'{column}' has impossible values in rows 2"
                                              rf".*{why}"):
        check_input(model, frame)


@pytest.mark.parametrize(("column", "value", "why"), [
    ("ecog", 7, "ECOG performance status is 0-5"), ("age", 999, "ages are 0-120 years"),
    ("age", -3, "ages are 0-120 years")])
def test_values_a_column_cannot_take_are_refused(model, rows, column, value, why):
    assert column in model.feature_columns
    _assert_refused_in_row_2(model, rows, column, value, why)


@pytest.mark.parametrize(("column", "value", "why"), [
    ("ecog", 7, "ECOG performance status is 0-5"), ("age", 250, "ages are 0-120 years")])
def test_python_predict_proba_refuses_values_no_patient_can_have(model, rows, column, value,
                                                                  why):
    frame = rows.copy()
    frame[column] = frame[column].astype(float)
    assert model.predict_proba(frame).shape == (len(frame), 2)
    frame.loc[2, column] = value
    with pytest.raises(CohortDataError, match=rf"'{column}' has impossible values in rows 2"
                                              rf".*{why}"):
        model.predict_proba(frame)


@pytest.mark.parametrize("value", [np.inf, 1e300])
def test_a_value_is_named_once_by_its_first_problem(model, rows, value):
    frame = rows.copy()
    frame["age"] = frame["age"].astype(float)
    frame.loc[2, "age"] = value
    with pytest.raises(CohortDataError) as err:
        check_input(model, frame)
    assert str(err.value).count("'age'") == 1, str(err.value)
    assert ("infinite values in rows 2" if np.isinf(value) else
            "impossible values in rows 2") in str(err.value)


def test_text_null_and_unknown_therapy(model, rows):
    col = next(iter(model.numeric_ranges))
    with pytest.raises(CohortDataError, match=rf"{col}.*numeric.*hold abc"):
        check_input(model, rows.assign(**{col: "abc"}))
    with pytest.raises(UnknownTherapyError, match="missing in rows 0"):
        check_input(model, rows.assign(therapy_class=[None, *rows["therapy_class"][1:]]))
    with pytest.raises(UnknownTherapyError, match="vaccine"):
        check_input(model, rows.assign(therapy_class="vaccine"))
    with pytest.raises(CohortDataError, match="no rows"):
        check_input(model, rows.head(0))


@pytest.mark.parametrize("written", ["", " NA ", "n/a", "NaN", "null", "None", ".", "-"])
def test_a_number_written_as_missing_is_missing_as_in_a_file(model, rows, written):
    col = "age"
    empty = rows.assign(**{col: rows[col].astype(float)})
    empty.loc[empty.index[1], col] = np.nan
    sent = rows.assign(**{col: rows[col].astype(object)})
    sent.loc[sent.index[1], col] = written
    pd.testing.assert_frame_equal(check_input(model, sent), check_input(model, empty))
    blank = rows.assign(therapy_class=["", *rows["therapy_class"][1:]])
    with pytest.raises(UnknownTherapyError, match="therapy_class is missing in rows 0"):
        check_input(model, blank)


def test_compiled_path_equals_explain_path(model, rows, in_process):
    biomarkers = in_process.unwrap_python_model().biomarkers_
    checked = check_input(model, rows).reset_index(drop=True)
    compiled = CompiledModel.build(model, biomarkers, checked)
    assert compiled is not None
    fast = predict_explained(model, rows, biomarkers, compiled)
    slow = predict_explained(model, rows, biomarkers)
    num = [c for c in slow.columns if c != "therapy_class"]
    np.testing.assert_allclose(fast[num].to_numpy(float), slow[num].to_numpy(float), atol=1e-8)
    # duplicate and non-default indexes are kept as given
    shuffled = rows.set_axis(pd.Index(["p"] * len(rows)))
    assert list(predict_explained(model, shuffled, biomarkers, compiled).index) == ["p"] * len(rows)


def test_a_0_1_feature_written_as_true_false_or_yes_no_reads_as_1_0(model, rows):
    col = "liver_mets"
    assert col in model.numeric_ranges
    numbers = rows.assign(**{col: [i % 2 for i in range(len(rows))]})
    words = numbers.assign(**{col: numbers[col].map({1: " TRUE", 0: "no"}).astype(object)})
    words.loc[words.index[0], col] = None
    numbers.loc[numbers.index[0], col] = np.nan
    pd.testing.assert_frame_equal(check_input(model, words), check_input(model, numbers))
    words.loc[words.index[1], col] = "maybe"  # not a yes/no column any more: named as text
    with pytest.raises(CohortDataError, match=rf"{col}.*numeric.*maybe"):
        check_input(model, words)


def test_yes_no_words_in_a_column_that_was_no_flag_are_refused(model, rows):
    low, high = model.numeric_ranges["age"]
    assert high > 1
    for word in ("true", "no"):
        with pytest.raises(CohortDataError, match=rf"'age' must be numeric; .* hold {word}"):
            check_input(model, rows.assign(age=word))


@pytest.mark.parametrize("text", ["4_9", "\u0664\u0661", "6\u00b71"])
def test_numbers_python_reads_but_a_table_does_not_mean_are_refused(model, rows, text):
    sent = rows.assign(age=[text] + ["61"] * (len(rows) - 1))
    with pytest.raises(CohortDataError, match=rf"'age' must be numeric; .* hold {text}"):
        check_input(model, sent)
    plain = rows.assign(age=[" 6.1e1", "+61", ".5e2"] + ["61"] * (len(rows) - 3))
    assert check_input(model, plain)["age"].tolist()[:3] == [61.0, 61.0, 50.0]


def test_a_2_in_a_column_that_was_0_or_1_is_noted_as_far_outside(model, rows):
    assert model.numeric_ranges["liver_mets"] == (0.0, 1.0)
    notes = []
    check_input(model, rows.assign(liver_mets=[2.0] + [0.0] * (len(rows) - 1)), notes)
    assert any(note.startswith("values far outside the training range (beyond it by its "
                               "width or more)") and "'liver_mets'" in note for note in notes)
    notes = []
    check_input(model, rows.assign(liver_mets=1.0), notes)
    assert not [note for note in notes if "far outside" in note]


def test_a_change_is_signed_even_where_training_saw_no_negative_one(model, rows):
    from dataclasses import replace

    from irpredict.serving.validation import _range_bounds

    level, delta, slope = "crp__baseline", "crp__delta_d42", "crp__slope_d21"
    ranges = {level: (0.0, 5.0), delta: (0.0, 5.0), slope: (0.0, 5.0)}
    lo, _ = _range_bounds(replace(model, numeric_ranges=ranges), [level, delta, slope])
    assert lo[0] == 0.0  # a level never negative in training cannot be negative
    assert (lo[1:] < 0).all()  # a change or a rate can, whatever training happened to hold
    constant = replace(model, numeric_ranges={level: (0.0, 0.0)})
    assert _range_bounds(constant, [level])[0][0] < 0  # one value says nothing of the sign


def test_therapy_classes_written_as_a_person_would_are_read(model, rows):
    therapy = rows["therapy_class"].iloc[0]
    spelled = f"  {therapy.replace('_', ' ').title()} "
    checked = check_input(model, rows.assign(therapy_class=spelled))
    assert set(checked["therapy_class"]) == {therapy}
    with pytest.raises(UnknownTherapyError, match=rf"'{therapy[:-2]}' may be '{therapy}'"):
        check_input(model, rows.assign(therapy_class=therapy[:-2]))


def test_a_list_where_one_value_belongs_is_named(model, rows):
    col = model.categorical_columns[0]
    frame = rows.astype({col: object})
    frame[col] = [["a", "b"] if i == 1 else v for i, v in enumerate(frame[col])]
    with pytest.raises(CohortDataError, match=rf"column '{col}' holds lists or objects in "
                                              r"rows 1; send one value"):
        check_input(model, frame)


def _level_column(model, biomarker_test):
    from irpredict.serving.validation import _level_of

    numeric = [c for c in model.feature_columns if c not in set(model.categorical_columns)]
    return next(c for c in numeric if _level_of(c) and biomarker_test(_level_of(c)))


@pytest.mark.parametrize(("biomarker_test", "value", "why"), [
    (lambda b: b.endswith("_pct"), 140.0, "percentages are 0-100"),
    (lambda b: b == "albumin", 431.0, "albumin in g/L is 5-80"),
])
def test_a_biomarker_value_no_patient_can_have_is_refused_in_its_feature_columns(
        model, rows, biomarker_test, value, why):
    column = _level_column(model, biomarker_test)
    _assert_refused_in_row_2(model, rows, column, value, why)


def test_changes_and_counts_of_a_biomarker_are_not_held_to_its_levels(model):
    from irpredict.serving.validation import _level_of

    assert _level_of("stil_pct__baseline") == "stil_pct"
    assert _level_of("albumin__last_d42") == "albumin"
    assert _level_of("albumin__nadir_d21.5") == "albumin"
    assert _level_of("age") == "age"
    for change in ("stil_pct__delta_d42", "albumin__relchange_d42", "ki67_pct__n_draws_d42",
                   "albumin__days_to_nadir_d42", "crp__log2fc_d21"):
        assert _level_of(change) is None


def test_values_far_outside_the_training_range_are_scored_with_a_note(model, rows):
    col, (low, high) = next((c, r) for c, r in model.numeric_ranges.items() if r[1] > r[0] > 0
                            and c not in ("age", "ecog") and "_pct" not in c
                            and "albumin" not in c)
    frame = rows.copy()
    frame[col] = frame[col].astype(float)
    notes = []
    check_input(model, frame, notes)
    assert not any("far outside the training range" in n for n in notes)
    frame.loc[[1, 3], col] = high + 3 * (high - low)
    check_input(model, frame, notes)
    note = next(n for n in notes if "far outside the training range" in n)
    assert f"'{col}' in rows 1, 3" in note
    assert "extrapolates" in note


def test_a_single_class_model_fills_an_empty_therapy_class_as_a_missing_one():
    from types import SimpleNamespace

    from irpredict.serving.validation import with_therapy_class

    model = SimpleNamespace(mapping=SimpleNamespace(therapy_class="checkpoint_inhibitor",
                                                    therapy_rule=None))
    sent = pd.DataFrame({"age": [50, 60, 70, 80],
                         "therapy_class": ["", None, "  ", "checkpoint_inhibitor"]})
    got = with_therapy_class(model, sent)["therapy_class"].tolist()
    assert got == ["checkpoint_inhibitor"] * 4
    assert with_therapy_class(model, sent[["age"]])["therapy_class"].tolist() == got
    other = with_therapy_class(model, sent.assign(therapy_class="cytokine"))
    assert set(other["therapy_class"]) == {"cytokine"}  # left for the class check to refuse


def test_numbers_with_thousands_separators_get_their_own_fix():
    from irpredict.serving._numbers import _as_float

    with pytest.raises(CohortDataError, match=r"holds? 23,579.386.*without thousands "
                                              r"separators"):
        _as_float(pd.DataFrame({"x": ["1.5", "23,579.386"]}), ["x"])
    with pytest.raises(CohortDataError, match="not words such as Male/Female"):
        _as_float(pd.DataFrame({"x": ["1.5", "abc"]}), ["x"])
