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
