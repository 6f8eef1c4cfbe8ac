"""Outputs never replace inputs, are checked before the work, are all-or-nothing, and are
readable like any file the user writes."""

import os
from pathlib import Path

import numpy as np
import pytest

SCANS = "patient_id,day,target_sld_mm\nP1,-5,50\nP1,42,30\nP1,84,30\n"


@pytest.fixture(scope="module")
def study(tmp_path_factory, cli):
    """A folder written by `irpredict simulate` (60 patients)."""
    folder = tmp_path_factory.mktemp("guards") / "cohort"
    result = cli("simulate", "--patients", 60, "--seed", 1, "--out", folder)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.parametrize(("input_name", "out_name"), [
    ("scans.csv", "scans.csv"),                 # the BOR table over the input
    ("bor_timepoints.csv", "bor.csv"),          # the time points beside it over the input
])
def test_assess_response_refuses_to_overwrite_its_input(cli, tmp_path, input_name, out_name):
    scans = tmp_path / input_name
    scans.write_text(SCANS)
    result = cli("assess-response", scans, "--out", tmp_path / out_name)
    assert result.returncode == 1
    assert "is an input of this command" in result.stderr
    assert scans.read_text() == SCANS
    assert sorted(p.name for p in tmp_path.iterdir()) == [input_name]


def test_features_and_validate_refuse_to_overwrite_cohort_tables(cli, study):
    folder = study
    patients = folder / "patients.csv"
    before = patients.read_bytes()
    for args in (("features", folder, "--out", patients),
                 ("validate", folder, "--json", patients)):
        result = cli(*args)
        assert result.returncode == 1, args
        assert "is an input of this command" in result.stderr
        assert "Traceback" not in result.stderr
        assert patients.read_bytes() == before
    truth = folder / "truth.json"  # read too: it names the response-derived series
    before = truth.read_bytes()
    result = cli("validate", folder, "--json", truth)
    assert result.returncode == 1
    assert "is an input of this command" in result.stderr
    assert "choose another --json" in result.stderr
    assert truth.read_bytes() == before


def test_features_refuses_formats_it_cannot_write(cli, study, tmp_path):
    result = cli("features", study, "--out", tmp_path / "features.xlsx")
    assert result.returncode == 1
    assert ".csv or .parquet" in result.stderr
    assert not (tmp_path / "features.xlsx").exists()


def test_header_only_scans_are_an_error(cli, tmp_path):
    scans = tmp_path / "scans.csv"
    scans.write_text("patient_id,day,target_sld_mm\n")
    result = cli("assess-response", scans, "--out", tmp_path / "bor.csv")
    assert result.returncode == 1
    assert "no rows" in result.stderr
    assert list(tmp_path.iterdir()) == [scans]


def test_written_files_get_the_usual_permissions(cli, tmp_path):
    scans = tmp_path / "scans.csv"
    scans.write_text(SCANS)
    result = cli("assess-response", scans, "--out", tmp_path / "bor.csv")
    assert result.returncode == 0, result.stderr
    mask = os.umask(0)
    os.umask(mask)
    for name in ("bor.csv", "bor_timepoints.csv"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask


def test_screen_checks_its_outputs_before_bootstrapping_and_leaves_nothing(cli, study,
                                                                           tmp_path):
    out = tmp_path / "screen"
    folder_as_markdown = tmp_path / "a_folder"
    folder_as_markdown.mkdir()
    result = cli("screen", study, "--criteria", "age >= 50", "--p0", "0.3",
                 "--out", out, "--markdown", folder_as_markdown, "--n-bootstrap", "20")
    assert result.returncode == 1
    assert f"cannot write {folder_as_markdown}: it is a folder" in result.stderr
    assert "bootstrapping" not in result.stderr
    assert not out.exists()


def test_screen_markdown_never_replaces_its_source(cli, study, tmp_path):
    experiment = tmp_path / "study.toml"
    experiment.write_text(f'[study]\nname = "guard"\n\n[data]\nsource = '
                          f'"{study / "patients.csv"}"\nid = "patient_id"\nlabel = "response"\n'
                          'therapy_class = "cytokine"\n\n[feature_sets]\nall = ["age"]\n')
    for source, markdown in ((experiment, experiment), (experiment, study / "patients.csv"),
                             (study, study / "measurements.csv")):
        before = Path(markdown).read_bytes()
        result = cli("screen", source, "--criteria", "age >= 50", "--p0", "0.3",
                     "--out", tmp_path / "screen", "--markdown", markdown, "--n-bootstrap", "20")
        assert result.returncode == 1, (source, markdown, result.stderr)
        assert "is an input of this command" in result.stderr
        assert Path(markdown).read_bytes() == before


@pytest.mark.parametrize("criterion", ["response == 1", "response >= 1 and age >= 40"])
def test_screen_refuses_rules_that_read_the_label(cli, study, tmp_path, criterion):
    result = cli("screen", study, "--criteria", criterion, "--p0", "0.3",
                 "--out", tmp_path / "screen", "--n-bootstrap", "20")
    assert result.returncode == 1
    assert "uses 'response', the label" in result.stderr
    assert not (tmp_path / "screen").exists()


@pytest.mark.parametrize(("column", "reason"), [
    ("off_treatment_day", "the day treatment stopped, known only after enrolment"),
    ("OS_months", "a column whose name reads as an outcome or follow-up"),
])
def test_screen_refuses_rules_on_what_is_known_only_after_enrolment(cli, study, tmp_path,
                                                                     column, reason):
    import pandas as pd

    folder = tmp_path / "cohort"
    folder.mkdir()
    for table in study.glob("*.csv"):
        (folder / table.name).write_bytes(table.read_bytes())
    patients = pd.read_csv(folder / "patients.csv")
    patients["OS_months"] = (patients.index % 30).astype(float)
    patients.to_csv(folder / "patients.csv", index=False)
    result = cli("screen", folder, "--criteria", f"{column} > 10 and age >= 40", "--p0", "0.3",
                 "--out", tmp_path / "screen", "--n-bootstrap", "20")
    assert result.returncode == 1
    assert f"uses '{column}', {reason}" in " ".join(result.stderr.split())
    assert not (tmp_path / "screen").exists()


def test_screen_refuses_the_label_as_a_score(cli, study, tmp_path):
    result = cli("screen", study, "--score-column", "response",
                 "--thresholds", "0.5", "--p0", "0.3", "--out", tmp_path / "screen",
                 "--n-bootstrap", "20")
    assert result.returncode == 1
    assert "--score-column uses 'response'" in result.stderr


def test_features_of_a_simulated_folder_leave_out_its_declared_traps(cli, study, tmp_path):
    out = tmp_path / "features.csv"
    result = cli("features", study, "-L", "100", "--out", out)
    assert result.returncode == 0, result.stderr
    columns = out.read_text().splitlines()[0].split(",")
    assert any(c.startswith("ctdna__") for c in columns)
    leaked = [c for c in columns if c.startswith(("sld_change_wk9", "tumor_size"))
              or c == "response_definition"]
    assert leaked == []


def test_experiment_file_cannot_simulate_beyond_the_limit(cli, tmp_path):
    toml = tmp_path / "huge.toml"
    toml.write_text('[study]\nname = "huge"\n[data]\nsimulate = { patients = 100000000 }\n')
    result = cli("validate", toml)
    assert result.returncode == 1
    assert "simulate.patients must be between 1 and 1,000,000" in result.stderr


def test_screen_creates_missing_parent_folders_of_out(cli, study, tmp_path):
    out = tmp_path / "results" / "screening"
    result = cli("screen", study, "--criteria", "age >= 50", "--p0", "0.3", "--out", out,
                 "--n-bootstrap", "20")
    assert result.returncode == 0, result.stderr
    assert (out / "screening.csv").is_file()


def test_output_files_in_folders_not_yet_made_are_written_there(cli, study, tmp_path):
    scans = tmp_path / "scans.csv"
    scans.write_text(SCANS)
    bor = tmp_path / "results" / "recist" / "bor.csv"
    assert cli("assess-response", scans, "--out", bor).returncode == 0
    assert (bor.parent / "bor_timepoints.csv").is_file()
    assert "P1" in bor.read_text()
    check = tmp_path / "checks" / "validate.json"
    result = cli("validate", study, "--json", check)
    assert result.returncode == 0, result.stderr
    assert check.stat().st_size > 0


def test_an_output_file_under_a_file_is_refused_before_the_work(cli, tmp_path):
    scans = tmp_path / "scans.csv"
    scans.write_text(SCANS)
    result = cli("assess-response", scans, "--out", tmp_path / "scans.csv" / "bor.csv")
    assert result.returncode == 1
    assert "is a file, not a folder" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scans.csv"]


def test_screen_refuses_scores_and_outcome_scores_known_only_after_enrolment(cli, study,
                                                                             tmp_path):
    import shutil

    import pandas as pd

    result = cli("screen", study, "--thresholds", "60,120", "--score-column",
                 "off_treatment_day", "--therapy-class", "checkpoint_inhibitor", "--p0", "0.2",
                 "--out", tmp_path / "screen", "--n-bootstrap", "0")
    assert result.returncode == 1
    assert "--score-column uses 'off_treatment_day', the day treatment stopped" in " ".join(
        result.stderr.split())
    cohort = tmp_path / "cohort"
    shutil.copytree(study, cohort)
    patients = pd.read_csv(cohort / "patients.csv")
    rng = np.random.default_rng(0)
    patients["RCB.score"] = rng.gamma(1.0, 1.0, len(patients)).round(2)
    patients["OS_months"] = rng.exponential(20, len(patients)).round(1)
    patients["pcr_prob"] = rng.random(len(patients)).round(3)
    patients.to_csv(cohort / "patients.csv", index=False)
    for args in (("--criteria", "`RCB.score` < 1"),
                 ("--thresholds", "10,20", "--score-column", "OS_months")):
        result = cli("screen", cohort, *args, "--p0", "0.2", "--out", tmp_path / "screen",
                     "--n-bootstrap", "0")
        assert result.returncode == 1, args
        assert "reads as an outcome or follow-up" in " ".join(result.stderr.split())
        assert not (tmp_path / "screen").exists()
    # a score named after what it predicts is a score
    result = cli("screen", cohort, "--thresholds", "0.3,0.6", "--score-column", "pcr_prob",
                 "--p0", "0.2", "--out", tmp_path / "screen", "--n-bootstrap", "0")
    assert result.returncode == 0, result.stderr
