"""Tables as spreadsheets export them, through the CLI: trailing delimiters, decimal commas,
one table with its own therapy_class column."""

import pandas as pd

SCANS = "patient_id,day,target_sld_mm\nP1,-5,50\nP1,42,30\nP1,84,30\nP2,-3,40\nP2,40,52\n"


def _patients(rows=None):
    return pd.DataFrame(rows or {
        "patient_id": ["P1", "P2", "P3", "P4"],
        "therapy_class": ["cytokine", "cytokine", "chemotherapy", "chemotherapy"],
        "response": [1, 0, 0, 1],
        "age": [50, 60, 70, 55],
        "ldh_uln": [250.5, 275.0, 300.25, 280.0],
    })


def test_trailing_delimiter_on_every_row_keeps_columns_in_place(cli, tmp_path):
    scans = tmp_path / "scans.csv"
    lines = SCANS.splitlines()
    scans.write_text("\n".join([lines[0]] + [line + "," for line in lines[1:]]) + "\n")
    result = cli("assess-response", scans, "--out", tmp_path / "bor.csv")
    assert result.returncode == 0, result.stderr
    bor = pd.read_csv(tmp_path / "bor.csv")
    assert sorted(bor["patient_id"]) == ["P1", "P2"]
    assert dict(zip(bor["patient_id"], bor["bor"], strict=True)) == {"P1": "PR", "P2": "PD"}

    folder = tmp_path / "cohort"
    folder.mkdir()
    text = _patients().to_csv(index=False).splitlines()
    (folder / "patients.csv").write_text(
        "\n".join([text[0]] + [line + "," for line in text[1:]]) + "\n")
    result = cli("validate", folder, "--json", tmp_path / "summary.json")
    assert result.returncode == 0, result.stderr
    assert "4 patients, valid" in result.stdout


def test_a_row_with_an_extra_value_is_named(cli, tmp_path):
    scans = tmp_path / "scans.csv"
    scans.write_text(SCANS.replace("P1,-5,50\n", "P1,-5,50,oops\n"))
    result = cli("assess-response", scans, "--out", tmp_path / "bor.csv")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "line(s) 2" in result.stderr
    assert "more values than the header" in result.stderr
    assert not (tmp_path / "bor.csv").exists()


def test_semicolon_table_with_decimal_commas_reads_numbers(cli, tmp_path):
    folder = tmp_path / "cohort"
    folder.mkdir()
    _patients().to_csv(folder / "patients.csv", sep=";", decimal=",", index=False)
    assert "250,5" in (folder / "patients.csv").read_text()
    out = tmp_path / "features.csv"
    result = cli("features", folder, "--out", out)
    assert result.returncode == 0, result.stderr
    features = pd.read_csv(out)
    assert pd.api.types.is_float_dtype(features["ldh_uln"])
    assert features["ldh_uln"].tolist() == [250.5, 275.0, 300.25, 280.0]


def test_one_table_reads_its_own_therapy_class_column(cli, tmp_path):
    table = tmp_path / "trial.csv"
    _patients().rename(columns={"patient_id": "ID", "response": "pCR"}).to_csv(table, index=False)
    result = cli("validate", table, "--id", "ID", "--label", "pCR")
    assert result.returncode == 0, result.stderr
    assert "cytokine" in result.stdout
    assert "chemotherapy" in result.stdout
    assert "source:therapy_class" not in result.stdout

    _patients().drop(columns="therapy_class").to_csv(table, index=False)
    result = cli("validate", table, "--label", "response")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unexpected" not in result.stderr
    assert "no 'therapy_class' column" in result.stderr
    assert "--therapy-class" in result.stderr


def _folder_with_scans(tmp_path, scans_name, scans_text):
    folder = tmp_path / "cohort"
    folder.mkdir()
    _patients().to_csv(folder / "patients.csv", index=False)
    (folder / scans_name).write_text(scans_text)
    return folder


def test_british_spelling_is_read_and_a_misspelt_table_is_named(cli, tmp_path):
    folder = _folder_with_scans(tmp_path, "tumour_assessments.csv", SCANS)
    (folder / "measurement.csv").write_text("patient_id,biomarker,day,value,unit\n"
                                            "P1,crp,0,5,mg/L\n")
    result = cli("validate", folder)
    assert result.returncode == 0, result.stderr
    assert "tumour_assessments.csv" in result.stdout
    assert "measurement.csv is not read as a cohort table; did you mean measurements.csv?" in (
        result.stderr.replace("\n", " "))


def test_conflicting_scans_on_one_day_fail_validation_identical_ones_are_one_visit(cli,
                                                                                   tmp_path):
    folder = _folder_with_scans(tmp_path, "tumor_assessments.csv",
                                SCANS + "P1,42,30\n" + "P2,40,60\n")
    result = cli("validate", folder)
    assert result.returncode == 1
    assert "1 (patient_id, day) visits have conflicting rows (P2 day 40" in result.stderr
    scans = tmp_path / "scans.csv"
    scans.write_text(SCANS + "P1,42,30\n")
    result = cli("assess-response", scans, "--out", tmp_path / "bor.csv")
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "bor_timepoints.csv")) == 3  # P1 42 once, 84, P2 40


def test_patients_without_a_baseline_scan_are_named(cli, tmp_path):
    scans = tmp_path / "scans.csv"
    scans.write_text(SCANS.replace("P1,-5,50\n", ""))
    result = cli("assess-response", scans, "--out", tmp_path / "bor.csv")
    assert result.returncode == 0, result.stderr
    assert "1 of 2 patients have no baseline scan" in result.stderr.replace("\n", " ")


def test_one_odd_cell_in_a_decimal_comma_column_is_named_alone(cli, tmp_path):
    folder = tmp_path / "cohort"
    folder.mkdir()
    patients = _patients()
    patients["ldh_uln"] = ["250,5", "n.d.", "300,25", "280,0"]
    patients.to_csv(folder / "patients.csv", sep=";", index=False)
    result = cli("validate", folder)
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "column 'ldh_uln' looks numeric but holds text 'n.d.' at row 3" in text
    assert "250,5" not in text  # the good values are numbers, not the problem
    assert "Traceback" not in result.stderr


def test_an_id_written_with_a_trailing_space_is_the_same_patient(cli, tmp_path):
    folder = tmp_path / "cohort"
    folder.mkdir()
    patients = _patients()
    again = patients.iloc[[1]].assign(patient_id="P2 ", response=1)
    pd.concat([patients, again]).to_csv(folder / "patients.csv", index=False)
    result = cli("validate", folder)
    assert result.returncode == 1
    assert "column 'patient_id': duplicate values: P2" in " ".join(result.stderr.split())
