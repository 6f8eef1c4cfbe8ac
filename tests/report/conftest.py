"""A small study trained through the real CLI on a SQLite MLflow store (about 15 s)."""

import re

import pytest

STUDY = """
[study]
name = "{name}"
description = "small simulated study for the report"

[data]
simulate = {{ patients = 200, seed = 5 }}
label = "response"

[data.columns]
exclude = ["response_definition"]

[feature_sets]
on_treatment = ["age", "ecog", "her2_ihc", "er_status", "measurements:*"]

[model]
families = ["logistic"]
outer_folds = 3
inner_folds = 2
n_bootstrap = 50
final_family = "logistic"
final_feature_set = "on_treatment"
"""


@pytest.fixture(scope="package")
def trained_study(tmp_path_factory, cli):
    """(folder, experiment file, tracking URI, parent run id) of a trained study."""
    folder = tmp_path_factory.mktemp("report_study")
    exp = folder / "repstudy.toml"
    exp.write_text(STUDY.format(name="repstudy"))
    uri = f"sqlite:///{folder}/mlflow.db"
    result = cli("train", exp, "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    run_id = re.search(r"run id:\s*([0-9a-f]{32})", result.stdout).group(1)
    return folder, exp, uri, run_id
