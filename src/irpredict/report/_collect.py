"""What a training run holds: params, child-run metrics, figures, provenance, its model."""

import base64
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from irpredict.exceptions import ExperimentConfigError

__all__ = ["RunRecord", "collect_run"]


@dataclass
class RunRecord:
    """Everything the report reads from one parent training run.

    Attributes
    ----------
    run_id : str
    study : str
        From the run's experiment name ``irpredict/<study>``.
    params, tags : dict
        The parent run's params and tags.
    children : list of dict
        One entry per child run: ``name``, ``feature_set``, ``family``,
        ``run_id``, ``params``, ``metrics`` (tidy frame: therapy_class,
        metric, estimate, ci_low, ci_high) and ``figures`` (name -> base64 PNG).
    fingerprint : dict or None
        ``provenance/data_fingerprint.json``.
    environment : dict or None
        ``provenance/environment.json``.
    experiment_toml : str or None
        Text of the logged experiment file.
    experiment_path : pathlib.Path or None
        Where the logged experiment file was downloaded (inside ``workdir``).
    model_uri : str or None
        The run's model (registered version if any, else the logged model).
    """

    run_id: str
    study: str
    params: dict
    tags: dict
    children: list = field(default_factory=list)
    fingerprint: object = None
    environment: object = None
    experiment_toml: object = None
    experiment_path: object = None
    model_uri: object = None


def _b64(path):
    return base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _tidy_metrics(metrics):
    """``{"auc__overall": .., "auc_ci_low__overall": ..}`` -> tidy rows."""
    import pandas as pd

    rows = {}
    for key, value in metrics.items():
        if "__" not in key:
            continue
        name, group = key.split("__", 1)
        for suffix, col in (("_ci_low", "ci_low"), ("_ci_high", "ci_high")):
            if name.endswith(suffix):
                rows.setdefault((group, name.removesuffix(suffix)), {})[col] = value
                break
        else:
            rows.setdefault((group, name), {})["estimate"] = value
    frame = pd.DataFrame([{"therapy_class": g, "metric": m, **v} for (g, m), v in rows.items()])
    for col in ("estimate", "ci_low", "ci_high"):
        if col not in frame.columns:
            frame[col] = float("nan")
    return frame


def _check_artifact_folder(run):
    """A run whose local artifact folder is gone (a moved store) is said, rather than
    reported as a run that recorded nothing."""
    from urllib.parse import unquote, urlparse

    location = run.info.artifact_uri or ""
    parsed = urlparse(location)
    if parsed.scheme not in ("", "file"):
        return
    folder = Path(unquote(parsed.path))
    if not folder.exists():
        raise ExperimentConfigError(
            f"run {run.info.run_id}'s artifacts are recorded at {folder}, which does not exist: "
            "the store keeps absolute paths to the folders beside it, so a store moved or "
            "copied elsewhere needs them at their old place. Report it from where it was "
            "trained, or train again")


def _download(client, run_id, path, dst):
    try:
        return Path(client.download_artifacts(run_id, path, str(dst)))
    except Exception:  # noqa: BLE001 - an absent artifact is reported as "not recorded"
        return None


def _children(client, run):
    children = []
    found = client.search_runs([run.info.experiment_id],
                               filter_string=f"tags.mlflow.parentRunId = '{run.info.run_id}'")
    for child in sorted(found, key=lambda r: r.info.run_name or ""):
        figures = {}
        with tempfile.TemporaryDirectory(prefix="irpredict-report-") as tmp:
            folder = _download(client, child.info.run_id, "figures", tmp)
            if folder is not None and folder.is_dir():
                figures = {p.stem: _b64(p) for p in sorted(folder.glob("*.png"))}
        tags = child.data.tags
        children.append({
            "name": child.info.run_name, "run_id": child.info.run_id,
            "feature_set": tags.get("irpredict.feature_set", ""),
            "family": tags.get("irpredict.family", ""),
            "params": dict(child.data.params), "metrics": _tidy_metrics(child.data.metrics),
            "figures": figures,
        })
    return children


def _model_uri(client, run):
    run_id = run.info.run_id
    try:
        versions = client.search_model_versions(f"run_id = '{run_id}'")
    except Exception:  # noqa: BLE001
        versions = []
    if versions:
        best = max(versions, key=lambda v: int(v.version))
        return f"models:/{best.name}/{best.version}"
    try:
        logged = client.search_logged_models(experiment_ids=[run.info.experiment_id],
                                             filter_string=f"source_run_id = '{run_id}'")
    except Exception:  # noqa: BLE001
        logged = []
    return f"models:/{logged[0].model_id}" if logged else None


def collect_run(run_id, workdir, *, tracking_uri=None):
    """Read a parent training run and its child runs from the MLflow store.

    Parameters
    ----------
    run_id : str
        The parent run printed by ``irpredict train``.
    workdir : path-like
        Folder for downloaded artifacts (the experiment file stays there).
    tracking_uri : str or None

    Returns
    -------
    RunRecord

    Raises
    ------
    ExperimentConfigError
        When the run does not exist, is a child run or did not finish.
    """
    from irpredict.tracking.store import existing_store_client

    client = existing_store_client(tracking_uri)  # a mistyped store is not created
    run_id = run_id.strip()
    if run_id.startswith(("models:/", "runs:/")):
        raise ExperimentConfigError(
            f"--run takes the run id `irpredict train` printed (32 hexadecimal digits), not a "
            f"model URI ({run_id})")
    try:
        run = client.get_run(run_id)
    except Exception as exc:  # noqa: BLE001 - mlflow raises MlflowException
        raise ExperimentConfigError(
            f"run {run_id!r} is not in the store {client.tracking_uri}; give the run id that "
            "`irpredict train` printed (and the same --tracking-uri)") from exc
    if run.info.lifecycle_stage == "deleted":
        raise ExperimentConfigError(
            f"run {run_id} was deleted from the store {client.tracking_uri}; restore it "
            "(`mlflow ui`, or MlflowClient().restore_run) to report it, or report another run")
    parent = run.data.tags.get("mlflow.parentRunId")
    kind = run.data.tags.get("irpredict.kind")
    if parent:
        parent_kind = client.get_run(parent).data.tags.get("irpredict.kind")
        if parent_kind == "landmarks":
            kind = "landmarks"
        else:
            raise ExperimentConfigError(f"run {run_id} is a child run ({run.info.run_name}); "
                                        f"give its parent run {parent}")
    if kind == "landmarks":
        raise ExperimentConfigError(
            f"run {run_id} is an `irpredict landmarks` run; the report covers `irpredict train` "
            "runs. A landmarks run's results are the table it printed and its child runs' "
            "metrics (one per landmark day; `mlflow ui` shows them); report the study's train "
            "run instead")
    if run.info.status != "FINISHED":
        why = {"RUNNING": "still running, or stopped without being marked",
               "FAILED": "it stopped with an error", "KILLED": "it was interrupted"}.get(
            run.info.status, "it did not finish")
        raise ExperimentConfigError(
            f"run {run_id} has status {run.info.status} ({why}); a report needs a finished "
            "`irpredict train` run: run it again and report the run id it prints")
    _check_artifact_folder(run)
    experiment = client.get_experiment(run.info.experiment_id)
    study = experiment.name.removeprefix("irpredict/")
    record = RunRecord(run_id=run_id, study=study, params=dict(run.data.params),
                       tags=dict(run.data.tags))
    record.children = _children(client, run)
    prov = _download(client, run_id, "provenance", workdir)
    if prov is not None and prov.is_dir():
        for name, attr in (("data_fingerprint.json", "fingerprint"),
                           ("environment.json", "environment")):
            if (prov / name).is_file():
                setattr(record, attr, json.loads((prov / name).read_text(encoding="utf-8")))
        tomls = sorted(prov.glob("*.toml"))
        if tomls:
            record.experiment_path = tomls[0]
            record.experiment_toml = tomls[0].read_text(encoding="utf-8")
    record.model_uri = _model_uri(client, run)
    return record
