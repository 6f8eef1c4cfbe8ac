"""Provenance: experiment file, data fingerprint, environment and git state on the study run."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import irpredict
from irpredict.data import Cohort
from irpredict.tracking import (
    TrackingError,
    cohort_fingerprint,
    git_info,
    log_provenance,
    start_study_run,
    table_digest,
)


@pytest.fixture
def cohort():
    rng = np.random.default_rng(11)
    patients = pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(30)],
        "therapy_class": ["checkpoint_inhibitor"] * 20 + ["chemotherapy"] * 10,
        "response": [1, 0] * 10 + [1, 0, 0, 0, 0] * 2,
        "til_pct": rng.random(30) * 60,
    })
    measurements = pd.DataFrame({
        "patient_id": np.repeat(patients["patient_id"], 3).to_numpy(),
        "biomarker": "crp", "day": np.tile([-7.0, 21.0, 42.0], 30),
        "value": rng.random(90) * 10,
    })
    return Cohort(patients=patients, measurements=measurements, name="prov")


def _git(folder, *args):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                        "HOME": str(folder), "PATH": "/usr/bin:/bin:/usr/local/bin"})


def test_fingerprint_ignores_order_and_catches_changes(cohort):
    base = cohort_fingerprint(cohort)
    shuffled = Cohort(patients=cohort.patients.sample(frac=1, random_state=0)[
        list(reversed(cohort.patients.columns))], measurements=cohort.measurements.iloc[::-1],
        name="prov")
    assert cohort_fingerprint(shuffled)["sha256"] == base["sha256"]
    changed = cohort.measurements.copy()
    changed.loc[5, "value"] += 1e-9
    assert table_digest(changed) != base["tables"]["measurements"]
    assert base["n_patients"] == 30
    assert base["n_measurements"] == 90
    assert base["responders"] == {"checkpoint_inhibitor": 10, "chemotherapy": 2}
    assert base["tables"]["tumor_assessments"] is None


def test_log_provenance_records_file_data_env_and_git(store, cohort, tmp_path):
    repo = tmp_path / "repo"
    (repo / "experiments").mkdir(parents=True)
    toml = repo / "experiments" / "prov.toml"
    toml.write_text('[study]\nname = "prov"\n')
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "init")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert git_info(repo) == {"git_commit": head, "git_dirty": False}

    with start_study_run("prov", tracking_uri=store) as study:
        logged = log_provenance(study, cohort=cohort, experiment_file=toml)
    run = study.client.get_run(study.run_id)
    expected = cohort_fingerprint(cohort)
    assert run.data.params["data.sha256"] == expected["sha256"]
    assert run.data.params["data.n_patients"] == "30"
    assert run.data.params["data.responders.chemotherapy"] == "2"
    assert run.data.tags["data.sha256"] == expected["sha256"]
    # the code's commit (irpredict's own working tree), and the experiment file's beside it
    assert run.data.tags.get("git_commit") == git_info(Path(irpredict.__file__).parent).get(
        "git_commit")
    assert run.data.tags["experiment.git_commit"] == head
    assert run.data.tags["experiment.git_dirty"] == "false"
    assert run.data.tags["python_version"] == logged["environment"]["python"]
    assert run.data.tags["versions.scikit-learn"] == logged["environment"]["versions"][
        "scikit-learn"]
    folder = Path(run.info.artifact_uri.removeprefix("file://")) / "provenance"
    assert (folder / "prov.toml").read_text() == toml.read_text()
    fingerprint = json.loads((folder / "data_fingerprint.json").read_text())
    assert fingerprint["sha256"] == expected["sha256"]
    env = json.loads((folder / "environment.json").read_text())
    assert env["versions"]["mlflow"] != "not installed"

    toml.write_text('[study]\nname = "changed"\n')
    assert git_info(repo)["git_dirty"] is True


def test_git_info_outside_a_repository_is_empty(tmp_path):
    assert git_info(tmp_path) == {}


def test_missing_experiment_file_is_refused(store):
    with pytest.raises(TrackingError, match="experiment file .* does not exist"):
        with start_study_run("prov-missing", tracking_uri=store) as study:
            log_provenance(study, experiment_file="/no/such/study.toml")
    assert study.client.get_run(study.run_id).info.status == "FAILED"
