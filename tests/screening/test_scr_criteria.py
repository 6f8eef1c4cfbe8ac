"""The criteria language: grammar, precedence, missing values, names, rejected input."""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irpredict.exceptions import CriteriaError
from irpredict.screening import evaluate_criteria, parse_criteria


@pytest.fixture
def frame():
    return pd.DataFrame({
        "pdl1_cps": [1.0, 10.0, 25.0, np.nan, 12.0],
        "stil_pct": [10.0, 2.0, 30.0, 40.0, np.nan],
        "her2_ihc": ["0", "2+", "3+", None, "1+"],
        "erbb2_ratio": [1.0, 1.5, 2.5, 3.0, np.nan],
        "ecog": [0, 1, 2, 0, 1],
        "STAT1.sig": [0.5, -0.2, 1.1, np.nan, 0.0],
        "Chemokine12_score": [0.6, 0.4, -1.0, 0.7, np.nan],
        "crp__baseline": [3.0, 12.0, 5.0, 40.0, 1.0],
        "source:arm": ["a", "b", "a", "b", "a"],
    }, index=[f"p{i}" for i in range(5)])


def ev(text, frame, **kw):
    return evaluate_criteria(text, frame, **kw).tolist()


def test_examples_from_the_language(frame):
    assert ev("pdl1_cps >= 10 and stil_pct >= 5", frame) == [False, False, True, False, False]
    assert ev("her2_ihc in ('2+', '3+') or erbb2_ratio >= 2", frame) == \
        [False, True, True, True, False]
    assert ev("not (ecog >= 2)", frame) == [True, True, False, True, True]
    assert ev("`Chemokine12_score` >= 0.5", frame) == [True, False, False, True, False]
    assert ev("STAT1.sig > 0", frame) == [True, False, True, False, False]
    assert ev("`source:arm` == 'a'", frame) == [True, False, True, False, True]


def test_every_comparison_operator(frame):
    x = frame["erbb2_ratio"]
    for op, fn in [("<", x.lt), ("<=", x.le), (">", x.gt), (">=", x.ge), ("==", x.eq),
                   ("!=", x.ne)]:
        expected = (fn(1.5) & x.notna()).tolist()
        assert ev(f"erbb2_ratio {op} 1.5", frame) == expected, op


def test_precedence_not_then_and_then_or(frame):
    # or binds loosest: a or b and c == a or (b and c)
    a, b, c = "ecog == 0", "pdl1_cps >= 10", "stil_pct >= 20"
    assert ev(f"{a} or {b} and {c}", frame) == ev(f"{a} or ({b} and {c})", frame)
    assert ev(f"{a} or {b} and {c}", frame) != ev(f"({a} or {b}) and {c}", frame)
    # not binds tighter than and
    assert ev(f"not {a} and {b}", frame) == ev(f"(not {a}) and {b}", frame)
    assert ev("not not ecog == 0", frame) == ev("ecog == 0", frame)


def test_parentheses_and_chained_comparison(frame):
    assert ev("((ecog == 1))", frame) == [False, True, False, False, True]
    assert ev("1 <= pdl1_cps < 20", frame) == [True, True, False, False, True]
    assert ev("10 <= pdl1_cps", frame) == ev("pdl1_cps >= 10", frame)


def test_in_and_not_in_lists(frame):
    assert ev("ecog in [0, 2]", frame) == [True, False, True, True, False]
    assert ev("ecog not in (0, 2,)", frame) == [False, True, False, False, True]
    assert ev("her2_ihc not in ('0',)", frame) == [False, True, True, False, True]


def test_missing_is_not_eligible_by_default_even_under_not(frame):
    # patient p3 has pdl1_cps missing: unknown, and not(unknown) is still unknown
    assert ev("pdl1_cps >= 10", frame)[3] is False
    assert ev("not pdl1_cps >= 10", frame)[3] is False
    assert ev("pdl1_cps >= 10", frame, missing="include")[3] is True
    assert ev("not pdl1_cps >= 10", frame, missing="include")[3] is True


def test_three_valued_logic(frame):
    # p3: pdl1 unknown. unknown or True -> True; unknown and False -> False (known)
    assert ev("pdl1_cps >= 10 or ecog == 0", frame)[3] is True
    assert ev("pdl1_cps >= 10 and ecog == 1", frame, missing="include")[3] is False
    assert ev("pdl1_cps >= 10 and ecog == 0", frame, missing="include")[3] is True


def test_baseline_suffix_resolves(frame):
    assert ev("crp >= 10", frame) == ev("crp__baseline >= 10", frame)


def test_unknown_name_suggests_close_matches(frame):
    with pytest.raises(CriteriaError, match=r"unknown column 'pdl1_cp'.*closest: pdl1_cps"):
        evaluate_criteria("pdl1_cp >= 10", frame)
    with pytest.raises(CriteriaError, match=r"closest: .*crp"):
        evaluate_criteria("crpp > 1", frame)


def test_text_and_number_mix_is_an_error(frame):
    with pytest.raises(CriteriaError, match="numeric but is compared with a quoted string"):
        evaluate_criteria("ecog == '1'", frame)
    with pytest.raises(CriteriaError, match="'>=' needs numbers"):
        evaluate_criteria("her2_ihc >= '2+'", frame)
    with pytest.raises(CriteriaError, match="holds text"):
        evaluate_criteria("`source:arm` == 1", frame)


def test_names_used_are_reported():
    assert parse_criteria("a > 1 or (b in (1, 2) and not c.d < a)").names == ("a", "b", "c.d")


def test_criteria_error_is_a_value_error():
    with pytest.raises(ValueError, match="empty"):
        parse_criteria("   ")


REJECTED = [
    ("__import__('os').system('ls')", "not allowed"),
    ("open('x') == 1", "function calls are not allowed"),
    ("len(a) > 1", "function calls are not allowed"),
    ("a.__class__ == 1", "attribute access"),
    ("'x'.join(a) == 1", "attribute access is not allowed"),
    ("a[0] > 1", "subscripts are not allowed"),
    ("(lambda: 1) == 1", "lambda expressions are not allowed"),
    ("[x for x in a] == 1", "comprehensions"),
    ("f'{a}' == 1", "f-strings"),
    ("(a := 1) == 1", "assignment"),
    ("a = 1", "use '=='"),
    ("a + 1 > 2", "arithmetic is not allowed"),
    ("a > 1; import os", "position 5: character ';' is not allowed"),
    ("a > 1; b > 2", "one expression only"),
    ("import os", "import is not allowed"),
    ("a > 1 & b > 2", "use 'and'"),
    ("a > 1 | b > 2", "use 'or'"),
    ("~(a > 1)", "use 'not'"),
    ("a is None", "'is' is not allowed"),
    ("a > 1 if b else c", "conditional expressions"),
    ("{'a': 1} == a", "sets and dicts are not allowed"),
    ("a > 1 and", "ends where a column or value is expected"),
    ("(a > 1", "missing '\\)'"),
    ("a", "a name on its own is not a condition"),
    ("a > 'unterminated", "unterminated string"),
    ("a in b", "needs a list of literals"),
    ("a in (b, 1)", "literals only"),
    ("a > 1 " + "and a > 1 " * 200, "the limit is 1000"),
    ("(" * 40 + "a > 1" + ")" * 40, "nesting deeper"),
    ("a > 1 b > 2", "expected 'and', 'or'"),
    ("`` > 1", "empty backtick name"),
    ("a > \\x00", "backslashes are not allowed"),
    ("PD-L1 CPS >= 10", "written in backticks \\(`PD-L1 CPS`\\)"),
    ("ER status in ('pos')", "written in backticks \\(`ER status`\\)"),
    ("\u00e2ge < 65", "write a column name with such letters in backticks"),
    ("ecog notin (0, 1)", "did you mean 'not in'\\?"),
    ("stil_pct >= 10%", "a unit after 10: write the number alone"),
    ("albumin >= 35 g/L", "a unit after 35: write the number alone"),
    ("albumin >= 35 mg and ecog < 2", "a unit after 35"),
    ("her2_ihc == 3+", "3\\+ is text, not a number: quote it \\('3\\+'\\)"),
    ("a >= 3 + 4", "arithmetic is not allowed"),
]


@pytest.mark.parametrize(("text", "message"), REJECTED, ids=[t[0][:30] for t in REJECTED])
def test_injection_and_malformed_input_rejected(text, message):
    with pytest.raises(CriteriaError, match=message):
        parse_criteria(text)


def test_never_evaluates_python(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(CriteriaError):
        parse_criteria(f"__import__('pathlib').Path('{marker}').touch()")
    assert not marker.exists()


def test_non_text_input_rejected():
    with pytest.raises(CriteriaError, match="must be text"):
        parse_criteria(42)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.floats(-5, 5)), min_size=1, max_size=30),
       t=st.floats(-5, 5), missing=st.sampled_from(["exclude", "include"]))
def test_threshold_matches_pandas(values, t, missing):
    df = pd.DataFrame({"s": pd.array(values, dtype="Float64").astype(float)})
    got = evaluate_criteria(f"s >= {t!r}", df, missing=missing).to_numpy()
    known = df["s"].notna()
    expected = (df["s"] >= t) & known
    if missing == "include":
        expected = expected | ~known
    np.testing.assert_array_equal(got, expected.to_numpy())
    # De Morgan under three-valued logic
    a = evaluate_criteria(f"not (s >= {t!r} or s < -1)", df, missing=missing).to_numpy()
    b = evaluate_criteria(f"not s >= {t!r} and not s < -1", df, missing=missing).to_numpy()
    np.testing.assert_array_equal(a, b)


def test_nullable_dtypes():
    df = pd.DataFrame({"ecog": pd.array([0, None, 2], dtype="Int64"),
                       "s": pd.array(["a", None, "b"], dtype="string"),
                       "flag": pd.array([True, False, None], dtype="boolean")})
    assert ev("ecog < 2", df) == [True, False, False]
    assert ev("not ecog < 2", df) == [False, False, True]
    assert ev("s != 'a'", df) == [False, False, True]
    assert ev("flag == True", df) == [True, False, False]


def test_a_value_no_patient_holds_is_said_with_the_values_there_are():
    from irpredict.exceptions import DataWarning

    frame = pd.DataFrame({"pam50": ["Basal", "LumA", "Basal", None], "er": [1.0, -1, 1, -1],
                          "tmb": [1.5, 2.5, 3.5, 4.5]})
    with pytest.warns(DataWarning, match=r"no patient has pam50 = 'basal'.*did you mean "
                                         r"'Basal'"):
        evaluate_criteria("pam50 == 'basal'", frame)
    with pytest.warns(DataWarning, match=r"no patient has er = 0.*its values: '-1', '1'"):
        evaluate_criteria("er in [0]", frame)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluate_criteria("pam50 == 'Basal' or er != 1", frame)  # values that exist


def test_an_unknown_biomarker_suggests_its_derived_features_first():
    frame = pd.DataFrame({"ldh_uln": [250.0, 250.0], "ldh_uln_ratio__baseline": [0.8, 1.6]})
    with pytest.raises(CriteriaError, match=r"unknown column 'ldh' \(closest: ldh_uln_ratio, "
                                            r"ldh_uln\)"):
        evaluate_criteria("ldh > 300", frame)


@pytest.mark.parametrize(("text", "hint"), [
    ("pdl1_cps \u2265 10", "write '>='"), ("ecog \u2264 1", "write '<='"),
    ("her2_ihc in (\u20182+\u2019)", "quote text with plain ' or \""),
    ("er_status == \u201cpositive\u201d", "quote text with plain ' or \""),
    ("x >= \u22121", "write the minus sign as '-'")])
def test_typographic_characters_are_named_with_their_plain_spelling(text, hint):
    with pytest.raises(CriteriaError, match=re.escape(hint)):
        parse_criteria(text)


def test_a_name_in_another_case_or_punctuation_suggests_its_column():
    frame = pd.DataFrame({"PD-L1 CPS": [1.0, 20.0], "ecog": [0, 1]})
    for name in ("PDL1_CPS", "pd_l1_cps", "pdl1cps"):
        with pytest.raises(CriteriaError, match=r"closest: PD-L1 CPS"):
            evaluate_criteria(f"{name} >= 10", frame)


def test_a_biomarker_measured_only_on_treatment_is_named_as_such():
    from irpredict.screening._evaluate import ON_TREATMENT_ONLY

    frame = pd.DataFrame({"pdl1_cps__baseline": [1.0, 20.0]})
    frame.attrs[ON_TREATMENT_ONLY] = frozenset({"act_persistence"})
    with pytest.raises(CriteriaError, match="'act_persistence' is measured only after the first "
                                            "dose in this cohort"):
        evaluate_criteria("act_persistence >= 10", frame)
    with pytest.raises(CriteriaError, match="unknown column 'tmb'"):
        evaluate_criteria("tmb >= 10", frame)
