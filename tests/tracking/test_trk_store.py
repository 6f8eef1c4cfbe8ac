"""The tracking store: URI resolution, refusal of the folder store, artifact location, retries."""

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from irpredict.exceptions import IRPredictError
from irpredict.tracking import (
    TrackingError,
    get_client,
    get_or_create_experiment,
    resolve_tracking_uri,
    start_study_run,
    with_retry,
)


def test_default_uri_is_mlruns_db_under_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    uri = resolve_tracking_uri()
    assert uri == f"sqlite:///{(tmp_path / 'mlruns' / 'mlflow.db').resolve()}"
    assert (tmp_path / "mlruns").is_dir()


def test_relative_sqlite_uri_resolves_against_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = resolve_tracking_uri("sqlite:///stores/x.db")
    assert uri == f"sqlite:///{(tmp_path / 'stores' / 'x.db').resolve()}"
    assert (tmp_path / "stores").is_dir()


def test_env_var_overrides_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///elsewhere/team.db")
    assert resolve_tracking_uri().endswith("/elsewhere/team.db")
    # an explicit argument beats the environment
    assert resolve_tracking_uri("http://tracking.example:5000") == "http://tracking.example:5000"


@pytest.mark.parametrize("uri", ["./mlruns", "mlruns", "file:./mlruns", "file:///tmp/mlruns",
                                 "/abs/mlruns"])
def test_plain_folder_store_is_refused(uri):
    with pytest.raises(TrackingError, match=r"sqlite:///mlruns/mlflow\.db") as info:
        resolve_tracking_uri(uri)
    assert isinstance(info.value, IRPredictError)
    assert "folder store" in str(info.value)


def test_sqlite_uri_pointing_at_a_folder_is_refused(tmp_path):
    with pytest.raises(TrackingError, match="not a database file"):
        resolve_tracking_uri(f"sqlite:///{tmp_path}")


def test_sqlite_uri_pointing_at_a_file_that_is_no_database_is_refused(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("[study]\nname = 'x'\n")
    with pytest.raises(TrackingError, match=r"which is not a SQLite database \(an MLflow store\)"):
        resolve_tracking_uri(f"sqlite:///{text}")
    assert text.read_text() == "[study]\nname = 'x'\n"
    empty = tmp_path / "empty.db"  # SQLite starts an empty file as a new database
    empty.touch()
    assert resolve_tracking_uri(f"sqlite:///{empty}") == f"sqlite:///{empty.resolve()}"


def test_postgres_written_short_gets_mlflows_spelling():
    with pytest.raises(TrackingError, match="PostgreSQL is 'postgresql://'"):
        resolve_tracking_uri("postgres://host/db")


def test_unknown_scheme_is_refused():
    with pytest.raises(TrackingError, match="unsupported scheme 'ftp'"):
        resolve_tracking_uri("ftp://host/store")


def test_default_store_writes_db_and_artifacts_under_cwd_mlruns(tmp_path, monkeypatch,
                                                                template_store):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "mlruns").mkdir()
    (tmp_path / "mlruns" / "mlflow.db").write_bytes(template_store.read_bytes())
    with start_study_run("cwd-study") as study:
        pass
    run = study.client.get_run(study.run_id)
    artifact_dir = Path(run.info.artifact_uri.removeprefix("file://"))
    assert artifact_dir.is_relative_to(tmp_path / "mlruns")
    assert (tmp_path / "mlruns" / "mlflow.db").stat().st_size > 0
    assert study.tracking_uri == f"sqlite:///{(tmp_path / 'mlruns' / 'mlflow.db').resolve()}"


def test_experiment_is_named_after_study_and_reused(store):
    client = get_client(store)
    first = get_or_create_experiment(client, "irpredict/transneo")
    assert get_or_create_experiment(client, "irpredict/transneo") == first
    experiment = client.get_experiment(first)
    assert experiment.name == "irpredict/transneo"
    assert experiment.artifact_location.endswith("/mlruns/irpredict_transneo")


def test_with_retry_retries_only_lock_errors():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("(sqlite3.OperationalError) database is locked")
        return "ok"

    assert with_retry(flaky, base_delay=0.001) == "ok"
    assert len(calls) == 3

    def broken():
        calls.append(1)
        raise KeyError("not a lock")

    calls.clear()
    with pytest.raises(KeyError):
        with_retry(broken, base_delay=0.001)
    assert len(calls) == 1


def test_with_retry_gives_up_after_attempts():
    calls = []

    def always_locked():
        calls.append(1)
        raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError, match="locked"):
        with_retry(always_locked, attempts=3, base_delay=0.001)
    assert len(calls) == 3


def _hold_exclusive_lock(db_path, seconds, held):
    con = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    held.set()
    time.sleep(seconds)
    con.execute("COMMIT")
    con.close()


def _write_under_lock(store, seconds):
    client = get_client(store)
    experiment_id = get_or_create_experiment(client, "irpredict/locked")
    run_id = client.create_run(experiment_id).info.run_id
    held = threading.Event()
    holder = threading.Thread(target=_hold_exclusive_lock,
                              args=(store.removeprefix("sqlite:///"), seconds, held))
    holder.start()
    held.wait(5)
    from irpredict.tracking import store as store_module

    retries_before = store_module._RETRIES
    start = time.monotonic()
    with_retry(client.log_param, run_id, "alpha", "0.5", base_delay=0.2)
    waited = time.monotonic() - start
    holder.join()
    assert client.get_run(run_id).data.params == {"alpha": "0.5"}
    return waited, store_module._RETRIES - retries_before


def test_write_waits_for_a_short_lock(store):
    waited, _ = _write_under_lock(store, 1.5)
    assert waited > 1.0  # it really had to wait, and then it landed


@pytest.mark.slow
def test_write_survives_a_lock_longer_than_sqlite_busy_timeout(store):
    # MLflow's sessions wait 20 s for the lock, then raise "database is locked"
    waited, retries = _write_under_lock(store, 22)
    assert retries >= 1
    assert waited > 20


def test_a_tracking_server_that_does_not_answer_is_said_at_once(cli, tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TrackingError, match=rf"cannot reach the tracking server at "
                                            rf"http://127.0.0.1:{port}"):
        get_client(f"http://127.0.0.1:{port}")
    result = cli("export", "--model", "models:/x@champion", "--out", tmp_path / "x",
                 "--tracking-uri", f"http://127.0.0.1:{port}")
    assert result.returncode == 1
    assert "cannot reach the tracking server" in result.stderr
    assert "Traceback" not in result.stderr
