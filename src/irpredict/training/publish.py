"""Log a :class:`ResponseModel` as an MLflow pyfunc model (models from code)."""

import contextlib
import tempfile
from pathlib import Path

__all__ = ["log_response_model", "load_response_model"]

_REQUIREMENTS = ("scikit-learn", "xgboost", "pandas", "numpy", "scipy", "joblib", "mlflow",
                 "shap", "pandera")


def _pinned():
    from importlib import metadata

    out = []
    for name in _REQUIREMENTS:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out.append(f"{name}=={metadata.version(name)}")
    return out


def log_response_model(model, X_example, *, run, name="model"):
    """Log ``model`` to ``run`` as a pyfunc whose predict returns probabilities.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    X_example : pandas.DataFrame
        A few training rows (features and ``therapy_class``) for the signature.
    run : irpredict.tracking.StudyRun
    name : str, default="model"

    Returns
    -------
    str
        The logged model URI ``models:/m-<id>``.
    """
    import joblib
    import mlflow
    from mlflow.entities import LoggedModelStatus
    from mlflow.models import infer_signature

    from irpredict.serving import MODEL_CODE_PATH
    from irpredict.serving.pyfunc import RESPONSE_MODEL_ARTIFACT
    from irpredict.tracking.registry import _using
    from irpredict.tracking.store import with_retry

    example = X_example[model.input_columns].head(5)
    for col in model.feature_columns:
        if col not in model.categorical_columns:
            example[col] = example[col].astype(float)
    output = _example_output(model, example)
    signature = infer_signature(example, output)
    client = run.client
    logged = with_retry(client.create_logged_model, run.experiment_id, name=name,
                        source_run_id=run.run_id)
    try:
        with tempfile.TemporaryDirectory(prefix="irpredict-model-") as tmp:
            path = Path(tmp, "response_model.joblib")
            joblib.dump(model, path)
            with _using(client.tracking_uri):
                info = mlflow.pyfunc.log_model(
                    name=name, python_model=str(MODEL_CODE_PATH),
                    artifacts={RESPONSE_MODEL_ARTIFACT: str(path)}, signature=signature,
                    input_example=example, pip_requirements=_pinned(),
                    model_id=logged.model_id)
        with_retry(client.finalize_logged_model, logged.model_id, LoggedModelStatus.READY)
    except BaseException:
        with contextlib.suppress(Exception):
            client.finalize_logged_model(logged.model_id, LoggedModelStatus.FAILED)
        raise
    return info.model_uri


def _example_output(model, example):
    from irpredict.serving.pyfunc import IRPredictModel

    pyfunc = IRPredictModel()
    pyfunc.model = model
    return pyfunc.predict(None, example)


def load_response_model(model_uri, *, tracking_uri=None):
    """Load the :class:`ResponseModel` behind a model URI, a run id or a local folder.

    Parameters
    ----------
    model_uri : str
        ``models:/<name>@<alias>``, ``models:/<name>/<version>``,
        ``models:/m-<id>``, ``runs:/<run>/model`` or a local model folder.
    tracking_uri : str or None

    Returns
    -------
    irpredict.training.ResponseModel
    """
    import mlflow

    from irpredict.tracking import resolve_model_uri
    from irpredict.tracking.registry import _using
    from irpredict.tracking.store import get_client, quiet_mlflow

    quiet_mlflow()
    client = get_client(tracking_uri)
    uri = resolve_model_uri(model_uri, client=client)
    with _using(client.tracking_uri):
        pyfunc = mlflow.pyfunc.load_model(uri)
    return pyfunc.unwrap_python_model().model
