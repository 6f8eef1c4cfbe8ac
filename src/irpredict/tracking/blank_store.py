"""New SQLite stores start from a cached copy of an empty, fully migrated one.

Opening a new MLflow SQLite store runs every schema migration MLflow has
shipped, which takes several seconds, and always produces the same empty
database for one MLflow version. The first new store made with an MLflow
version is copied to the cache folder; later new stores start from that copy,
with their Default experiment pointed at their own folder as MLflow would
have done. The cache is only a shortcut: when it cannot be read or written,
the store is created the usual way.

The cache folder is ``IRPREDICT_CACHE_DIR`` when set, else
``$XDG_CACHE_HOME/irpredict`` or ``~/.cache/irpredict``.
"""

import contextlib
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from irpredict._files import default_file_mode

__all__ = ["cache_dir", "blank_store_path", "start_from_blank_store", "keep_as_blank_store"]


def cache_dir():
    """Return the folder irpredict caches files in (not created here).

    Returns
    -------
    pathlib.Path
    """
    configured = os.environ.get("IRPREDICT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "irpredict"


def blank_store_path():
    """Return where the empty store of the installed MLflow version is cached.

    Returns
    -------
    pathlib.Path
    """
    import mlflow

    return cache_dir() / f"mlflow-{mlflow.__version__}-blank.db"


def start_from_blank_store(db_path):
    """Create ``db_path`` as a copy of the cached empty store, if there is one.

    Parameters
    ----------
    db_path : pathlib.Path
        The new store's database file; it must not exist yet.

    Returns
    -------
    bool
        Whether the store was created from the cache (else MLflow creates it).
    """
    blank = blank_store_path()
    if not blank.is_file():
        return False
    db_path = Path(db_path)
    handle, tmp = tempfile.mkstemp(prefix=f".{db_path.name}.", dir=db_path.parent)
    os.close(handle)
    try:
        _copy_database(blank, tmp)
        _point_default_experiment_here(tmp)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, db_path)
        return True
    except (OSError, sqlite3.Error):
        return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def keep_as_blank_store(db_path):
    """Cache the just-created, still empty store ``db_path`` for later new stores.

    Parameters
    ----------
    db_path : pathlib.Path
        A store MLflow has just created and migrated, before anything is logged.
    """
    target = blank_store_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(handle)
    except OSError:
        return
    try:
        _copy_database(db_path, tmp)
        os.replace(tmp, target)
    except (OSError, sqlite3.Error):
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _copy_database(source, target):
    # SQLite's backup API copies a consistent snapshot, even with other connections open
    with contextlib.closing(sqlite3.connect(source)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _point_default_experiment_here(db_path):
    # MLflow puts a new store's Default experiment under <working directory>/mlruns/0
    location = str(Path.cwd() / "mlruns" / "0")
    now = int(time.time() * 1000)
    with contextlib.closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE experiments SET artifact_location = ?, creation_time = ?, "
                   "last_update_time = ? WHERE experiment_id = 0", (location, now, now))
