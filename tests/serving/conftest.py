"""A small trained study and a running ``irpredict serve`` for the serving tests."""

import subprocess
import sys

import pytest
from srv_helpers import MODEL_URI, STUDY, free_port, server_env, stop, wait_ready  # noqa: F401


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory, cli):
    """(folder, tracking URI) of a trained and registered study ``srv``."""
    folder = tmp_path_factory.mktemp("srv")
    exp = folder / "srv.toml"
    exp.write_text(STUDY)
    uri = f"sqlite:///{folder}/mlflow.db"
    result = cli("train", exp, "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, uri


@pytest.fixture(scope="session")
def in_process(trained_model):
    """The registered model loaded in this process with mlflow.pyfunc."""
    import mlflow

    from irpredict.tracking.registry import _using

    _, uri = trained_model
    with _using(uri):  # no process-wide tracking URI: other tests use other stores
        return mlflow.pyfunc.load_model(MODEL_URI)


@pytest.fixture(scope="session")
def rows(in_process):
    """Real training rows (the logged input example) plus variants with missing values."""
    import numpy as np
    import pandas as pd

    example = in_process.input_example.reset_index(drop=True)
    holes = example.copy()
    numeric = [c for c in holes.columns if pd.api.types.is_numeric_dtype(holes[c])]
    holes.loc[0, numeric[:20]] = np.nan
    holes["therapy_class"] = list(in_process.unwrap_python_model().model.therapies)[:len(holes)]
    return pd.concat([example, holes], ignore_index=True)


@pytest.fixture(scope="session")
def irpredict_server(trained_model):
    """Port of a running ``irpredict serve`` (terminated at teardown)."""
    folder, uri = trained_model
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "irpredict", "serve", "--model", MODEL_URI, "--port", str(port),
         "--tracking-uri", uri], cwd=folder, env=server_env(uri),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_ready(proc, port)
        yield port
    finally:
        stop(proc)
