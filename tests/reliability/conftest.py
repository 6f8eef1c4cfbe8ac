"""Fixtures of the reliability tests: migrated stores, a study factory, one trained run.

See :mod:`rel_helpers` for the tiny simulated study these build.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serving"))  # srv_helpers

from rel_helpers import run_id_of, write_study  # noqa: E402
from srv_helpers import free_port  # noqa: E402

MODEL = "models:/relstudy@champion"


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


@pytest.fixture(scope="session")
def ids_study(make_study, cli):
    """(Study, CompletedProcess, run id): the same study trained again, with --log-patient-ids.

    Its own store is shared by the privacy test (ids kept) and the determinism test
    (same seed as ``trained_study``). It runs in a new interpreter, so that the two runs also
    differ in their string hash seed, as two runs of a user's do.
    """
    study = make_study("relstudy")
    result = cli("train", study.experiment, "--tracking-uri", study.uri, "--log-patient-ids",
                 cwd=study.folder, fresh=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return study, result, run_id_of(result)


@pytest.fixture(scope="session")
def served(trained_study):
    """(port, pid, one valid record) of ``irpredict serve`` (default --host) on the champion."""
    import mlflow
    from srv_helpers import server_env, stop, wait_ready

    from irpredict.tracking.registry import _using

    study = trained_study[0]
    with _using(study.uri):
        example = mlflow.pyfunc.load_model(MODEL).input_example.head(1)
    record = json.loads(example.to_json(orient="records"))[0]
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "irpredict", "serve", "--model", MODEL, "--port", str(port),
         "--tracking-uri", study.uri], cwd=study.folder, env=server_env(study.uri),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_ready(proc, port)
        yield port, proc.pid, record
    finally:
        stop(proc)
