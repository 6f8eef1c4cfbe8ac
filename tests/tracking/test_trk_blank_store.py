"""New SQLite stores start from a cached empty store instead of re-running MLflow's migrations."""

import sqlite3

import pytest

from irpredict.tracking import get_client, start_study_run
from irpredict.tracking.blank_store import blank_store_path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("IRPREDICT_CACHE_DIR", str(folder))
    return folder


def _schema(db):
    with sqlite3.connect(db) as con:
        version = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        tables = sorted(r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))
    return version, tables


def _default_location(db):
    with sqlite3.connect(db) as con:
        return con.execute(
            "SELECT artifact_location FROM experiments WHERE experiment_id = 0").fetchone()[0]


def _log_one_run(uri, study):
    with start_study_run(study, tracking_uri=uri, run_name=study) as run:
        run.client.log_metric(run.run_id, "auc", 0.8)
    return run.client.get_run(run.run_id)


def test_second_new_store_is_a_copy_of_the_first_and_works(cache, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = tmp_path / "a" / "mlflow.db"
    get_client(f"sqlite:///{first}")
    assert blank_store_path().is_file()
    assert blank_store_path().parent == cache

    elsewhere = tmp_path / "b"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    second = tmp_path / "c" / "mlflow.db"
    run = _log_one_run(f"sqlite:///{second}", "copied")
    assert run.data.metrics == {"auc": 0.8}
    assert _schema(second) == _schema(first)
    # the Default experiment lives where MLflow would have put it for this working directory
    assert _default_location(second) == str(elsewhere / "mlruns" / "0")
    assert _default_location(first) == str(tmp_path / "mlruns" / "0")
    assert oct(second.stat().st_mode & 0o777) == oct(first.stat().st_mode & 0o777)


def test_the_cached_store_is_never_written_to(cache, tmp_path):
    get_client(f"sqlite:///{tmp_path / 'a' / 'mlflow.db'}")
    before = blank_store_path().read_bytes()
    _log_one_run(f"sqlite:///{tmp_path / 'b' / 'mlflow.db'}", "study")
    assert blank_store_path().read_bytes() == before


def test_a_damaged_cache_falls_back_to_migrating(cache, tmp_path):
    cache.mkdir()
    blank_store_path().write_bytes(b"not a database" * 100)
    db = tmp_path / "s" / "mlflow.db"
    run = _log_one_run(f"sqlite:///{db}", "fallback")
    assert run.data.metrics == {"auc": 0.8}
    assert _schema(db)[0]  # migrated to a schema version
    assert not list((tmp_path / "s").glob(".mlflow.db.*"))  # no temporary file left behind


def test_an_unwritable_cache_folder_does_not_stop_a_new_store(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("IRPREDICT_CACHE_DIR", str(blocker / "cache"))
    run = _log_one_run(f"sqlite:///{tmp_path / 's' / 'mlflow.db'}", "nocache")
    assert run.data.metrics == {"auc": 0.8}
    assert not blank_store_path().exists()
