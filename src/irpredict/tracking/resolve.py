"""Turning what a user typed into a loadable model URI, with clear errors."""

import re
from pathlib import Path

from irpredict.tracking.registry import _get_run, _model_of_run
from irpredict.tracking.store import TrackingError, get_client, with_retry

__all__ = ["resolve_model_uri", "locate_model", "model_provenance"]

_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
_FORMS = ("'models:/<name>@<alias>', 'models:/<name>/<version>', 'models:/m-<id>', "
          "'runs:/<run id>/<path>', a run id, or a folder holding an MLmodel file")


def resolve_model_uri(ref, *, tracking_uri=None, client=None):
    """Check that ``ref`` names an existing model and return its URI.

    Parameters
    ----------
    ref : str or path-like
        ``models:/<name>@<alias>`` (e.g. ``models:/transneo@champion``),
        ``models:/<name>/<version>``, ``models:/m-<id>``,
        ``runs:/<run id>/<path>``, a bare run id (its newest logged model),
        or a local folder with an ``MLmodel`` file.
    tracking_uri : str or None, default=None
        See :func:`irpredict.tracking.resolve_tracking_uri`; unused for
        local folders.
    client : mlflow.MlflowClient or None, default=None

    Returns
    -------
    str
        A URI ``mlflow.pyfunc.load_model`` accepts (an absolute path for a
        local folder).

    Raises
    ------
    TrackingError
        Naming what was not found (registered model, alias, version, run,
        path) and what exists instead.

    Examples
    --------
    >>> resolve_model_uri("models:/transneo@champion")  # doctest: +SKIP
    'models:/transneo@champion'
    """
    text = str(ref).strip()
    if text.startswith("models:/") or text.startswith("runs:/") or _RUN_ID.match(text):
        client = client or get_client(tracking_uri)
        if text.startswith("runs:/"):
            return _check_run_path(client, text)
        if _RUN_ID.match(text):
            return _model_of_run(client, text)
        return _check_models_uri(client, text)
    return _check_local(text)


def locate_model(ref, *, tracking_uri=None):
    """Where to load a model from, opening a store only when the model lives in one.

    Parameters
    ----------
    ref : str or path-like
        As for :func:`resolve_model_uri`.
    tracking_uri : str or None, default=None

    Returns
    -------
    uri : str
        For ``mlflow.pyfunc.load_model``.
    store : str or None
        The store's tracking URI, ``None`` for a local folder (no store is
        opened or created for it).

    Raises
    ------
    TrackingError
        From :func:`resolve_model_uri`, or when the SQLite store named does
        not exist (it is not created).
    """
    from irpredict.tracking.store import existing_store_client

    text = str(ref).strip()
    if text.startswith("models:/") or text.startswith("runs:/") or _RUN_ID.match(text):
        client = existing_store_client(tracking_uri)
        return resolve_model_uri(text, client=client), client.tracking_uri
    return _check_local(text), None


def model_provenance(ref, *, tracking_uri=None):
    """What a model reference stands for now: an alias moves with every ``train``, so a
    result scored with ``models:/<study>@champion`` records the version and run behind it.

    Parameters
    ----------
    ref : str or path-like
        As for :func:`resolve_model_uri` (already checked to exist).
    tracking_uri : str or None, default=None

    Returns
    -------
    dict
        ``model_version`` (``models:/<name>/<n>``) for a registered model, ``run_id`` of the
        training run where the store knows it, or ``model_path`` for a local folder.
    """
    from mlflow.exceptions import MlflowException

    from irpredict.tracking.store import existing_store_client

    text = str(ref).strip()
    if not (text.startswith("models:/") or text.startswith("runs:/") or _RUN_ID.match(text)):
        return _folder_provenance(Path(text).expanduser().resolve())
    if text.startswith("runs:/"):
        return {"run_id": text[len("runs:/"):].split("/")[0]}
    if _RUN_ID.match(text):
        return {"run_id": text}
    body = text[len("models:/"):].strip("/")
    client = existing_store_client(tracking_uri)
    try:
        if body.startswith("m-") and "/" not in body and "@" not in body:
            return {"run_id": with_retry(client.get_logged_model, body).source_run_id}
        if "@" in body:
            name, alias = body.split("@", 1)
            version = with_retry(client.get_model_version_by_alias, name, alias)
        else:
            name, _, number = body.rpartition("/")
            version = with_retry(client.get_model_version, name, number)
    except MlflowException:
        return {}
    run_id = version.run_id or (version.tags or {}).get("run_id")
    return {"model_version": f"models:/{name}/{version.version}",
            **({"run_id": run_id} if run_id else {})}


def _folder_provenance(folder):
    """A model folder's path, and the registered version and logged model it was exported
    from (``registered_model_meta`` and ``MLmodel``), when it says."""
    import yaml

    out = {"model_path": str(folder)}
    try:
        meta = yaml.safe_load((folder / "registered_model_meta").read_text()) or {}
        if meta.get("model_name") and meta.get("model_version") is not None:
            out["model_version"] = f"models:/{meta['model_name']}/{meta['model_version']}"
        model_id = (yaml.safe_load((folder / "MLmodel").read_text()) or {}).get("model_id")
        if model_id:
            out["logged_model"] = f"models:/{model_id}"
    except (OSError, yaml.YAMLError, AttributeError):
        pass  # a folder that says less is still the model given
    return out


def _check_models_uri(client, uri):
    body = uri[len("models:/"):].strip("/")
    if body.startswith("m-") and "/" not in body and "@" not in body:
        return _check_logged_model(client, uri, body)
    if "@" in body:
        name, alias = body.split("@", 1)
        registered = _registered(client, name)
        if alias not in (registered.aliases or {}):
            known = sorted(registered.aliases or {})
            raise TrackingError(
                f"registered model {name!r} has no alias {alias!r} (aliases: {known or 'none'}); "
                f"register a version with that alias or use 'models:/{name}/<version>'."
            )
        return uri
    name, _, version = body.rpartition("/")
    if not name or not version.isdigit():
        raise TrackingError(f"{uri!r} is not a model URI; use {_FORMS}.")
    _registered(client, name)
    from mlflow.exceptions import MlflowException

    try:
        with_retry(client.get_model_version, name, version)
    except MlflowException as exc:
        raise TrackingError(
            f"registered model {name!r} has no version {version}; list versions in the MLflow "
            f"UI or use 'models:/{name}@champion'."
        ) from exc
    return uri


def _registered(client, name):
    from mlflow.exceptions import MlflowException

    try:
        return with_retry(client.get_registered_model, name)
    except MlflowException as exc:
        known = [m.name for m in with_retry(client.search_registered_models, max_results=20)]
        raise TrackingError(
            f"no registered model named {name!r} in {client.tracking_uri} (known: "
            f"{known[:5] or 'none'}{' ...' if len(known) > 5 else ''}); train and register one "
            "first or pass --tracking-uri for the right store."
        ) from exc


def _check_logged_model(client, uri, model_id):
    from mlflow.exceptions import MlflowException

    try:
        with_retry(client.get_logged_model, model_id)
    except MlflowException as exc:
        raise TrackingError(
            f"no logged model {model_id!r} in {client.tracking_uri}; check the id or pass "
            "--tracking-uri for the store it was logged to."
        ) from exc
    return uri


def _check_run_path(client, uri):
    run_id, _, path = uri[len("runs:/"):].partition("/")
    _get_run(client, run_id)
    parent = str(Path(path).parent) if "/" in path.strip("/") else None
    listed = {f.path for f in with_retry(client.list_artifacts, run_id, parent)}
    if path.strip("/") not in listed:
        logged = _logged_model_named(client, run_id, path.strip("/"))
        if logged is not None:  # MLflow 3 keeps logged models apart from the run's artifacts
            return logged
        raise TrackingError(
            f"run {run_id} has no artifact {path!r} (found: {sorted(listed)[:5] or 'none'}); "
            "check the artifact path in the MLflow UI."
        )
    return uri


def _logged_model_named(client, run_id, name):
    """``models:/m-<id>`` of the run's newest ready logged model called ``name``, or None."""
    run = with_retry(client.get_run, run_id)
    models = with_retry(client.search_logged_models, experiment_ids=[run.info.experiment_id],
                        filter_string=f"source_run_id = '{run_id}'",
                        order_by=[{"field_name": "creation_time", "ascending": False}])
    ready = [m for m in models if m.name == name and str(m.status).endswith("READY")]
    return f"models:/{ready[0].model_id}" if ready else None


def _check_local(text):
    path = Path(text).expanduser()
    if not path.exists():
        raise TrackingError(f"{text!r} is neither an existing path nor a model URI; use {_FORMS}.")
    folder = path if path.is_dir() else path.parent
    if not (folder / "MLmodel").is_file():
        what = (f"{folder} holds" if path.is_dir()
                else f"{text} is a file, not a model folder, and its folder {folder} holds")
        raise TrackingError(
            f"{what} no MLmodel file, so it is not an MLflow model folder; point at the "
            "folder a model was saved to, or use a 'models:/' URI."
        )
    _check_mlmodel(folder / "MLmodel")
    return str(folder.resolve())


def _check_mlmodel(path):
    """Refuse an MLmodel file that is not YAML with a ``flavors`` table."""
    import yaml

    try:
        spec = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())
        raise TrackingError(
            f"{path} is not a readable MLmodel file ({reason}); the model folder is damaged: "
            "export or download the model again."
        ) from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("flavors"), dict):
        raise TrackingError(
            f"{path} has no 'flavors' table, so it does not describe an MLflow model; export "
            "or download the model again."
        )
