"""`irpredict simulate` through the real command line."""

import json

import pandas as pd
import pytest

from irpredict.data.simulator._writer import COHORT_FILES


def test_simulate_writes_files_and_summary(cli, tmp_path):
    out = tmp_path / "cohort"
    result = cli("simulate", "--patients", 400, "--seed", 3, "--out", out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(COHORT_FILES)
    patients = pd.read_csv(out / "patients.csv")
    assert len(patients) == 400
    for therapy, n in patients["therapy_class"].value_counts().items():
        assert therapy in result.stdout
        assert str(n) in result.stdout
    assert json.loads((out / "truth.json").read_text())["seed"] == 3


def test_simulate_refuses_a_non_empty_folder(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    result = cli("simulate", "--patients", 50, "--out", tmp_path)
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert "--force" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_simulate_refuses_a_file_as_out(cli, tmp_path):
    target = tmp_path / "cohort.csv"
    target.write_text("x")
    result = cli("simulate", "--patients", 50, "--out", target)
    assert result.returncode == 1
    assert "is not a folder" in result.stderr


def test_force_overwrites(cli, tmp_path):
    assert cli("simulate", "--patients", 50, "--out", tmp_path).returncode == 0
    result = cli("simulate", "--patients", 80, "--out", tmp_path, "--force")
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "patients.csv")) == 80


@pytest.mark.parametrize("value", ["0", "many"])
def test_bad_patient_count_is_a_usage_error(cli, tmp_path, value):
    result = cli("simulate", "--patients", value, "--out", tmp_path / "x")
    assert result.returncode == 1
    assert "--patients" in result.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(("mix", "message"), [
    ("vaccine=1", "unknown therapy classes"),
    ("checkpoint_inhibitor", "is not name=fraction"),
    ("cytokine=1,cytokine=2", "names 'cytokine' twice"),
])
def test_bad_class_mix_is_reported(cli, tmp_path, mix, message):
    result = cli("simulate", "--patients", 50, "--out", tmp_path / "x", "--class-mix", mix)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_class_mix_option(cli, tmp_path):
    result = cli("simulate", "--patients", 200, "--out", tmp_path,
                 "--class-mix", "checkpoint_inhibitor=0.5,chemotherapy=0.5")
    assert result.returncode == 0, result.stderr
    counts = pd.read_csv(tmp_path / "patients.csv")["therapy_class"].value_counts()
    assert counts.to_dict() == {"checkpoint_inhibitor": 100, "chemotherapy": 100}


def test_help_has_an_example(cli):
    result = cli("simulate", "--help")
    assert result.returncode == 0
    assert "irpredict simulate --patients" in result.stdout


def test_written_cohort_validates(cli, sim5000_dir):
    result = cli("validate", sim5000_dir)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_same_seed_same_bytes_across_processes(cli, tmp_path):
    for name, hash_seed in (("a", "1"), ("b", "99")):
        result = cli("simulate", "--patients", 300, "--seed", 5, "--out", tmp_path / name,
                     env={"PYTHONHASHSEED": hash_seed})
        assert result.returncode == 0, result.stderr
    for name in COHORT_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_parse_class_mix():
    from irpredict.cli._simulate import parse_class_mix
    from irpredict.exceptions import ExperimentConfigError

    assert parse_class_mix("cytokine=0.5, chemotherapy=1") == {"cytokine": 0.5,
                                                               "chemotherapy": 1.0}
    for bad in ("cytokine=abc", "cytokine", " , "):
        with pytest.raises(ExperimentConfigError, match="--class-mix"):
            parse_class_mix(bad)
