"""Fixtures of the reliability tests: migrated stores, a study factory, one trained run.

See :mod:`rel_helpers` for the tiny simulated study these build.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serving"))  # srv_helpers

from rel_helpers import run_id_of, write_study  # noqa: E402


@pytest.fixture(scope="session")
def template_store(tmp_path_factory):
    """A migrated, empty ``mlflow.db`` (copied, never written to)."""
    from irpredict.tracking import get_client, resolve_tracking_uri

    db = tmp_path_factory.mktemp("rel-template") / "mlruns" / "mlflow.db"
    get_client(resolve_tracking_uri(f"sqlite:///{db}"))
    return db


@pytest.fixture(scope="session")
def make_study(tmp_path_factory, template_store):
    """Factory: ``make_study(name=..., seed=..., ...)`` -> a :class:`Study` in a new folder."""
    def factory(name="relstudy", **kwargs):
        return write_study(tmp_path_factory.mktemp(name), name=name, template=template_store,
                           **kwargs)
    return factory


@pytest.fixture(scope="session")
def trained_study(make_study, cli):
    """(Study, CompletedProcess, parent run id) of one default ``irpredict train``."""
    study = make_study("relstudy")
    result = cli("train", study.experiment, "--tracking-uri", study.uri, cwd=study.folder)
    assert result.returncode == 0, result.stdout + result.stderr
    return study, result, run_id_of(result)
