"""Where MLflow writes: the tracking URI, the experiment, quiet logging, retries.

irpredict keeps its run metadata in an embedded SQLite database and its
artifacts in a folder beside it: ``sqlite:///<cwd>/mlruns/mlflow.db`` with
artifacts under ``<cwd>/mlruns/<experiment>/``. A team points
``--tracking-uri`` (or ``MLFLOW_TRACKING_URI``) at a tracking server instead.
MLflow's old plain-folder store is refused: MLflow 3.13+ raises on it.

The first connection of each process to a SQLite store is serialised with an
``flock`` on ``mlflow.db.init.lock`` beside the database, so processes that
open a brand-new store together do not race on its schema migration. A new
store starts as a copy of a cached empty one (:mod:`.blank_store`), which
saves MLflow's schema migrations.

This subpackage is the only place that imports :mod:`mlflow`, and it does so
inside functions, so importing :mod:`irpredict.tracking` stays cheap.
"""

import contextlib
import logging
import os
import random
import re
import time
import warnings
from pathlib import Path
from urllib.parse import urlparse

from irpredict.exceptions import IRPredictError

__all__ = [
    "TrackingError",
    "DEFAULT_STORE_DIR",
    "resolve_tracking_uri",
    "store_file",
    "artifact_root",
    "experiment_name",
    "get_client",
    "existing_store_client",
    "get_or_create_experiment",
    "with_retry",
    "quiet_mlflow",
]

#: Folder (relative to the working directory) of the default local store.
DEFAULT_STORE_DIR = "mlruns"
_DB_NAME = "mlflow.db"
_REMOTE_SCHEMES = ("http", "https", "databricks", "postgresql", "mysql", "mssql")
_LOCK_MARKERS = ("database is locked", "database table is locked", "database schema is locked")


class TrackingError(IRPredictError, ValueError):
    """The tracking store, a run, or the model registry could not be used as asked."""


def resolve_tracking_uri(tracking_uri=None):
    """Return the absolute tracking URI irpredict writes to.

    Parameters
    ----------
    tracking_uri : str or None, default=None
        ``sqlite:///path.db`` (relative paths are resolved against the
        current working directory), a server URL (``http(s)://...``) or a
        database URL. ``None`` uses ``MLFLOW_TRACKING_URI`` when set, else
        ``sqlite:///<cwd>/mlruns/mlflow.db``.

    Returns
    -------
    str
        The URI; for SQLite an absolute ``sqlite:////abs/path.db`` whose
        parent folder exists.

    Raises
    ------
    TrackingError
        For a plain folder or ``file:`` URI (MLflow's retired file store) or
        an unknown scheme.

    Examples
    --------
    >>> resolve_tracking_uri("sqlite:///mlruns/mlflow.db")  # doctest: +SKIP
    'sqlite:////home/me/study/mlruns/mlflow.db'
    """
    return _resolve(tracking_uri, create_folders=True)[0]


def store_file(tracking_uri=None):
    """The SQLite file of the store ``tracking_uri`` names (as :func:`resolve_tracking_uri`
    reads it, creating nothing), or None for a server or a URI it refuses."""
    try:
        uri, _ = _resolve(tracking_uri, create_folders=False)
    except TrackingError:
        return None  # the command that opens the store says what is wrong with it
    return Path(uri[len("sqlite:///"):]) if uri.startswith("sqlite:///") else None


def _resolve(tracking_uri, *, create_folders):
    """(absolute URI, where it came from); SQLite folders are created only if asked."""
    source = "--tracking-uri"
    if tracking_uri is None:
        tracking_uri = os.environ.get("MLFLOW_TRACKING_URI") or None
        source = "MLFLOW_TRACKING_URI"
    if tracking_uri is None:
        path = Path.cwd() / DEFAULT_STORE_DIR / _DB_NAME
        if create_folders:
            path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}", "the default store"
    uri = str(tracking_uri).strip()
    scheme = urlparse(uri).scheme.lower()
    if scheme == "sqlite":
        return _absolute_sqlite(uri, source, create_folders), source
    if scheme.split("+")[0] in _REMOTE_SCHEMES:
        return uri, source
    raise TrackingError(
        f"{source} {uri!r} is a plain folder or file: URI; MLflow's folder store is retired "
        f"(MLflow 3.13+ refuses it). Use a SQLite file such as "
        f"'sqlite:///{DEFAULT_STORE_DIR}/{_DB_NAME}' or a tracking server URL 'http://host:5000'."
        if scheme in ("", "file") or len(scheme) == 1  # len 1: a Windows drive letter
        else f"{source} {uri!r} has the unsupported scheme {scheme!r}; use "
        f"'sqlite:///{DEFAULT_STORE_DIR}/{_DB_NAME}', 'http(s)://host:port' or a database URL "
        f"({', '.join(sorted(s for s in _REMOTE_SCHEMES if not s.startswith('http')))})"
        + (": PostgreSQL is 'postgresql://'" if scheme == "postgres" else "") + "."
    )


def _absolute_sqlite(uri, source, create_folders=True):
    rest = uri[len("sqlite://"):]
    if not rest.startswith("/") or rest in ("/", "/:memory:"):
        raise TrackingError(
            f"{source} {uri!r} names no database file; use 'sqlite:///{DEFAULT_STORE_DIR}/"
            f"{_DB_NAME}' (relative to the working directory) or 'sqlite:////abs/path.db'."
        )
    path = Path(rest[1:]).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    if path.is_dir():
        raise TrackingError(
            f"{source} {uri!r} points at the folder {path}, not a database file; "
            f"use 'sqlite:///{path / _DB_NAME}'."
        )
    if path.is_file() and path.stat().st_size:
        with path.open("rb") as handle:
            header = handle.read(16)
        if header != b"SQLite format 3\x00":
            raise TrackingError(
                f"{source} {uri!r} points at {path}, which is not a SQLite database (an MLflow "
                f"store); point it at the store's .db file, or at a new file to start one.")
    if create_folders:
        path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.resolve()}"


def artifact_root(tracking_uri):
    """Return the folder under which a SQLite store's artifacts live.

    Parameters
    ----------
    tracking_uri : str
        An absolute URI from :func:`resolve_tracking_uri`.

    Returns
    -------
    pathlib.Path or None
        The database's folder when it is called ``mlruns``, else
        ``<database folder>/mlruns``; ``None`` for a server, whose own
        artifact root applies.
    """
    if not tracking_uri.startswith("sqlite:///"):
        return None
    db_dir = Path(tracking_uri[len("sqlite:///"):]).parent
    return db_dir if db_dir.name == DEFAULT_STORE_DIR else db_dir / DEFAULT_STORE_DIR


def experiment_name(study):
    """Return the MLflow experiment name of a study: ``irpredict/<study>``.

    Parameters
    ----------
    study : str
        Study name (the experiment file's stem or the cohort's name).

    Returns
    -------
    str
    """
    study = str(study).strip()
    if not study:
        raise TrackingError("the study name is empty; pass the experiment file's study name.")
    return study if study.startswith("irpredict/") else f"irpredict/{study}"


def _folder_name(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "experiment"


_STORE_INIT_LOCK = "mlflow.db.init.lock"


def get_client(tracking_uri=None):
    """Return an ``mlflow.MlflowClient`` on the resolved store, quietened.

    On a SQLite store the first connection of each process is serialised
    with a file lock, so several processes that open a new store at once do
    not race on its schema migration.

    Parameters
    ----------
    tracking_uri : str or None, default=None
        See :func:`resolve_tracking_uri`.

    Returns
    -------
    mlflow.MlflowClient
    """
    quiet_mlflow()
    uri = resolve_tracking_uri(tracking_uri)
    _check_reachable(uri)
    import mlflow

    from irpredict.tracking.blank_store import keep_as_blank_store, start_from_blank_store

    with _init_lock(uri):
        new_db = _new_sqlite_file(uri)
        from_cache = new_db is not None and start_from_blank_store(new_db)
        client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
        with_retry(client.search_experiments, max_results=1)  # opens (and migrates) the store
        if new_db is not None and not from_cache:
            keep_as_blank_store(new_db)
    return client


def _check_reachable(uri, timeout=5.0):
    """A tracking server that does not answer is said in seconds, not after MLflow's retries."""
    import socket

    parsed = urlparse(uri)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        return
    port = parsed.port or (443 if parsed.scheme.lower() == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        raise TrackingError(
            f"cannot reach the tracking server at {uri} ({exc.strerror or exc}); check that it "
            "is running and the address, or use a local store such as "
            f"'sqlite:///{DEFAULT_STORE_DIR}/{_DB_NAME}'") from None


def existing_store_client(tracking_uri=None):
    """:func:`get_client` for commands that only read: a missing SQLite store is an error.

    A mistyped ``--tracking-uri`` would otherwise create a new, empty store (and
    its folders) and then report that no model is registered in it.

    Raises
    ------
    TrackingError
        When the URI names a SQLite file that does not exist.
    """
    uri, source = _resolve(tracking_uri, create_folders=False)
    path = _new_sqlite_file(uri)
    if path is not None:
        raise TrackingError(
            f"no MLflow store at {path} ({source}): the file does not exist. Check the path "
            "(`irpredict train` creates the store it logs to), or pass the store with "
            "--tracking-uri sqlite:///path/to/mlflow.db")
    return get_client(tracking_uri)


def _new_sqlite_file(uri):
    """The database file of a SQLite store that does not exist yet, else None."""
    if not uri.startswith("sqlite:///"):
        return None
    path = Path(uri[len("sqlite:///"):])
    return None if path.exists() else path


@contextlib.contextmanager
def _init_lock(uri):
    if not uri.startswith("sqlite:///"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    lock_path = Path(uri[len("sqlite:///"):]).parent / _STORE_INIT_LOCK
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def get_or_create_experiment(client, name):
    """Return the id of the experiment ``name``, creating it when absent.

    For a SQLite store the experiment's artifacts go to
    ``<artifact_root>/<name with unsafe characters replaced by _>``.

    Parameters
    ----------
    client : mlflow.MlflowClient
        From :func:`get_client`.
    name : str
        Full experiment name (see :func:`experiment_name`).

    Returns
    -------
    str
        The experiment id.
    """
    from mlflow.exceptions import MlflowException

    experiment = with_retry(client.get_experiment_by_name, name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            with_retry(client.restore_experiment, experiment.experiment_id)
        return experiment.experiment_id
    root = artifact_root(client.tracking_uri)
    location = None if root is None else (root / _folder_name(name)).as_uri()
    try:
        return with_retry(client.create_experiment, name, artifact_location=location)
    except MlflowException as exc:  # another process created it first
        experiment = with_retry(client.get_experiment_by_name, name)
        if experiment is None:
            raise TrackingError(f"could not create the MLflow experiment {name!r}: {exc}") from exc
        return experiment.experiment_id


_RETRIES = 0  # lock retries in this process, for diagnostics


def _is_locked(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if any(marker in str(exc).lower() for marker in _LOCK_MARKERS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def with_retry(fn, *args, attempts=8, base_delay=0.05, max_delay=2.0, **kwargs):
    """Call ``fn(*args, **kwargs)``, retrying while SQLite reports a lock.

    Several processes writing to one SQLite store collide on its single
    writer lock ("database is locked"); such calls are retried with
    exponential backoff and jitter. Any other error is raised at once.

    Parameters
    ----------
    fn : callable
        The store call.
    *args, **kwargs
        Passed to ``fn``.
    attempts : int, default=8
        Total number of tries.
    base_delay, max_delay : float, default=0.05, 2.0
        First and largest pause in seconds (doubled each retry, plus jitter).

    Returns
    -------
    object
        Whatever ``fn`` returns.

    Examples
    --------
    >>> with_retry(client.log_batch, run_id, metrics=metrics)  # doctest: +SKIP
    """
    for attempt in range(attempts):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if attempt == attempts - 1 or not _is_locked(exc):
                raise
            global _RETRIES
            _RETRIES += 1
            delay = min(max_delay, base_delay * 2**attempt)
            time.sleep(delay * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover


_QUIET = False


def quiet_mlflow():
    """Silence MLflow's chatter (alembic INFO, SQLAlchemy deprecations, progress bars).

    Idempotent. Errors still propagate as exceptions; only log records below
    WARNING from MLflow and alembic, the database-retry tracebacks MLflow logs
    before irpredict retries, and known-harmless warnings are dropped.
    """
    global _QUIET
    if _QUIET:
        return
    _QUIET = True
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # read when mlflow is imported, which may happen after this call
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    for name in ("alembic", "alembic.runtime.migration", "mlflow.store.db.utils",
                 "mlflow.store.db.db_types", "mlflow.tracking._tracking_service.client"):
        logging.getLogger(name).setLevel(logging.ERROR if name != "mlflow.store.db.utils"
                                         else logging.CRITICAL)
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    try:
        from sqlalchemy.exc import SADeprecationWarning
    except ImportError:  # pragma: no cover
        SADeprecationWarning = DeprecationWarning  # noqa: N806
    warnings.filterwarnings("ignore", category=SADeprecationWarning)
    warnings.filterwarnings("ignore", message=r".*noload.*")
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"mlflow(\..*)?")
