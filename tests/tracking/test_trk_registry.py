"""Model logging, registration with a guarded alias, and model URI resolution."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from irpredict.tracking import (
    TrackingError,
    log_sklearn_model,
    register_model,
    resolve_model_uri,
    start_study_run,
)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["til_pct", "ki67", "age"])
    y = (X["til_pct"] + rng.normal(scale=0.5, size=60) > 0).astype(int)
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X


def _log(store, fitted, study="reg"):
    model, X = fitted
    with start_study_run(study, tracking_uri=store) as run:
        uri = log_sklearn_model(model, X, "model", run=run)
    return run, uri


def test_logged_model_loads_and_predicts_probabilities(store, fitted):
    import mlflow

    run, uri = _log(store, fitted)
    assert uri.startswith("models:/m-")
    model, X = fitted
    local = Path(run.client.get_logged_model(uri.removeprefix("models:/")).artifact_location
                 .removeprefix("file://"))
    assert local.is_relative_to(Path(store.removeprefix("sqlite:///")).parent)
    requirements = (local / "requirements.txt").read_text()
    assert "scikit-learn==" in requirements
    loaded = mlflow.pyfunc.load_model(str(local))
    assert loaded.metadata.signature is not None
    np.testing.assert_allclose(loaded.predict(X.head(4)), model.predict(X.head(4)))


def test_alias_moves_to_each_good_version(store, fitted, monkeypatch):
    run, first = _log(store, fitted)
    v1 = register_model(first, "reg", client=run.client, tags={"auc": 0.7})
    assert v1.status == "READY"
    assert v1.aliases == ["champion"]
    assert v1.tags["auc"] == "0.7"
    _, second = _log(store, fitted)
    v2 = register_model(second, "reg", client=run.client)
    champion = run.client.get_model_version_by_alias("reg", "champion")
    assert champion.version == v2.version != v1.version
    assert resolve_model_uri("models:/reg@champion", client=run.client) == "models:/reg@champion"
    import mlflow

    from irpredict.tracking.registry import _using

    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    model, X = fitted
    with _using(store):  # a URI set process-wide by another test must not win
        champion_model = mlflow.pyfunc.load_model(resolve_model_uri("models:/reg@champion"))
    np.testing.assert_allclose(champion_model.predict(X.head(3)), model.predict(X.head(3)))


def test_missing_artifact_leaves_alias_on_previous_version(store, fitted):
    run, good = _log(store, fitted)
    v1 = register_model(good, "guarded", client=run.client)
    client = run.client
    with pytest.raises(TrackingError, match="alias 'champion'"):
        register_model(f"runs:/{run.run_id}/no_such_model", "guarded", client=client)
    assert client.get_model_version_by_alias("guarded", "champion").version == v1.version

    # a model whose files vanished after logging: the version is created, then discarded
    _, vanished = _log(store, fitted)
    location = client.get_logged_model(vanished.removeprefix("models:/")).artifact_location
    shutil.rmtree(location.removeprefix("file://"))
    with pytest.raises(TrackingError, match="no MLmodel file") as info:
        register_model(vanished, "guarded", client=client)
    assert "left on the previous version" in str(info.value)
    assert client.get_model_version_by_alias("guarded", "champion").version == v1.version
    versions = {int(v.version) for v in client.search_model_versions("name = 'guarded'")}
    assert versions == {int(v1.version)}


def test_model_file_missing_behind_a_present_mlmodel_is_caught(store, fitted):
    run, good = _log(store, fitted)
    v1 = register_model(good, "partial", client=run.client)
    _, partial = _log(store, fitted)
    location = run.client.get_logged_model(partial.removeprefix("models:/")).artifact_location
    folder = Path(location.removeprefix("file://"))
    model_files = [p for p in folder.iterdir() if p.name.startswith("model.")]
    assert model_files  # model.skops or model.pkl
    for path in model_files:
        path.unlink()
    with pytest.raises(TrackingError, match=r"flavour's \w+ 'model\.\w+' is missing"):
        register_model(partial, "partial", client=run.client)
    assert run.client.get_model_version_by_alias("partial", "champion").version == v1.version


def test_resolve_model_uri_errors_name_what_exists(store, fitted):
    run, uri = _log(store, fitted)
    register_model(uri, "known", client=run.client)
    client = run.client
    with pytest.raises(TrackingError, match=r"no registered model named 'nope'.*\['known'\]"):
        resolve_model_uri("models:/nope@champion", client=client)
    with pytest.raises(TrackingError, match=r"no alias 'staging' \(aliases: \['champion'\]\)"):
        resolve_model_uri("models:/known@staging", client=client)
    with pytest.raises(TrackingError, match="has no version 9"):
        resolve_model_uri("models:/known/9", client=client)
    assert resolve_model_uri("models:/known/1", client=client) == "models:/known/1"
    assert resolve_model_uri(run.run_id, client=client) == uri
    # MLflow 3 keeps a run's logged model apart from its artifacts; runs:/<id>/<name> finds it
    assert resolve_model_uri(f"runs:/{run.run_id}/model", client=client) == uri
    with pytest.raises(TrackingError, match="has no artifact 'other'"):
        resolve_model_uri(f"runs:/{run.run_id}/other", client=client)
    with pytest.raises(TrackingError, match="does not exist"):
        resolve_model_uri("0" * 32, client=client)
    with pytest.raises(TrackingError, match="neither an existing path nor a model URI"):
        resolve_model_uri("/no/such/model")


def test_resolve_local_folder(tmp_path, store, fitted):
    run, uri = _log(store, fitted)
    folder = run.client.get_logged_model(uri.removeprefix("models:/")).artifact_location
    folder = folder.removeprefix("file://")
    assert resolve_model_uri(folder) == str(Path(folder).resolve())
    with pytest.raises(TrackingError, match="holds no MLmodel file"):
        resolve_model_uri(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model")
    with pytest.raises(TrackingError, match=r"notes\.txt is a file, not a model folder"):
        resolve_model_uri(notes)


def test_cloudpickle_serialization_can_be_chosen(store, fitted):
    import mlflow

    model, X = fitted
    with start_study_run("reg-pickle", tracking_uri=store) as run:
        uri = log_sklearn_model(model, X, "model", run=run, serialization_format="cloudpickle")
    folder = Path(run.client.get_logged_model(uri.removeprefix("models:/")).artifact_location
                  .removeprefix("file://"))
    assert (folder / "model.pkl").is_file()
    version = register_model(uri, "reg-pickle", client=run.client)
    assert version.aliases == ["champion"]
    loaded = mlflow.pyfunc.load_model(str(folder))
    np.testing.assert_allclose(loaded.predict(X.head(3)), model.predict(X.head(3)))
