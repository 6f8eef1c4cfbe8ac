"""A small study trained through the real CLI on a SQLite MLflow store (about 15 s)."""

import re

import pytest

from sim_study import simulated_study

STUDY = simulated_study(
    "repstudy", patients=200, seed=5, n_bootstrap=50,
    feature_sets={"on_treatment": ["age", "ecog", "her2_ihc", "er_status", "measurements:*"]})


@pytest.fixture(scope="package")
def trained_study(tmp_path_factory, cli):
    """(folder, experiment file, tracking URI, parent run id) of a trained study."""
    folder = tmp_path_factory.mktemp("report_study")
    exp = folder / "repstudy.toml"
    exp.write_text(STUDY)
    uri = f"sqlite:///{folder}/mlflow.db"
    result = cli("train", exp, "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    run_id = re.search(r"run id:\s*([0-9a-f]{32})", result.stdout).group(1)
    return folder, exp, uri, run_id
