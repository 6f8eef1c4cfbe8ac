"""Determinism: the same experiment with the same seed gives the same numbers, run to run.

Two ``irpredict train`` processes on the same study and seed, each into its own
store, must log identical metrics in every child run and identical
out-of-fold predictions; another ``--seed`` must change the folds (and with
them the predictions). The two same-seed runs are the session's ``trained_study`` and ``ids_study``
(the same files in another folder, trained with ``--log-patient-ids``).
"""

import pandas as pd
import pytest
from rel_helpers import copy_store, run_id_of

OOF_KEYS = ["repeat", "fold", "therapy_class", "y", "prob"]


def _children(uri, run_id):
    from irpredict.tracking import get_client

    client = get_client(uri)
    parent = client.get_run(run_id)
    runs = client.search_runs([parent.info.experiment_id],
                              filter_string=f"tags.mlflow.parentRunId = '{run_id}'")
    return {run.info.run_name: run for run in runs}


def _oof(uri, run, dst):
    import mlflow

    path = mlflow.artifacts.download_artifacts(run_id=run.info.run_id,
                                               artifact_path="oof_predictions.csv",
                                               tracking_uri=uri, dst_path=str(dst))
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def rerun(trained_study, ids_study, template_store, cli, tmp_path_factory):
    """Children of the session's run, of its same-seed rerun and of a ``--seed 7`` run."""
    study, _, run_id = trained_study
    again, _, again_id = ids_study
    out = {"first": (study.uri, _children(study.uri, run_id)),
           "again": (again.uri, _children(again.uri, again_id))}
    folder = tmp_path_factory.mktemp("seed7")
    uri = copy_store(template_store, folder / "mlruns" / "mlflow.db")
    result = cli("train", study.experiment, "--tracking-uri", uri, "--no-register",
                 "--log-patient-ids", "--seed", "7", cwd=folder)
    assert result.returncode == 0, result.stderr
    out["seed7"] = (uri, _children(uri, run_id_of(result)))
    return out


@pytest.mark.slow
def test_same_seed_gives_identical_metrics_and_predictions(rerun, tmp_path):
    (uri_a, first), (uri_b, again) = rerun["first"], rerun["again"]
    assert sorted(first) == sorted(again)
    assert first
    for name, run in first.items():
        assert run.data.metrics == again[name].data.metrics, name
        assert len(run.data.metrics) > 10
        a = _oof(uri_a, run, tmp_path / "a" / name)
        b = _oof(uri_b, again[name], tmp_path / "b" / name)
        assert len(a) == len(b) > 0
        pd.testing.assert_frame_equal(a[OOF_KEYS], b[OOF_KEYS], check_exact=True)
        # the first run hashed the ids and the rerun kept them: still one patient per row
        pairs = set(zip(a["patient_id"], b["patient_id"], strict=True))
        assert len(pairs) == a["patient_id"].nunique() == b["patient_id"].nunique()


@pytest.mark.slow
def test_another_seed_changes_folds_and_predictions(rerun, tmp_path):
    (uri_b, again), (uri_c, seed7) = rerun["again"], rerun["seed7"]
    for name, run in again.items():
        b = _oof(uri_b, run, tmp_path / "b" / name).set_index(["repeat", "patient_id"])
        c = _oof(uri_c, seed7[name], tmp_path / "c" / name).set_index(["repeat", "patient_id"])
        c = c.loc[b.index]
        assert (b["y"] == c["y"]).all()  # the same patients and labels
        assert (b["fold"] != c["fold"]).any()
        same_fold = pd.crosstab(b["fold"], c["fold"]).max(axis=1).sum() / len(b)
        assert same_fold < 0.9  # not a relabelling of the same partition
        assert not (b["prob"] == c["prob"]).all()
        assert run.data.metrics != seed7[name].data.metrics
