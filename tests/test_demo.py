"""`irpredict demo`, the main job end to end, run as a user runs it (smallest cohort).

It runs in a new interpreter, imports and all, so that "finishes quietly" covers everything a
user's first command prints.
"""

import re

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def demo(tmp_path_factory, cli):
    out = tmp_path_factory.mktemp("demo") / "run"
    result = cli("demo", "--patients", "300", "--seed", "1", "--out", out, fresh=True)
    return out, result


def test_demo_finishes_quietly_and_says_where_everything_is(demo):
    out, result = demo
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no library chatter, no warnings
    text = " ".join(result.stdout.split())
    assert "Registered model: models:/demo@champion" in text
    assert f"mlflow ui --backend-store-uri sqlite:///{out}/mlruns/mlflow.db" in text
    for name in ("demo.toml", "report.html", "cohort/patients.csv", "cohort/truth.json"):
        assert (out / name).is_file(), name


def test_demo_registers_both_models_in_its_own_store(demo):
    from mlflow import MlflowClient

    out, _ = demo
    client = MlflowClient(tracking_uri=f"sqlite:///{out}/mlruns/mlflow.db")
    for name in ("demo", "demo-landmarks"):
        version = client.get_model_version_by_alias(name, "champion")
        assert client.get_run(version.run_id).info.status == "FINISHED"


def test_demo_ends_with_one_patients_trajectory(demo):
    out, result = demo
    pid = re.search(r"moved most between landmarks: (\S+)", result.stdout).group(1)
    trajectory = pd.read_csv(out / f"{pid}_trajectory.csv")
    assert trajectory["landmark"].tolist() == [0.0, 42.0]
    assert trajectory["prob_response"].between(0, 1).all()
    assert (out / f"{pid}_trajectory.png").stat().st_size > 1000
