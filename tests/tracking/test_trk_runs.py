"""Study and child runs: params, metric names, artifacts, privacy of ids, run status."""

import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from irpredict.tracking import (
    flatten_metrics,
    hash_ids,
    log_child_run,
    new_salt,
    sanitize_key,
    start_study_run,
)

matplotlib.use("Agg")


def _artifact_dir(client, run_id):
    return Path(client.get_run(run_id).info.artifact_uri.removeprefix("file://"))


def _all_artifact_bytes(client, run_id):
    folder = _artifact_dir(client, run_id)
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def _figure():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    return fig


def test_child_run_logs_params_metrics_and_artifacts(store, metrics_frame, oof_frame):
    params = {"model": "logistic", "C": 0.5, "preprocess": {"scale": True}}
    with start_study_run("runs", tracking_uri=store, run_name="study") as study:
        child = log_child_run(study, "clinical/logistic", params, metrics_frame, oof_frame,
                              figures={"roc curve": _figure(), "calibration": _figure()})
    client = study.client
    run = client.get_run(child)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "clinical/logistic"
    assert run.data.tags["mlflow.parentRunId"] == study.run_id
    assert run.data.params == {"model": "logistic", "C": "0.5", "preprocess.scale": "True"}
    metrics = run.data.metrics
    for _, row in metrics_frame.iterrows():
        group = row["therapy_class"]
        assert metrics[f"auc__{group}"] == pytest.approx(row["auc"])
        assert metrics[f"auc_ci_low__{group}"] == pytest.approx(row["auc_ci_low"])
    assert "cal_slope__chemotherapy" not in metrics  # NaN is not logged
    files = _all_artifact_bytes(client, child)
    assert {"metrics.csv", "oof_predictions.csv", "figures/roc_curve.png",
            "figures/calibration.png"} <= set(files)
    assert files["figures/roc_curve.png"].startswith(b"\x89PNG")
    logged = pd.read_csv(_artifact_dir(client, child) / "oof_predictions.csv")
    assert len(logged) == len(oof_frame)
    assert list(logged.columns) == list(oof_frame.columns)
    assert client.get_run(study.run_id).info.status == "FINISHED"


def test_raw_patient_ids_appear_in_no_artifact_by_default(store, metrics_frame, oof_frame):
    with start_study_run("privacy", tracking_uri=store) as study:
        child_a = log_child_run(study, "a", {}, metrics_frame, oof_frame)
        child_b = log_child_run(study, "b", {}, None, oof_frame, oof_format="parquet")
    raw = sorted(set(oof_frame["patient_id"]))
    for child in (child_a, child_b):
        for name, blob in _all_artifact_bytes(study.client, child).items():
            found = [pid for pid in raw if pid.encode() in blob]
            assert found == [], f"{name} leaks {found[:3]}"
    a = pd.read_csv(_artifact_dir(study.client, child_a) / "oof_predictions.csv")
    b = pd.read_parquet(_artifact_dir(study.client, child_b) / "oof_predictions.parquet")
    # one secret per study run: the same patient has the same hash in both children
    assert a["patient_id"].tolist() == b["patient_id"].tolist()
    assert a["patient_id"].nunique() == len(raw)
    tags = study.client.get_run(child_a).data.tags
    assert tags["irpredict.patient_ids"].startswith("hmac-sha256")
    assert not any(v == study._salt.hex() for v in tags.values())


def test_log_patient_ids_true_keeps_raw_ids(store, oof_frame):
    with start_study_run("raw-ids", tracking_uri=store) as study:
        child = log_child_run(study, "a", {}, None, oof_frame, log_patient_ids=True)
    logged = pd.read_csv(_artifact_dir(study.client, child) / "oof_predictions.csv")
    assert logged["patient_id"].tolist() == oof_frame["patient_id"].tolist()


def test_error_inside_study_run_ends_it_failed(store):
    with pytest.raises(ZeroDivisionError):
        with start_study_run("fails", tracking_uri=store) as study:
            1 / 0  # noqa: B018
    assert study.client.get_run(study.run_id).info.status == "FAILED"
    # unnamed, the parent run is named after its study and start time (not a random name)
    assert re.fullmatch(r"fails \d{4}-\d\d-\d\d \d\d:\d\d:\d\d",
                        study.client.get_run(study.run_id).info.run_name)


def test_keyboard_interrupt_ends_run_killed(store):
    with pytest.raises(KeyboardInterrupt):
        with start_study_run("interrupted", tracking_uri=store) as study:
            raise KeyboardInterrupt
    assert study.client.get_run(study.run_id).info.status == "KILLED"


def test_a_signal_deferred_past_the_end_of_the_run_still_ends_it_killed(store):
    import signal

    from irpredict import _interrupts

    def run_with_a_deferred_sigterm():
        with start_study_run("deferred", tracking_uri=store) as study:
            # SIGTERM arrived inside XGBoost: the handler queued it for a later delivery
            _interrupts.PENDING.append(signal.SIGTERM)
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            signal.setitimer(signal.ITIMER_REAL, 30)
            started.append(study)

    started = []
    with pytest.raises(_interrupts.Terminated):
        run_with_a_deferred_sigterm()
    study = started[0]
    try:
        assert study.client.get_run(study.run_id).info.status == "KILLED"
        assert _interrupts.PENDING == []
        assert _interrupts.SIGNALLED[-1] == signal.SIGTERM  # the command exits 143
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no second delivery
    finally:
        _interrupts.SIGNALLED.clear()
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def test_failing_child_is_failed_and_parent_too(store, metrics_frame):
    from irpredict.tracking import TrackingError

    def train(study):
        log_child_run(study, "ok", {"a": 1}, metrics_frame, None)
        log_child_run(study, "bad", {"a": 1}, metrics_frame, None,
                      artifacts={"notes.txt": "/no/such/file.txt"})

    with pytest.raises(TrackingError, match="does not exist"), \
            start_study_run("child-fails", tracking_uri=store) as study:
        train(study)
    client = study.client
    statuses = [client.get_run(r).info.status for r in study.children]
    assert statuses == ["FINISHED", "FAILED"]
    assert client.get_run(study.run_id).info.status == "FAILED"


def test_flatten_metrics_names_and_sanitising(metrics_frame):
    flat = flatten_metrics(metrics_frame)
    assert flat["auc__checkpoint_inhibitor"] == pytest.approx(0.71)
    assert flat["auc_ci_high__overall"] == pytest.approx(0.73)
    assert "cal_slope__chemotherapy" not in flat
    odd = pd.DataFrame({"therapy_class": ["ICI|anti-PD-1"], "auc (95%)": [0.5]})
    assert list(flatten_metrics(odd)) == ["auc _95___ICI_anti-PD-1"]
    assert sanitize_key("a..b/c:d") == "a.b/c_d"
    with pytest.raises(ValueError, match="1 repeated group"):
        flatten_metrics(pd.concat([metrics_frame.head(1)] * 2))


def test_hash_ids_is_keyed_and_stable():
    salt, other = new_salt(), new_salt()
    ids = ["TNEO-0001", "TNEO-0002", "TNEO-0001", None]
    hashed = hash_ids(ids, salt)
    assert hashed[0] == hashed[2] != hashed[1]
    assert hashed[3] is None
    assert hash_ids(ids, other)[0] != hashed[0]
    assert all(len(h) == 17 and "TNEO" not in h for h in hashed[:3])
    with pytest.raises(ValueError, match="16 random bytes"):
        hash_ids(ids, b"short")


def test_missing_ids_of_every_kind_stay_missing_and_a_table_without_ids_is_refused():
    from irpredict.tracking.privacy import pseudonymise

    salt = new_salt()
    ids = pd.Series(["TNEO-0001", None, pd.NA], dtype="string")
    hashed = hash_ids(ids.tolist(), salt)
    assert hashed[0].startswith("p")
    assert hashed[1:] == [None, None]
    assert hash_ids([float("nan")], salt) == [None]
    table = pd.DataFrame({"pid": ["TNEO-0001"], "prob": [0.3]})
    with pytest.raises(ValueError, match="no identifier column or index named 'patient_id'"):
        pseudonymise(table, salt)
    assert "TNEO" not in pseudonymise(table, salt, id_col="pid")["pid"].iloc[0]
