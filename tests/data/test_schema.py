import numpy as np
import pandas as pd
import pandera.errors as pe
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irpredict.data import THERAPY_CLASSES
from irpredict.data.schema import measurements_schema, patients_schema, tumor_assessments_schema
from irpredict.data.validation import validate_tables
from irpredict.exceptions import CohortDataError


def _patients(n=8, **extra):
    frame = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(n)],
        "therapy_class": [THERAPY_CLASSES[i % len(THERAPY_CLASSES)] for i in range(n)],
        "response": [i % 2 for i in range(n)],
        "age": np.linspace(40, 75, n),
        "subtype": ["TNBC", "TNBC", "HR+", "HR+"] * (n // 4),
    })
    return frame.assign(**extra)


def test_schemas_collect_every_failure_lazily():
    bad = pd.DataFrame({"patient_id": ["a", "a", None], "therapy_class": ["cytokine", "x", "y"],
                        "response": [0, "yes", 1]})
    with pytest.raises(pe.SchemaErrors) as info:
        patients_schema().validate(bad, lazy=True)
    checks = set(info.value.failure_cases["check"])
    assert {"not_nullable", "field_uniqueness", "therapy_class", "label_01"} <= checks
    m = pd.DataFrame({"patient_id": ["a"], "biomarker": ["crp"], "day": ["day 1"], "value": ["x"]})
    with pytest.raises(pe.SchemaErrors) as info:
        measurements_schema().validate(m, lazy=True)
    assert set(info.value.failure_cases["column"]) == {"day", "value"}
    t = pd.DataFrame({"patient_id": ["a"], "day": [1], "target_sld_mm": [-1.0],
                      "nontarget": ["PR"], "new_lesion": ["sometimes"]})
    with pytest.raises(pe.SchemaErrors) as info:
        tumor_assessments_schema().validate(t, lazy=True)
    checks = set(info.value.failure_cases["check"])
    assert checks == {"non_negative", "nontarget_set", "boolean_like"}


def test_valid_tables_are_coerced():
    patients = _patients(response=["1", "0", "true", "false", None, 1.0, 0.0, 1])
    m = pd.DataFrame({"patient_id": ["P0", "P1", "P1"], "biomarker": [" crp", "crp", "crp"],
                      "day": ["-3", 14, 14], "value": ["5.5", 7, 7], "unit": ["mg/L"] * 3})
    t = pd.DataFrame({"patient_id": ["P0", "P0"], "day": [0, 42], "target_sld_mm": [50, 30],
                      "nontarget": ["non-cr/non-pd", "CR"], "new_lesion": ["no", "Yes"]})
    cohort = validate_tables(patients, m, t, name="demo")
    assert str(cohort.patients["patient_id"].dtype) in ("string", "str")
    assert str(cohort.patients["response"].dtype) == "Int8"
    assert cohort.patients["response"].tolist()[:4] == [1, 0, 1, 0]
    assert cohort.patients["response"].isna().sum() == 1
    assert cohort.measurements["day"].dtype == float
    assert cohort.measurements["value"].dtype == float
    assert len(cohort.measurements) == 2  # exact duplicate dropped
    assert cohort.measurements["biomarker"].tolist() == ["crp", "crp"]
    assert cohort.tumor_assessments["nontarget"].tolist() == ["NON-CR/NON-PD", "CR"]
    assert cohort.tumor_assessments["new_lesion"].tolist() == [False, True]
    assert cohort.feature_columns == ["age", "subtype"]
    assert cohort.categorical_columns == ["subtype"]
    assert cohort.units == {"crp": "mg/L"}
    assert cohort.name == "demo"


def test_one_error_lists_every_problem_with_file_rows_and_failure_cases():
    patients = _patients()
    patients.loc[2, "therapy_class"] = "checkpoint inhibitor"
    patients.loc[5, "patient_id"] = "P1"
    m = pd.DataFrame({"patient_id": ["P0", "Q9"], "biomarker": ["crp", "crp"],
                      "day": ["2021-03-01", 3], "value": [1.0, np.inf]})
    with pytest.raises(CohortDataError) as info:
        validate_tables(patients, m, sources={"patients": "p.csv", "measurements": "m.csv"})
    lines = str(info.value).splitlines()
    assert "(5 problems)" in lines[0]
    body = "\n".join(lines[1:])
    assert "p.csv: column 'patient_id': duplicate values: P1 (2 rows)" in body
    assert "did you mean checkpoint_inhibitor?" in body
    assert "row 4" in body
    assert "m.csv: column 'day': holds dates" in body
    assert "row 2 (patient P0)" in body
    assert "m.csv: column 'value': holds infinite or implausibly large values inf" in body
    assert "at row 3" in body
    assert "patients not in the patients table: Q9" in body
    fc = info.value.failure_cases
    assert {"patients", "measurements"} <= set(fc["table"])
    assert "field_uniqueness" in set(fc["check"])


def test_datetime_days_are_rejected_not_turned_into_nanoseconds():
    m = pd.DataFrame({"patient_id": ["P0"], "biomarker": ["crp"],
                      "day": pd.to_datetime(["2021-03-01"]), "value": [1.0]})
    with pytest.raises(CohortDataError, match=r"column 'day': holds dates.*2021-03-01") as info:
        validate_tables(_patients(), m)
    assert "implausibly large" not in str(info.value)  # one problem, said once


def test_label_leakage_and_exclusion():
    patients = _patients(n=16)
    # a name that does not read as an outcome (those are left out of the features anyway)
    patients["grade_x"] = np.where(patients["response"] == 1, "CR/PR", "SD/PD")
    with pytest.raises(CohortDataError,
                       match="column 'grade_x' reproduces the label 'response' exactly in 16"):
        validate_tables(patients)
    cohort = validate_tables(patients, excluded_columns=["grade_x"])
    assert "grade_x" not in cohort.feature_columns
    assert cohort.excluded_columns == ["grade_x"]


def test_a_few_patients_matching_the_label_by_chance_are_no_leakage():
    # 8 patients, 4 responders: 1 in 35 two-valued columns match the label or its inverse
    patients = _patients(n=8)
    patients["ecog"] = 1 - patients["response"]
    cohort = validate_tables(patients)
    assert "ecog" in cohort.feature_columns


def test_listed_columns_must_exist():
    pattern = r"feature column 'agee' is not in the table \(close: age\)"
    with pytest.raises(CohortDataError, match=pattern):
        validate_tables(_patients(), feature_columns=["agee"])


def test_empty_patients_table():
    with pytest.raises(CohortDataError, match="has no rows"):
        validate_tables(_patients().iloc[:0])


def test_integer_ids_match_across_tables():
    patients = _patients().assign(patient_id=range(8))
    m = pd.DataFrame({"patient_id": [0.0, 7.0], "biomarker": ["crp"] * 2, "day": [0, 0],
                      "value": [1.0, 2.0]})
    cohort = validate_tables(patients, m)
    assert cohort.measurements["patient_id"].tolist() == ["0", "7"]


def _small_tables():
    patients = _patients()
    m = pd.DataFrame({"patient_id": ["P0", "P1", "P2", "P3"],
                      "biomarker": ["crp", "crp", "anc", "anc"],
                      "day": [-3.0, 14.0, 0.0, 21.0], "value": [5.0, 7.0, 2.0, 3.0],
                      "unit": ["mg/L", "mg/dL", "10^9/L", "/nL"]})
    t = pd.DataFrame({"patient_id": ["P0", "P1"], "day": [0.0, 42.0], "target_sld_mm": [50.0, 30.0],
                      "nontarget": ["CR", "PD"], "new_lesion": [0, 1]})
    return {"patients": patients, "measurements": m, "tumor_assessments": t}


NASTY = [None, "", "  ", "x", "2021-03-01", "day 5", "inf", np.inf, -np.inf, -1.0, 1e308, 0, 2,
         "yes", "TRUE", "P0", "µg/dL", "%", "\u00e9\u00e8", True, 150.0]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_single_bad_cell_gives_a_cohort_or_one_clear_error(data):
    tables = _small_tables()
    table = data.draw(st.sampled_from(sorted(tables)))
    frame = tables[table]
    column = data.draw(st.sampled_from(list(frame.columns)))
    row = data.draw(st.integers(0, len(frame) - 1))
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = data.draw(st.sampled_from(NASTY))
    try:
        cohort = validate_tables(**tables, sources={t: f"{t}.csv" for t in tables})
    except CohortDataError as exc:
        message = str(exc)
        assert message.startswith("cohort 'cohort' is not valid")
        # a changed patient id may surface in the other tables (their rows lose their patient)
        assert any(f"{t}.csv: " in message for t in tables)
    else:
        assert cohort.n_patients == len(tables["patients"])
        assert cohort.measurements["value"].map(np.isfinite).all()


def test_codes_that_look_like_numbers_are_fine_when_declared_categorical():
    stage = ["1", "1", "1", "1", "1", "1", "2a", "1"]  # seven of eight parse as numbers
    with pytest.raises(CohortDataError, match=r"'stage' looks numeric.*list it under "
                                              r"\[data.columns\] categorical"):
        validate_tables(_patients(stage=stage))
    cohort = validate_tables(_patients(stage=stage), categorical_columns=["subtype", "stage"])
    assert "stage" in cohort.categorical_columns


def test_her2_ihc_scores_are_text_on_purpose():
    her2 = ["0", "0", "0", "0", "0", "0", "3+", "2+"]  # mostly "0": still IHC scores
    cohort = validate_tables(_patients(her2_ihc=her2))
    assert "her2_ihc" in cohort.categorical_columns
    with pytest.raises(CohortDataError, match="'her2_ihc' looks numeric but holds text 'high'"):
        validate_tables(_patients(her2_ihc=["0", "0", "0", "0", "0", "0", "0", "high"]))


def test_biomarker_names_differing_only_in_case_are_one_biomarker():
    from irpredict.exceptions import DataWarning

    m = pd.DataFrame({"patient_id": ["P0", "P1", "P2"], "biomarker": ["CRP", "crp", "crp"],
                      "day": [0, 0, 0], "value": [1.0, 2.0, 3.0]})
    with pytest.warns(DataWarning, match="differ only in upper/lower case are one biomarker: "
                                         "read 'CRP' \\(1 rows\\) as 'crp'"):
        cohort = validate_tables(_patients(), m)
    assert cohort.measurements["biomarker"].tolist() == ["crp"] * 3


def test_impossible_ages_are_named():
    with pytest.raises(CohortDataError, match="column 'age': ages outside 0-120 years at .*P2"):
        validate_tables(_patients().assign(age=[50, 60, 300, 55, 40, 70, 65, 45]))


def test_tables_that_are_not_frames_are_named():
    with pytest.raises(TypeError, match="the patients table must be a pandas DataFrame"):
        validate_tables(np.array([["P1", "cytokine"]]))
    with pytest.raises(TypeError, match="the measurements table must be a pandas DataFrame"):
        validate_tables(_patients(), measurements=[["P1", "crp", 0, 1.0]])


def test_non_target_spellings_are_read_as_the_recist_codes():
    t = pd.DataFrame({"patient_id": ["P0"] * 4, "day": [0, 42, 84, 126],
                      "target_sld_mm": [50, 40, 35, 30],
                      "nontarget": ["Non-CR / Non-PD", "non-cr-non-pd", None, " pd "]})
    cohort = validate_tables(_patients(response=[1, 0, 1, 0, 1, 0, 1, 0]), None, t, name="demo")
    assert cohort.tumor_assessments["nontarget"].tolist()[:2] == ["NON-CR/NON-PD"] * 2
    assert pd.isna(cohort.tumor_assessments["nontarget"].iloc[2])
    assert cohort.tumor_assessments["nontarget"].iloc[3] == "PD"
    t.loc[1, "nontarget"] = "stable"
    with pytest.raises(CohortDataError, match="not RECIST non-target responses"):
        validate_tables(_patients(response=[1, 0, 1, 0, 1, 0, 1, 0]), None, t, name="demo")


def test_lesion_level_tumour_rows_are_told_to_be_summed_per_visit():
    t = pd.DataFrame({"patient_id": ["P0"] * 4, "day": [0, 0, 42, 42], "lesion_id": [1, 2, 1, 2],
                      "target_sld_mm": [20.0, 15.0, 12.0, 9.0]})
    with pytest.raises(CohortDataError, match=r"looks lesion-level \(column 'lesion_id'\): sum "
                                              r"the target lesions' diameters"):
        validate_tables(_patients(), None, t, name="demo")


def test_lab_values_impossible_in_their_unit_are_refused():
    m = pd.DataFrame({"patient_id": ["P0", "P0", "P1", "P1"],
                      "biomarker": ["albumin", "albumin", "crp", "crp"],
                      "day": [0, 21, 0, 21], "value": [3.9, 4.1, 12.0, -5.0],
                      "unit": ["g/dL", "g/dL", "mg/L", "mg/L"]})
    ok = validate_tables(_patients(), m.iloc[:3], name="demo")  # g/dL converts to 39 g/L
    assert ok.measurements["value"].tolist()[:2] == pytest.approx([39.0, 41.0])
    wrong_unit = m.assign(unit=["g/L", "g/L", "mg/L", "mg/L"])  # g/dL numbers labelled g/L
    with pytest.raises(CohortDataError, match=r"lab values no patient can have in their unit "
                                              r"for albumin, crp at rows 2, 3, 5"):
        validate_tables(_patients(), wrong_unit, name="demo")


def test_values_below_a_detection_limit_get_the_fix_that_keeps_them():
    patients = pd.DataFrame({"patient_id": ["p1", "p2"], "therapy_class": "cytokine",
                             "response": [1, 0]})
    measurements = pd.DataFrame({"patient_id": ["p1", "p1", "p2"],
                                 "biomarker": "ctdna", "day": [-2, 21, 21],
                                 "value": ["1.2", "<0.1", "ND"]})
    with pytest.raises(CohortDataError, match=r"'<0.1', 'ND' .* A result below a detection "
                                              r"limit .* write it as a number"):
        validate_tables(patients, measurements)


def test_ids_that_lost_their_leading_zeros_are_said_so():
    patients = pd.DataFrame({"patient_id": ["0011", "0012"], "therapy_class": "cytokine",
                             "response": [1, 0]})
    measurements = pd.DataFrame({"patient_id": ["11", "12"], "biomarker": "ctdna",
                                 "day": [-2.0, 21.0], "value": [1.2, 0.1]})
    with pytest.raises(CohortDataError, match=r"the patients table has '0011' for '11': these "
                                              r"ids lost \(or gained\) leading zeros"):
        validate_tables(patients, measurements)
