import numpy as np
import pandas as pd
import pytest

from irpredict.data.units import conversion_factor, harmonize_units, normalize_unit


@pytest.mark.parametrize(("raw", "expected"), [
    (" G/dl ", "g/dL"), ("g/L", "g/L"), ("µmol/l", "umol/L"), ("μmol/L", "umol/L"),
    ("%", "%"), ("pct", "%"), ("Percent", "%"), ("x10^9/L", "10^9/L"), ("10^9/l", "10^9/L"),
    ("10^3/µL", "10^3/uL"), ("/nL", "/nL"), ("iu/l", "IU/L"), ("MTM / mL", "MTM/mL"),
    (None, None), (np.nan, None), ("", None),
    ("g/100mL", "g/dL"), ("gm/dL", "g/dL"), ("g %", "g/dL"), ("mg/100 ml", "mg/dL"),
])
def test_normalize_unit(raw, expected):
    assert normalize_unit(raw) == expected


@pytest.mark.parametrize(("biomarker", "src", "dst", "factor"), [
    ("albumin", "g/dL", "g/L", 10.0),
    ("hemoglobin", "g/dL", "g/L", 10.0),
    ("crp", "mg/dL", "mg/L", 10.0),
    ("ldh", "IU/L", "U/L", 1.0),
    ("anc", "10^3/uL", "10^9/L", 1.0),
    ("platelets", "/nL", "10^9/L", 1.0),
    ("eosinophils", "cells/uL", "10^9/L", 1e-3),
    ("creatinine", "mg/dL", "umol/L", 88.4),
    ("creatinine", "umol/L", "mg/dL", 1 / 88.4),
    ("ctdna", "MTM/mL", "%", None),
    ("albumin", "g/L", "U/L", None),
])
def test_conversion_factor(biomarker, src, dst, factor):
    got = conversion_factor(biomarker, src, dst)
    if factor is None:
        assert got is None
    else:
        assert got == pytest.approx(factor)


def _long(rows):
    return pd.DataFrame(rows, columns=["patient_id", "biomarker", "day", "value", "unit"])


def test_convertible_units_end_in_the_canonical_unit():
    m = _long([("a", "albumin", 0, 3.5, "g/dL"), ("b", "albumin", 0, 40.0, "g/L"),
               ("a", "crp", 0, 1.2, "mg/dl"), ("b", "crp", 0, 8.0, "mg/L"),
               ("a", "ldh", 0, 200.0, "IU/L"), ("b", "ldh", 0, 250.0, "U/L")])
    out, units, problems = harmonize_units(m)
    assert problems == []
    assert units == {"albumin": "g/L", "crp": "mg/L", "ldh": "U/L"}
    np.testing.assert_allclose(out["value"], [35.0, 40.0, 12.0, 8.0, 200.0, 250.0])
    assert m["value"].tolist()[0] == 3.5  # input untouched


def test_unknown_biomarker_takes_most_common_unit():
    m = _long([("a", "il6", 0, 5.0, "pg/mL"), ("b", "il6", 0, 7.0, "pg/mL"),
               ("c", "il6", 0, 0.004, "ng/mL")])
    out, units, problems = harmonize_units(m)
    assert units == {"il6": "pg/mL"}
    assert problems == []
    np.testing.assert_allclose(out["value"], [5.0, 7.0, 4.0])


def test_mixed_nonconvertible_units_are_one_problem_naming_counts():
    m = _long([("a", "ctdna", 0, 5.0, "MTM/mL"), ("b", "ctdna", 0, 7.0, "MTM/mL"),
               ("c", "ctdna", 0, 0.4, "% VAF")])
    _, units, problems = harmonize_units(m, source="m.csv")
    assert "ctdna" not in units
    assert len(problems) == 1
    assert "m.csv" in problems[0]
    assert "MTM/mL (2 rows), %VAF (1 rows)" in problems[0]


def test_missing_unit_next_to_filled_is_a_problem():
    m = _long([("a", "anc", 0, 5.0, "10^9/L"), ("b", "anc", 0, 7.0, None),
               ("c", "tmb", 0, 4.0, None)])
    _, units, problems = harmonize_units(m)
    assert units == {}  # anc is unresolved; tmb has no unit at all, which is fine
    assert len(problems) == 1
    assert "'anc'" in problems[0]
    assert "row 3" in problems[0]


def test_unknown_units_differing_only_in_case_are_one_unit():
    m = _long([("a", "ctdna", 0, 5.0, "MTM/mL"), ("b", "ctdna", 0, 7.0, "mtm/ml"),
               ("c", "ctdna", 0, 1.0, " MTM / mL")])
    out, units, problems = harmonize_units(m)
    assert problems == []
    assert units == {"ctdna": "MTM/mL"}
    assert out["value"].tolist() == [5.0, 7.0, 1.0]


def test_g_per_l_of_a_cell_count_is_giga_per_litre():
    m = _long([("a", "anc", 0, 4.1, "G/L"), ("b", "anc", 0, 3.0, "10^9/L"),
               ("a", "albumin", 0, 38.0, "G/L")])
    out, units, problems = harmonize_units(m)
    assert problems == []
    assert units == {"anc": "10^9/L", "albumin": "g/L"}
    np.testing.assert_allclose(out["value"], [4.1, 3.0, 38.0])


def _tables(ldh_uln=None, albumin=None, with_unit=True):
    patients = pd.DataFrame({"patient_id": ["p1", "p2", "p3"], "therapy_class": "cytokine",
                             "response": [1, 0, 0]})
    if ldh_uln is not None:
        patients["ldh_uln"] = ldh_uln
    rows = [("p1", "albumin", -2, albumin[0]), ("p1", "albumin", 21, albumin[1]),
            ("p2", "albumin", -2, albumin[2]), ("p2", "albumin", 21, albumin[3])] \
        if albumin else [("p1", "ldh", -2, 200.0), ("p2", "ldh", -2, 300.0)]
    measurements = pd.DataFrame(rows, columns=["patient_id", "biomarker", "day", "value"])
    if with_unit:
        measurements["unit"] = "g/L" if albumin else "U/L"
    return patients, measurements


def test_an_ldh_uln_in_another_unit_or_with_its_unit_written_is_refused():
    from irpredict.data.validation import validate_tables
    from irpredict.exceptions import CohortDataError

    with pytest.raises(CohortDataError, match=r"column 'ldh_uln': LDH upper limits of normal "
                                              r"outside 50-2000 U/L at row 2 \(patient p1\).*"
                                              r"ukat/L times 60"):
        validate_tables(*_tables(ldh_uln=[3.5, 250.0, 250.0]))
    with pytest.raises(CohortDataError, match=r"column 'ldh_uln' holds text '250 U/L', '280 U/L'"
                                              r".*without its unit"):
        validate_tables(*_tables(ldh_uln=["250 U/L", "280 U/L", "250 U/L"]))
    cohort = validate_tables(*_tables(ldh_uln=[250.0, 280.0, None]))
    assert cohort.patients["ldh_uln"].notna().sum() == 2


def test_a_lab_without_a_unit_in_two_scales_is_refused_and_in_another_scale_warned():
    from irpredict.data.validation import validate_tables
    from irpredict.exceptions import CohortDataError, DataWarning

    with pytest.raises(CohortDataError, match=r"albumin has no unit, and its values mix two "
                                              r"scales: 2 rows fit g/L, 2 rows \(3.6-3.9\) "
                                              r"cannot be g/L"):
        validate_tables(*_tables(albumin=[38.0, 3.6, 3.9, 41.0], with_unit=False))
    with pytest.warns(DataWarning, match=r"albumin has no unit and none of its values "
                                         r"\(3.6-4.1\) can be g/L"):
        validate_tables(*_tables(albumin=[3.8, 3.6, 3.9, 4.1], with_unit=False))
    # in g/L without a unit nothing is said
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_tables(*_tables(albumin=[38.0, 36.0, 39.0, 41.0], with_unit=False))


def test_columns_a_measurements_table_does_not_read_are_named():
    from irpredict.data.validation import validate_tables
    from irpredict.exceptions import DataWarning

    patients, measurements = _tables()
    measurements["ldh_uln"] = 250.0
    measurements["comment"] = "ok"
    with pytest.warns(DataWarning, match=r"columns 'ldh_uln', 'comment' are not read .*"
                                         r"ldh_uln, LDH's upper limit of normal, is read from "
                                         r"the patients table"):
        validate_tables(patients, measurements)


def test_lab_names_written_out_in_full_are_one_series_with_the_short_name():
    from irpredict.data.validation import validate_tables
    from irpredict.exceptions import DataWarning

    patients, _ = _tables()
    measurements = pd.DataFrame({"patient_id": ["p1", "p1", "p2"],
                                 "biomarker": ["crp", "C-reactive protein", "crp"],
                                 "day": [-2.0, 21.0, -2.0], "value": [12.0, 5.0, 3.0]})
    with pytest.warns(DataWarning, match="'C-reactive protein' as 'crp'"):
        cohort = validate_tables(patients, measurements)
    assert set(cohort.measurements["biomarker"]) == {"crp"}
