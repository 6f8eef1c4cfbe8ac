"""`irpredict features` run as a user would, in a subprocess."""

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def cohort_folder(tmp_path_factory, cli):
    folder = tmp_path_factory.mktemp("cohort")
    result = cli("simulate", "--patients", "60", "--seed", "3", "--out", folder / "c")
    assert result.returncode == 0, result.stderr
    return folder / "c"


def test_features_csv_with_two_landmarks(cli, cohort_folder, tmp_path):
    out = tmp_path / "feats.csv"
    result = cli("features", cohort_folder, "--landmark-days", "14", "--landmark-days", "42",
                 "--out", out)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    assert f"{len(frame)} rows x {frame.shape[1]} columns" in result.stdout
    assert str(out) in result.stdout.replace("\n", "")
    assert list(frame.columns[:3]) == ["patient_id", "therapy_class", "response"]
    assert len(frame) == 60
    assert frame["patient_id"].is_unique
    assert any(c.endswith("__last_d14") for c in frame.columns)
    assert any(c.endswith("__last_d42") for c in frame.columns)
    assert frame.columns.tolist().count("response") == 1


def test_an_experiment_file_gives_its_own_landmark_days(cli, cohort_folder, tmp_path):
    exp = tmp_path / "study.toml"
    exp.write_text(f'[study]\nname = "s"\n[data]\nfolder = "{cohort_folder}"\n'
                   '[feature_sets]\nbase = ["age"]\nkin = ["age", "measurements:ctdna"]\n'
                   '[model]\nlandmark_days = 28\nfeature_set_landmarks = { base = 0 }\n')
    out = tmp_path / "feats.csv"
    result = cli("features", exp, "--out", out)
    assert result.returncode == 0, result.stderr
    columns = pd.read_csv(out).columns
    assert any(c.endswith("__last_d28") for c in columns)
    assert not any(c.endswith("_d42") for c in columns)
    assert f"at landmark days 0, 28 of {exp} [model]" in " ".join(result.stdout.split())
    # the command line still chooses
    result = cli("features", exp, "--landmark-days", "42", "--out", out)
    assert any(c.endswith("__last_d42") for c in pd.read_csv(out).columns)


def test_features_parquet_by_default_suffix_and_baseline_window(cli, cohort_folder, tmp_path):
    out = tmp_path / "sub" / "feats.parquet"
    result = cli("features", cohort_folder, "--baseline-window", "-14:0", "--out", out)
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(out)
    assert frame.shape[0] == 60
    assert [p.name for p in out.parent.iterdir()] == ["feats.parquet"]  # no temp file left


@pytest.mark.parametrize(("args", "message"), [
    (["--baseline-window", "minus30"], "--baseline-window 'minus30' is not FIRST:LAST"),
    (["--landmark-days", "-5"], "landmark_days must be"),
])
def test_bad_options_exit_1_with_one_line_and_no_file(cli, cohort_folder, tmp_path, args,
                                                      message):
    out = tmp_path / "feats.csv"
    result = cli("features", cohort_folder, *args, "--out", out)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_missing_source_exits_1(cli, tmp_path):
    result = cli("features", tmp_path / "nope", "--out", tmp_path / "f.csv")
    assert result.returncode == 1
    assert "nope" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_shows_an_example(cli):
    result = cli("features", "--help")
    assert result.returncode == 0
    assert "Example: irpredict features" in result.stdout


def test_a_biomarker_the_model_reads_but_the_cohort_never_measured_is_said(
        cli, cohort_folder, tmp_path, repo_root):
    import shutil

    cohort = tmp_path / "no_tmb"
    shutil.copytree(cohort_folder, cohort)
    measurements = pd.read_csv(cohort / "measurements.csv")
    measurements[measurements["biomarker"] != "tmb"].to_csv(cohort / "measurements.csv",
                                                            index=False)
    for command in (("features", cohort, "--model", repo_root / "models" / "reference",
                     "--out", tmp_path / "f.csv"),
                    ("explain", "--model", repo_root / "models" / "reference", "--data",
                     cohort, "--patient", "SIM-00001", "--out", tmp_path / "x")):
        result = cli(*command)
        assert result.returncode == 0, result.stderr
        text = " ".join(result.stderr.split())
        assert "gives no value for 1 of the 17 features model reference/baseline was trained " \
               "on (tmb__baseline)" in text, command[0]
    # evaluate says it once, not again as an empty column
    result = cli("evaluate", "--model", repo_root / "models" / "reference", "--data", cohort,
                 "--out", tmp_path / "e", "--n-bootstrap", "0")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert text.count("tmb__baseline") == 1, text
    # a model folder records where it was exported from
    import json
    payload = json.loads((tmp_path / "e" / "metrics.json").read_text())
    assert payload["model_version"] == "models:/reference/1"
    assert "(exported from models:/reference/1)" in " ".join(result.stdout.split())


def test_labs_without_a_unit_are_said_to_be_read_in_the_models_units(
        cli, cohort_folder, tmp_path, repo_root):
    import shutil

    from irpredict.data import load_cohort

    cohort = tmp_path / "no_units"
    shutil.copytree(cohort_folder, cohort)
    # the same values in the canonical units, their unit column dropped
    load_cohort(cohort_folder).measurements.drop(columns=["unit"]).to_csv(
        cohort / "measurements.csv", index=False)
    result = cli("features", cohort, "--model", repo_root / "models" / "reference",
                 "--out", tmp_path / "f.csv")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert "gives no unit for albumin, alc, anc, crp, ldh: read as the units model " \
           "reference/baseline was trained in (albumin g/L" in text
    # percentages, scores and ratios have one unit only: nothing to say of them
    assert "pdl1_cps" not in text
