"""`irpredict validate`: options, JSON output and simulated cohorts, through the real CLI."""

import json

import pandas as pd
import pytest


@pytest.fixture
def small_cohort(tmp_path):
    folder = tmp_path / "small"
    folder.mkdir()
    pd.DataFrame({
        "patient_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
        "therapy_class": ["checkpoint_inhibitor"] * 4 + ["chemotherapy"] * 2,
        "response": [1, 0, 1, None, 0, 0],
        "tmb": [10.0, 2.0, None, 4.0, 1.0, 3.0],
    }).to_csv(folder / "patients.csv", index=False)
    pd.DataFrame({
        "patient_id": ["A1", "A1", "A2", "A5"], "biomarker": ["crp"] * 4,
        "day": [-5, 21, -2, 40], "value": [4.0, 2.0, 9.0, 1.0], "unit": ["mg/L"] * 4,
    }).to_csv(folder / "measurements.csv", index=False)
    return folder


def test_help_has_an_example(cli):
    result = cli("validate", "--help")
    assert result.returncode == 0
    assert "Example" in result.stdout
    assert "irpredict validate" in result.stdout


def test_json_summary_is_written_atomically(small_cohort, tmp_path, cli):
    out = tmp_path / "out" / "summary.json"
    out.parent.mkdir()
    result = cli("validate", small_cohort, "--json", out)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert [p.name for p in out.parent.iterdir()] == ["summary.json"]  # no temp file left
    therapy = {row["therapy_class"]: row for row in data["therapy"]}
    assert therapy["checkpoint_inhibitor"]["patients"] == 4
    assert therapy["checkpoint_inhibitor"]["labelled"] == 3
    assert therapy["checkpoint_inhibitor"]["responders"] == 2
    assert therapy["all"]["response_rate"] == pytest.approx(2 / 5)
    crp = data["biomarkers"][0]
    assert (crp["biomarker"], crp["unit"], crp["draws"], crp["patients"]) == ("crp", "mg/L", 4, 3)
    assert crp["baseline_share"] == pytest.approx(2 / 6)
    assert data["features"] == [{"column": "tmb", "kind": "numeric", "missing": 1,
                                 "missing_share": pytest.approx(1 / 6)}]


def test_json_under_a_file_fails_cleanly(small_cohort, tmp_path, cli):
    (tmp_path / "nope").write_text("a file\n")
    result = cli("validate", small_cohort, "--json", tmp_path / "nope" / "s.json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "is a file, not a folder" in result.stderr


def test_invalid_cohort_writes_no_json(small_cohort, tmp_path, cli):
    (small_cohort / "patients.csv").write_text("patient_id,therapy_class\nA1,cytokines\n")
    out = tmp_path / "s.json"
    result = cli("validate", small_cohort, "--json", out)
    assert result.returncode == 1
    assert "did you mean cytokine?" in result.stderr
    assert not out.exists()


def test_single_wide_table_with_options(tmp_path, cli):
    pytest.importorskip("irpredict.data.mapping")
    path = tmp_path / "wide.csv"
    pd.DataFrame({"Trial.ID": ["t1", "t2", "t3"], "pCR": [1, 0, 0],
                  "age": [40, 50, 60]}).to_csv(path, index=False)
    result = cli("validate", path, "--id", "Trial.ID", "--label", "pCR",
                 "--therapy-class", "monoclonal_antibody")
    assert result.returncode == 0, result.stderr
    assert "3 patients, valid" in result.stdout
    assert "monoclonal_antibody" in result.stdout
    bad = cli("validate", path, "--id", "Trial.ID", "--therapy-class", "antibody")
    assert bad.returncode == 1
    assert "is not a therapy class" in bad.stderr
    folder = cli("validate", tmp_path, "--id", "x")
    assert folder.returncode == 1
    assert "single table file only" in folder.stderr


def test_simulated_cohort_validates(tmp_path, cli):
    pytest.importorskip("irpredict.data.simulator")
    out = tmp_path / "sim"
    made = cli("simulate", "--patients", 300, "--seed", 11, "--out", out)
    assert made.returncode == 0, made.stderr
    summary = tmp_path / "sim.json"
    result = cli("validate", out, "--json", summary)
    assert result.returncode == 0, result.stderr
    data = json.loads(summary.read_text())
    patients = pd.read_csv(out / "patients.csv")
    measurements = pd.read_csv(out / "measurements.csv")
    assert data["n_patients"] == len(patients) == 300
    overall = next(row for row in data["therapy"] if row["therapy_class"] == "all")
    assert overall["responders"] == int((patients["response"] == 1).sum())
    assert data["units"]["albumin"] == "g/L"  # the simulator's g/dL sites are converted
    draws = {row["biomarker"]: row["draws"] for row in data["biomarkers"]}
    assert draws == measurements.groupby("biomarker").size().to_dict()


def test_simulated_cohort_of_two_classes_validates(tmp_path, cli):
    """Mostly HER2 IHC "0" with a few "2+"/"3+": IHC scores, not numbers with typos."""
    pytest.importorskip("irpredict.data.simulator")
    out = tmp_path / "sim"
    made = cli("simulate", "--patients", 500, "--seed", 1, "--class-mix",
               "checkpoint_inhibitor=1,cytokine=1", "--out", out)
    assert made.returncode == 0, made.stderr
    her2 = pd.read_csv(out / "patients.csv", dtype=str)["her2_ihc"]
    assert (her2 == "0").mean() >= 0.8
    assert her2.isin(["2+", "3+"]).any()
    result = cli("validate", out)
    assert result.returncode == 0, result.stderr


def test_what_does_not_invalidate_a_cohort_is_a_warning(cli, small_cohort):
    # small_cohort: A4 has no label, chemotherapy has non-responders only
    pd.DataFrame({"patient_id": ["A1", "A1", "A2"], "day": [-3, 56, -1],
                  "target_sld_mm": [4500.0, 4400.0, 40.0], "nontarget": [None, None, None],
                  "new_lesion": [0, 0, 0]}).to_csv(small_cohort / "tumor_assessments.csv",
                                                   index=False)
    result = cli("validate", small_cohort)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert "warning: chemotherapy: all 2 labelled patients are non-responders" in text
    assert "warning: 1 patients have no label (A4); train and evaluate leave them out" in text
    assert "1 patients have a target sum above 1000 mm, e.g. ['A1']" in text
    assert "checkpoint_inhibitor: all" not in text


def test_a_header_only_measurements_file_is_a_warning(cli, small_cohort):
    (small_cohort / "measurements.csv").write_text("patient_id,biomarker,day,value,unit\n")
    result = cli("validate", small_cohort)
    assert result.returncode == 0, result.stderr
    assert "measurements.csv: the measurements table has no rows" in " ".join(
        result.stderr.split())
