"""Logging, registering and finding models.

The registry uses aliases, never stages: :func:`register_model` creates a
version, waits until it is READY, checks its files are really there, and
only then moves the alias (``champion`` by default). If any step fails the
alias stays where it was and the new version is deleted (or, if even that
fails, tagged ``irpredict.valid=false``).
"""

import contextlib
import io
import re
import tempfile
import time
from pathlib import Path

from irpredict.tracking.model_env import pinned_requirements
from irpredict.tracking.store import TrackingError, get_client, with_retry

__all__ = ["log_sklearn_model", "register_model"]

#: Files the sklearn flavour needs; the caller may override the list.
_SKLEARN_REQUIREMENTS = ("scikit-learn", "numpy", "pandas", "scipy", "skops", "cloudpickle")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
#: MLmodel flavour keys that name a file or folder of the model.
_FLAVOR_FILE_KEYS = ("pickled_model", "model_path", "data", "model_data")


@contextlib.contextmanager
def _using(uri):
    """Point MLflow's fluent API at ``uri`` for the block, then restore it."""
    import mlflow

    try:
        from mlflow.tracking._tracking_service.utils import _use_tracking_uri
    except ImportError:  # pragma: no cover - private helper moved
        mlflow.set_tracking_uri(uri)
        yield
        return
    with _use_tracking_uri(uri):
        yield


def loading_from(store):
    """:func:`_using` ``store`` for the block; nothing for a local folder (``store`` None)."""
    return contextlib.nullcontext() if store is None else _using(store)


def log_sklearn_model(model, X_example, name="model", *, run, pip_requirements=None,
                      serialization_format=None):
    """Log a fitted scikit-learn estimator as an MLflow model of ``run``.

    The signature is inferred from ``X_example`` (a few rows) and the
    model's positive-class probability; requirements are pinned from the
    installed versions instead of being inferred (inference costs seconds).

    Parameters
    ----------
    model : sklearn estimator
        Fitted; should implement ``predict_proba``.
    X_example : pandas.DataFrame
        A few input rows with the training columns.
    name : str, default="model"
        Model name within the run.
    run : irpredict.tracking.StudyRun
        The (open) run the model belongs to; the model lands in its
        experiment's artifact folder.
    pip_requirements : list of str or None, default=None
        ``None`` pins scikit-learn, numpy, pandas, scipy, skops, cloudpickle.
    serialization_format : {"skops", "cloudpickle", "pickle"} or None, default=None
        ``None`` keeps MLflow's default (skops, which refuses to load classes
        it does not trust; irpredict's own estimators may need
        ``"cloudpickle"``).

    Returns
    -------
    str
        The model URI ``models:/m-<id>``, for :func:`register_model`.
    """
    import mlflow
    from mlflow.entities import LoggedModelStatus
    from mlflow.models import infer_signature

    example = X_example.head(5)
    output = model.predict_proba(example)[:, 1] if hasattr(model, "predict_proba") \
        else model.predict(example)
    signature = infer_signature(example, output)
    requirements = list(pip_requirements) if pip_requirements is not None \
        else pinned_requirements(_SKLEARN_REQUIREMENTS)
    extra = {} if serialization_format is None else {"serialization_format": serialization_format}
    client = run.client
    logged = with_retry(client.create_logged_model, run.experiment_id, name=name,
                        source_run_id=run.run_id)
    try:
        with _using(client.tracking_uri):
            info = mlflow.sklearn.log_model(model, name=name, model_id=logged.model_id,
                                            run_id=run.run_id, signature=signature,
                                            pip_requirements=requirements, **extra)
        with_retry(client.finalize_logged_model, logged.model_id, LoggedModelStatus.READY)
    except BaseException:
        with contextlib.suppress(Exception):
            client.finalize_logged_model(logged.model_id, LoggedModelStatus.FAILED)
        raise
    return info.model_uri


def register_model(model_uri, name, *, alias="champion", tags=None, tracking_uri=None,
                   client=None, timeout=300):
    """Register a model version and move ``alias`` to it only if it is sound.

    Parameters
    ----------
    model_uri : str
        ``models:/m-<id>`` (from :func:`log_sklearn_model`),
        ``runs:/<run id>/<path>``, or a run id.
    name : str
        Registered model name (created when absent), e.g. the study name.
    alias : str or None, default="champion"
        Alias moved to the new version once it is READY and its files are
        verified; ``None`` moves no alias.
    tags : mapping or None, default=None
        Tags on the new version.
    tracking_uri : str or None, default=None
        See :func:`irpredict.tracking.resolve_tracking_uri`.
    client : mlflow.MlflowClient or None, default=None
        Reuse an open client (for instance ``StudyRun.client``).
    timeout : float, default=300
        Seconds to wait for the version to become READY.

    Returns
    -------
    mlflow.entities.model_registry.ModelVersion
        The new, verified version.

    Raises
    ------
    TrackingError
        When the source cannot be found, the version fails to become READY,
        or its files are missing; the alias then still points at the
        previous version.

    Examples
    --------
    >>> uri = log_sklearn_model(pipeline, X.head(), "model", run=study)  # doctest: +SKIP
    >>> register_model(uri, "transneo", client=study.client).version  # doctest: +SKIP
    '3'
    """
    import mlflow

    client = client or get_client(tracking_uri)
    source = _registrable(client, model_uri)
    try:
        with _using(client.tracking_uri), contextlib.redirect_stderr(io.StringIO()):
            version = with_retry(mlflow.register_model, source, name,
                                 await_registration_for=0,
                                 tags={k: str(v) for k, v in (tags or {}).items()} or None)
    except Exception as exc:
        raise TrackingError(
            f"could not register {model_uri!r} as {name!r}: {exc}; the alias {alias!r} is "
            "unchanged. Check the URI with irpredict.tracking.resolve_model_uri."
        ) from exc
    try:
        version = _wait_ready(client, name, version.version, timeout)
        _verify_files(client, name, version.version)
        if alias:
            with_retry(client.set_registered_model_alias, name, alias, version.version)
    except Exception as exc:
        _discard(client, name, version.version, exc)
        raise TrackingError(
            f"model {name!r} version {version.version} from {model_uri!r} is unusable ({exc}); "
            f"it was discarded and the alias {alias!r} was left on the previous version. "
            "Log the model again and re-register it."
        ) from exc
    return with_retry(client.get_model_version, name, version.version)


def _registrable(client, model_uri):
    uri = str(model_uri)
    if _RUN_ID.match(uri):
        return _model_of_run(client, uri)
    if uri.startswith(("models:/", "runs:/")):
        return uri
    raise TrackingError(
        f"cannot register {uri!r}: pass 'models:/m-<id>' (from log_sklearn_model), "
        "'runs:/<run id>/<path>' or a run id."
    )


def _wait_ready(client, name, version, timeout):
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        current = with_retry(client.get_model_version, name, version)
        if current.status == "READY":
            return current
        if current.status == "FAILED_REGISTRATION" or time.monotonic() > deadline:
            raise RuntimeError(f"status {current.status} ({current.status_message or 'no detail'})")
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def _verify_files(client, name, version):
    """Raise unless the version's folder has an MLmodel and every flavour's model file."""
    from mlflow.models import Model
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    location = with_retry(client.get_model_version_download_uri, name, version)
    repo = get_artifact_repository(location)
    try:
        files = {Path(f.path).name for f in repo.list_artifacts()}
    except Exception as exc:  # an unreachable location counts as missing files
        files = set()
        detail = f"{type(exc).__name__}: {exc}"
    else:
        detail = f"found {sorted(files)[:5] or 'nothing'}"
    if "MLmodel" not in files:
        raise RuntimeError(f"no MLmodel file at {location} ({detail})")
    with tempfile.TemporaryDirectory(prefix="irpredict-verify-") as tmp:
        flavors = Model.load(repo.download_artifacts("MLmodel", dst_path=tmp)).flavors
    for flavor, conf in flavors.items():
        for key in _FLAVOR_FILE_KEYS:
            target = conf.get(key) if isinstance(conf, dict) else None
            if isinstance(target, str) and Path(target).parts[0] not in files:
                raise RuntimeError(f"the {flavor} flavour's {key} {target!r} is missing at "
                                   f"{location} ({detail})")


def _discard(client, name, version, reason):
    try:
        with_retry(client.delete_model_version, name, version)
    except Exception:  # keep the original error; mark the version instead
        with contextlib.suppress(Exception):
            client.set_model_version_tag(name, version, "irpredict.valid", "false")
            client.set_model_version_tag(name, version, "irpredict.invalid_reason",
                                         str(reason)[:500])


def _model_of_run(client, run_id):
    run = _get_run(client, run_id)
    models = with_retry(client.search_logged_models, experiment_ids=[run.info.experiment_id],
                        filter_string=f"source_run_id = '{run_id}'",
                        order_by=[{"field_name": "creation_time", "ascending": False}])
    ready = [m for m in models if str(m.status).endswith("READY")]
    if not ready:
        parent = run.data.tags.get("mlflow.parentRunId")
        if parent:
            raise TrackingError(
                f"run {run_id} is a child run ({run.info.run_name}: one feature set and "
                f"family, evaluated by cross-validation, no model kept); its parent run "
                f"{parent} holds the final model: pass that, or 'models:/<study>@champion'.")
        raise TrackingError(
            f"run {run_id} has no logged model; pass the run id `irpredict train` printed, or "
            "'models:/<study>@champion'.")
    return f"models:/{ready[0].model_id}"


def _get_run(client, run_id):
    from mlflow.exceptions import MlflowException

    try:
        run = with_retry(client.get_run, run_id)
    except MlflowException as exc:
        raise TrackingError(
            f"run {run_id} does not exist in {client.tracking_uri}; check the id or pass "
            "--tracking-uri for the store it was logged to."
        ) from exc
    if run.info.lifecycle_stage == "deleted":
        raise TrackingError(
            f"run {run_id} was deleted from the store {client.tracking_uri}; restore it "
            "(`mlflow ui`, or MlflowClient().restore_run) to use its model.")
    return run
