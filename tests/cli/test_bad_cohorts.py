"""A corpus of malformed cohorts, each run through `irpredict validate` as a user would.

Every case starts from a valid three-table folder and breaks one thing; the
command must exit with status 1, print no traceback, and name the problem.
"""

import re

import numpy as np
import pandas as pd
import pytest

THERAPIES = ["checkpoint_inhibitor", "monoclonal_antibody", "cytokine", "adoptive_cell",
             "chemotherapy", "checkpoint_inhibitor"] * 2


def valid_tables():
    """Twelve patients, four biomarkers on three days, three scans each."""
    rng = np.random.default_rng(0)
    ids = [f"P{i:02d}" for i in range(1, 13)]
    patients = pd.DataFrame({
        "patient_id": ids,
        "therapy_class": THERAPIES,
        "response": [1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0],
        "site": ["A", "B"] * 6,
        "age": rng.integers(35, 80, 12),
        "pdl1_cps": [1.0, 5.0, np.nan, 10.0, 0.0, 20.0, 3.0, np.nan, 1.0, 8.0, 15.0, 2.0],
        "stil_pct": rng.integers(0, 60, 12),
        "subtype": ["TNBC", "HR+", "HER2+"] * 4,
    })
    rows = []
    units = {"albumin": "g/L", "anc": "10^9/L", "ldh": "U/L", "ctdna": "MTM/mL"}
    for pid in ids:
        for day in (-7, 21, 42):
            for biomarker, unit in units.items():
                low = 25 if biomarker == "albumin" else 1  # albumin below 5 g/L is no lab value
                rows.append({"patient_id": pid, "biomarker": biomarker, "day": day,
                             "value": round(float(rng.uniform(low, 50)), 2), "unit": unit})
    measurements = pd.DataFrame(rows)
    scans = [{"patient_id": pid, "day": day, "target_sld_mm": round(float(rng.uniform(10, 90)), 1),
              "nontarget": "NON-CR/NON-PD", "new_lesion": "no"}
             for pid in ids for day in (0, 42, 84)]
    return {"patients": patients, "measurements": measurements,
            "tumor_assessments": pd.DataFrame(scans)}


def write(folder, tables):
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture
def cohort_dir(tmp_path):
    """A valid cohort folder."""
    return write(tmp_path / "cohort", valid_tables())


# --- factories: each takes a valid folder, breaks it, and returns the path to validate ---

def _edit(table, change):
    def factory(folder):
        frame = pd.read_csv(folder / f"{table}.csv", dtype={"patient_id": str})
        frame = change(frame)
        frame.to_csv(folder / f"{table}.csv", index=False)
        return folder
    return factory


def _set(table, column, row, value):
    def change(frame):
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return frame
    return _edit(table, change)


def _raw(table, content, name=None):
    def factory(folder):
        (folder / f"{table}.csv").unlink()
        target = folder / (name or f"{table}.csv")
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
        return folder
    return factory


def _duplicate_measurement(frame):
    extra = frame.iloc[[0]].copy()
    extra["value"] = extra["value"] + 5
    return pd.concat([frame, extra], ignore_index=True)


def _mixed_ctdna(frame):
    rows = frame["biomarker"].eq("ctdna") & frame["patient_id"].isin(["P01", "P02"])
    frame.loc[rows, "unit"] = "% VAF"
    return frame


def _parquet_wrong_dtypes(folder):
    (folder / "measurements.csv").unlink()
    frame = valid_tables()["measurements"].astype({"value": str})
    frame.loc[3, "value"] = "high"
    frame.to_parquet(folder / "measurements.parquet")
    return folder


def _fake_excel(folder):
    (folder / "patients.csv").unlink()
    (folder / "patients.xlsx").write_text("patient_id,therapy_class\nP01,cytokine\n")
    return folder


def _duplicate_columns(folder):
    text = (folder / "patients.csv").read_text().splitlines()
    header = text[0].replace("pdl1_cps", "age")
    (folder / "patients.csv").write_text("\n".join([header] + text[1:]) + "\n")
    return folder


def _wrong_delimiter(folder):
    frame = pd.read_csv(folder / "patients.csv")
    frame[["patient_id", "therapy_class", "response"]].to_csv(folder / "patients.csv", sep=" ",
                                                                index=False)
    return folder


def _missing_folder(folder):
    return folder.parent / "no_such_cohort"


def _unsupported(folder):
    (folder / "patients.csv").rename(folder / "patients.json")
    return folder / "patients.json"


def _unknown_patients(frame):
    extra = frame.iloc[:3].copy()
    extra["patient_id"] = ["X91", "X92", "X92"]
    return pd.concat([frame, extra], ignore_index=True)


CASES = {
    "duplicate_patient_ids": (_set("patients", "patient_id", 3, "P01"),
                              r"patient_id.*duplicate.*P01"),
    "unknown_therapy_class": (_set("patients", "therapy_class", 2, "checkpoint inhibitor"),
                              r"therapy_class.*'checkpoint inhibitor'.*"
                              r"did you mean checkpoint_inhibitor"),
    "null_patient_id": (_set("patients", "patient_id", 4, np.nan), r"patient_id.*missing at row 6"),
    "patients_missing_therapy_column": (
        _edit("patients", lambda f: f.drop(columns="therapy_class")),
        r"patients\.csv.*required column 'therapy_class' is missing"),
    "measurements_missing_value_column": (_edit("measurements", lambda f: f.drop(columns="value")),
                                          r"measurements\.csv.*required column 'value' is missing"),
    "measurements_missing_biomarker_column": (
        _edit("measurements", lambda f: f.drop(columns="biomarker")),
        r"measurements\.csv.*required column 'biomarker'"),
    "tumor_missing_sld_column": (
        _edit("tumor_assessments", lambda f: f.drop(columns="target_sld_mm")),
                                 r"tumor_assessments\.csv.*required column 'target_sld_mm'"),
    "non_numeric_value": (_set("measurements", "value", 5, "12,5 mg"),
                          r"measurements\.csv: column 'value'.*'12,5 mg'.*row 7"),
    "days_as_text": (_set("measurements", "day", 0, "day 5"),
                     r"column 'day': holds text.*'day 5'.*days since the first dose"),
    "dates_instead_of_days": (_set("tumor_assessments", "day", 1, "2021-03-01"),
                              r"tumor_assessments\.csv: column 'day': holds dates.*'2021-03-01'"),
    "measurements_for_unknown_patients": (_edit("measurements", _unknown_patients),
                                          r"not in the patients table: X91, X92 \(2 patients"),
    "tumor_for_unknown_patient": (_set("tumor_assessments", "patient_id", 0, "Z01"),
                                  r"tumor_assessments\.csv.*not in the patients table: Z01"),
    "empty_patients_file": (_raw("patients", b""), r"patients file .*patients\.csv is empty"),
    "header_only_patients": (_raw("patients", "patient_id,therapy_class,response\n"),
                             r"patients\.csv: the patients table has no rows"),
    "wrong_delimiter": (_wrong_delimiter, r"patients\.csv parses into a single column.*spaces"),
    "binary_garbage": (_raw("measurements", bytes(range(256)) * 4), r"measurements file .* binary"),
    "non_utf8_bytes": (_raw("patients", "patient_id,therapy_class\nP01,cytokine\nP02,caf\xe9\n"
                            .encode("latin-1")), r"patients\.csv is not valid UTF-8.*line 3"),
    "mixed_nonconvertible_units": (_edit("measurements", _mixed_ctdna),
                                   r"biomarker 'ctdna'.*MTM/mL \(30 rows\), %VAF \(6 rows\)"),
    "missing_unit_cells": (_set("measurements", "unit", 4, np.nan),
                           r"column 'unit': biomarker 'albumin' has a unit in 35 rows "
                           r"but none at row 6"),
    "label_not_01": (_set("patients", "response", 1, 2), r"column 'response'.*'2' \(1\).*map"),
    "label_text_values": (_edit("patients", lambda f: f.assign(
        response=f["response"].map({1: "responder", 0: "non-responder"}))),
        r"column 'response'.*'non-responder' \(7\), 'responder' \(5\)"),
    "feature_identical_to_label": (_edit("patients", lambda f: f.assign(shrank=f["response"])),
                                   r"column 'shrank' reproduces the label 'response'.*leakage"),
    "feature_complement_of_label": (
        _edit("patients", lambda f: f.assign(residual=1 - f["response"])),
                                    r"column 'residual' reproduces the label"),
    "negative_tumour_size": (_set("tumor_assessments", "target_sld_mm", 2, -12.0),
                             r"target_sld_mm': holds negative sizes -12.0 at row 4"),
    "nontarget_not_in_set": (_set("tumor_assessments", "nontarget", 0, "stable"),
                             r"nontarget': values 'stable' at row 2.*CR, NON-CR/NON-PD, PD, NE"),
    "new_lesion_not_boolean": (_set("tumor_assessments", "new_lesion", 3, "maybe"),
                               r"new_lesion': values 'maybe' at row 5"),
    "infinite_values": (_set("measurements", "value", 2, "inf"),
                        r"column 'value': holds infinite or implausibly large values inf "
                        r"\(beyond 1e15\) at row 4"),
    "overflowing_measurement": (_set("measurements", "value", 2, 1e308),
                                r"column 'value': holds infinite or implausibly large values "
                                r"1e\+308 \(beyond 1e15\) at row 4"),
    "ecog_out_of_range": (_edit("patients", lambda f: f.assign(ecog=[7] + [1] * (len(f) - 1))),
                          r"column 'ecog': ECOG performance status outside 0-5 at row 2"),
    "infinite_patient_value": (_set("patients", "age", 3, -np.inf),
                               r"column 'age': ages outside 0-120 years at row 5"),
    "overflowing_patient_value": (_edit("patients", lambda f: f.assign(
        ldh_uln=f["age"] * 1e300)), r"column 'ldh_uln': infinite or implausibly large values "
        r"\(beyond 1e15\) at rows 2, 3, 4"),
    "conflicting_duplicate_measurements": (_edit("measurements", _duplicate_measurement),
                                           r"conflicting values \(P01 albumin day -7"),
    "patients_file_missing": (lambda folder: (folder / "patients.csv").unlink() or folder,
                              r"has no patients table.*found: measurements\.csv"),
    "folder_does_not_exist": (_missing_folder, r"no_such_cohort does not exist"),
    "unsupported_extension": (_unsupported, r"unsupported extension '\.json'"),
    "excel_not_really_excel": (_fake_excel, r"patients\.xlsx is not a readable Excel workbook"),
    "duplicate_column_names": (_duplicate_columns, r"duplicate column names.*'age' \(2 times\)"),
    "parquet_wrong_dtypes": (_parquet_wrong_dtypes,
                             r"measurements\.parquet: column 'value'.*'high' at row 5"),
    "percent_over_100": (_set("patients", "stil_pct", 6, 140),
                         r"column 'stil_pct': percentages outside 0-100 at row 8 \(patient P07\)"),
    "percent_unit_over_100": (_edit("measurements", lambda f: f.assign(
        value=f["value"].where(f["biomarker"] != "ctdna", 150.0),
        unit=f["unit"].where(f["biomarker"] != "ctdna", "%"))),
        r"percentages outside 0-100 for ctdna"),
    "negative_counts": (_set("measurements", "value", 1, -3.0),
                        r"negative cell counts for anc at row 3"),
    "text_in_numeric_feature": (_set("patients", "age", 5, "sixty"),
                                r"column 'age' looks numeric but holds text 'sixty' at row 7"),
    "two_patients_files": (lambda folder: (folder / "patients.tsv").write_text("x") and folder,
                           r"holds 2 patients files"),
}


# Each case costs one CLI start (about 1.5 s); these run in the fast suite, the rest are slow.
FAST = {"duplicate_patient_ids", "unknown_therapy_class", "days_as_text",
        "measurements_for_unknown_patients", "wrong_delimiter", "mixed_nonconvertible_units",
        "feature_identical_to_label", "patients_file_missing"}


@pytest.mark.parametrize("case", [
    case if case in FAST else pytest.param(case, marks=pytest.mark.slow) for case in sorted(CASES)
])
def test_bad_cohort_is_rejected(case, cohort_dir, cli):
    factory, pattern = CASES[case]
    target = factory(cohort_dir)
    result = cli("validate", target)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "unexpected" not in result.stderr
    assert re.search(pattern, " ".join(result.stderr.split()), re.DOTALL), result.stderr


def test_corpus_is_large_enough():
    assert len(CASES) >= 30


def test_all_problems_reported_at_once(cohort_dir, cli):
    _set("patients", "therapy_class", 2, "cytokines")(cohort_dir)
    _set("measurements", "day", 0, "day 5")(cohort_dir)
    _set("tumor_assessments", "target_sld_mm", 2, -1)(cohort_dir)
    result = cli("validate", cohort_dir)
    assert result.returncode == 1
    assert "(3 problems)" in result.stderr
    for name in ("patients.csv", "measurements.csv", "tumor_assessments.csv"):
        assert name in result.stderr


def test_valid_cohort(cohort_dir, cli):
    result = cli("validate", cohort_dir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    tables = valid_tables()
    patients = tables["patients"]
    assert f"{len(patients)} patients, valid" in out
    ci = patients[patients["therapy_class"] == "checkpoint_inhibitor"]
    row = next(line for line in out.splitlines() if "checkpoint_inhibitor" in line)
    assert re.search(rf"\b{len(ci)}\b.*\b{int(ci['response'].sum())}\b", row)
    overall = next(line for line in out.splitlines() if re.search(r"\ball\b", line))
    assert f"{patients['response'].mean():.1%}" in overall
    for biomarker in tables["measurements"]["biomarker"].unique():
        assert biomarker in out
    assert "albumin [g/L]" in out


def test_convertible_units_are_converted(cohort_dir, cli, tmp_path):
    measurements = pd.read_csv(cohort_dir / "measurements.csv")
    in_dl = (measurements["biomarker"].eq("albumin")
             & measurements["patient_id"].isin(["P01", "P02"]))
    original = measurements.copy()
    measurements.loc[in_dl, "value"] = measurements.loc[in_dl, "value"] / 10
    measurements.loc[in_dl, "unit"] = "g/dl"
    measurements.to_csv(cohort_dir / "measurements.csv", index=False)
    out_json = tmp_path / "summary.json"
    result = cli("validate", cohort_dir, "--json", out_json)
    assert result.returncode == 0, result.stderr
    assert "albumin [g/L]" in result.stdout

    from irpredict.data.loaders import load_cohort

    cohort = load_cohort(cohort_dir)
    albumin = cohort.measurements[cohort.measurements["biomarker"] == "albumin"]
    assert set(albumin["unit"]) == {"g/L"}
    expected = original[original["biomarker"] == "albumin"]["value"].to_numpy()
    np.testing.assert_allclose(albumin["value"].to_numpy(), expected, rtol=1e-9)
    assert cohort.units["albumin"] == "g/L"
