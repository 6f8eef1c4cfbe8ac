"""Fixtures for the tracking tests: one migrated SQLite store per session, copied per test.

Creating a new MLflow SQLite store runs ~40 schema migrations (seconds), so
the session migrates one empty store and each test gets its own copy.
"""

import shutil

import numpy as np
import pandas as pd
import pytest

from irpredict.tracking import get_client, resolve_tracking_uri


@pytest.fixture(scope="session")
def template_store(tmp_path_factory):
    """Path of a migrated, empty ``mlflow.db`` shared read-only by the session."""
    db = tmp_path_factory.mktemp("trk-template") / "mlruns" / "mlflow.db"
    get_client(resolve_tracking_uri(f"sqlite:///{db}"))
    return db


@pytest.fixture
def store(tmp_path, template_store):
    """Tracking URI of a fresh copy of the template store under ``tmp_path/mlruns``."""
    db = tmp_path / "mlruns" / "mlflow.db"
    db.parent.mkdir(parents=True)
    shutil.copyfile(template_store, db)
    return f"sqlite:///{db}"


@pytest.fixture
def oof_frame():
    """Out-of-fold predictions shaped like irpredict.evaluation's (200 patients x 2 repeats)."""
    rng = np.random.default_rng(7)
    ids = [f"TNEO-{i:04d}" for i in range(200)]
    therapy = np.where(np.arange(200) % 2 == 0, "checkpoint_inhibitor", "chemotherapy")
    frames = []
    for repeat in range(2):
        frames.append(pd.DataFrame({
            "patient_id": ids, "repeat": repeat, "fold": rng.integers(0, 5, 200),
            "therapy_class": therapy, "y": rng.integers(0, 2, 200), "prob": rng.random(200),
            "model": "logistic",
        }))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def metrics_frame():
    """A tidy metrics frame: one row per therapy class plus overall."""
    groups = ["checkpoint_inhibitor", "chemotherapy", "overall"]
    auc = [0.71, 0.58, 0.66]
    return pd.DataFrame({
        "therapy_class": groups, "auc": auc,
        "auc_ci_low": [a - 0.08 for a in auc], "auc_ci_high": [a + 0.07 for a in auc],
        "brier": [0.2, 0.24, 0.22], "cal_slope": [0.9, np.nan, 1.1], "n": [100, 100, 200],
    })
