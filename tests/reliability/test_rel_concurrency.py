"""Four ``irpredict train`` processes writing to one SQLite store at once.

tests/tracking/test_trk_concurrency.py races the tracking functions; this races
the real command, end to end: every process must finish, its parent and child
runs must be FINISHED with their metrics and out-of-fold predictions, and the
four registrations of the same model name must give four versions, each with
its files, and ``champion`` on one of them.
"""

import os
import subprocess
import sys

import pytest
from rel_helpers import RUN_ID, store_state, version_has_artifacts

N_PROCESSES = 4


@pytest.mark.slow
def test_four_train_processes_share_one_store(make_study, tmp_path):
    study = make_study("concurrent", class_mix={"checkpoint_inhibitor": 1})
    env = dict(os.environ, MPLBACKEND="Agg", COLUMNS="200")
    procs = [subprocess.Popen(
        [sys.executable, "-m", "irpredict", "train", str(study.experiment),
         "--tracking-uri", study.uri, "--seed", str(seed)],
        cwd=study.folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed in range(N_PROCESSES)]
    outputs = [proc.communicate(timeout=600) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, out[-2000:] + err[-2000:]
        assert "Traceback" not in out + err
    parents = [RUN_ID.search(out).group(1) for out, _ in outputs]
    assert len(set(parents)) == N_PROCESSES

    statuses, versions = store_state(study.uri)
    assert set(parents) <= set(statuses)
    assert set(statuses.values()) == {"FINISHED"}

    from irpredict.tracking import get_client

    client = get_client(study.uri)
    for parent in parents:
        run = client.get_run(parent)
        children = client.search_runs(
            [run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent}'")
        assert children, f"run {parent} lost its child runs"
        for child in children:
            assert any(key.startswith("auc") for key in child.data.metrics)
            listed = [f.path for f in client.list_artifacts(child.info.run_id)]
            assert "oof_predictions.csv" in listed

    numbers = sorted(int(version) for name, version, _ in versions if name == "concurrent")
    assert numbers == list(range(1, N_PROCESSES + 1))
    for number in numbers:
        assert version_has_artifacts(study.uri, "concurrent", number, tmp_path)
    champion = client.get_model_version_by_alias("concurrent", "champion")
    assert int(champion.version) in numbers
    assert client.get_model_version("concurrent", champion.version).run_id in parents
