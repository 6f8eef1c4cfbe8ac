"""Log a :class:`~irpredict.monitoring.LandmarkModels` bundle as an MLflow pyfunc
model and load it back from a model URI, a run or a local folder."""

import contextlib
import tempfile
from dataclasses import replace
from pathlib import Path

__all__ = ["log_landmark_models", "load_landmark_models", "MODEL_CODE_PATH"]

#: The models-from-code file MLflow loads (see :mod:`irpredict.monitoring.pyfunc`).
MODEL_CODE_PATH = Path(__file__).with_name("_model_code.py")


def _shareable(bundle):
    """The bundle without out-of-fold predictions (they carry patient ids)."""
    evaluation = bundle.evaluation
    if evaluation is not None:
        evaluation = replace(evaluation, oof=None)
    return replace(bundle, evaluation=evaluation)


def log_landmark_models(bundle, *, run, name="landmark_models"):
    """Log ``bundle`` to ``run`` as a pyfunc model.

    Parameters
    ----------
    bundle : irpredict.monitoring.LandmarkModels
    run : irpredict.tracking.StudyRun
    name : str, default="landmark_models"

    Returns
    -------
    str
        The logged model URI ``models:/m-<id>``.
    """
    import joblib
    import mlflow
    from mlflow.entities import LoggedModelStatus

    from irpredict.monitoring.pyfunc import BUNDLE_ARTIFACT
    from irpredict.tracking.model_env import bundled_code, pinned_requirements
    from irpredict.tracking.registry import _using
    from irpredict.tracking.store import with_retry

    client = run.client
    logged = with_retry(client.create_logged_model, run.experiment_id, name=name,
                        source_run_id=run.run_id)
    try:
        with tempfile.TemporaryDirectory(prefix="irpredict-landmarks-") as tmp, \
                bundled_code() as code_paths:
            path = Path(tmp, "landmark_models.joblib")
            joblib.dump(_shareable(bundle), path)
            with _using(client.tracking_uri):
                info = mlflow.pyfunc.log_model(
                    name=name, python_model=str(MODEL_CODE_PATH),
                    artifacts={BUNDLE_ARTIFACT: str(path)},
                    pip_requirements=pinned_requirements(), code_paths=code_paths,
                    signature=False, model_id=logged.model_id)
        with_retry(client.finalize_logged_model, logged.model_id, LoggedModelStatus.READY)
    except BaseException:
        with contextlib.suppress(Exception):
            client.finalize_logged_model(logged.model_id, LoggedModelStatus.FAILED)
        raise
    return info.model_uri


def load_landmark_models(model_uri, *, tracking_uri=None):
    """Load the landmark bundle behind a model URI, a run id or a local folder.

    Parameters
    ----------
    model_uri : str
        ``models:/<study>-landmarks@champion``, ``models:/<name>/<version>``,
        ``models:/m-<id>``, ``runs:/<run>/landmark_models``, a run id or a
        local model folder.
    tracking_uri : str or None

    Returns
    -------
    irpredict.monitoring.LandmarkModels

    Raises
    ------
    TrackingError
        When the URI names nothing, or a model that is not a landmark bundle.
    """
    from irpredict._artifacts import load_pyfunc
    from irpredict.tracking import TrackingError
    from irpredict.tracking.registry import loading_from
    from irpredict.tracking.resolve import locate_model
    from irpredict.tracking.store import quiet_mlflow

    quiet_mlflow()
    uri, store = locate_model(model_uri, tracking_uri=tracking_uri)
    with loading_from(store):
        pyfunc = load_pyfunc(uri, model_uri)
    bundle = getattr(pyfunc.unwrap_python_model(), "bundle", None)
    if bundle is None:
        raise TrackingError(
            f"{model_uri!r} is not a landmark-model bundle (it is a single response model?); "
            "train one with 'irpredict landmarks EXPERIMENT.toml' and pass "
            "models:/<study>-landmarks@champion.")
    return bundle
