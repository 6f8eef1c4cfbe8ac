"""Study (parent) runs and their child runs, one per feature set x model family.

A ``train`` command reads like::

    with start_study_run("transneo", tags={"feature_set_ladder": "3"}) as study:
        log_provenance(study, cohort=cohort, experiment_file="experiments/transneo.toml")
        for feature_set, family in grid:
            oof = nested_cv(...)
            log_child_run(study, f"{feature_set}/{family}", params, summarize_predictions(oof), oof)

Runs are written with ``MlflowClient`` (no global active run), every write is
batched and retried on SQLite lock contention, and a run whose block raises
is ended ``FAILED`` (``KILLED`` on Ctrl-C), never ``FINISHED``.
"""

import contextlib
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from irpredict.tracking import artifacts as _art
from irpredict.tracking.privacy import new_salt, pseudonymise
from irpredict.tracking.store import (
    experiment_name,
    get_client,
    get_or_create_experiment,
    with_retry,
)

__all__ = ["StudyRun", "start_study_run", "log_child_run", "log_batch", "log_files"]

#: Tag marking a run as irpredict's, with the kind of run.
RUN_KIND_TAG = "irpredict.run_kind"


@dataclass
class StudyRun:
    """Handle on an open study (parent) run, yielded by :func:`start_study_run`.

    Attributes
    ----------
    client : mlflow.MlflowClient
        Client bound to the study's store.
    run_id : str
    experiment_id : str
    study : str
    tracking_uri : str
    log_patient_ids : bool
        Default for child runs: write raw patient ids (``True``) or salted
        hashes (``False``).
    children : list of str
        Ids of the child runs logged so far.
    """

    client: object
    run_id: str
    experiment_id: str
    study: str
    tracking_uri: str
    log_patient_ids: bool = False
    children: list = field(default_factory=list)
    _salt: bytes = field(default=b"", repr=False)

    @property
    def artifact_uri(self):
        """Artifact root URI of the parent run."""
        return with_retry(self.client.get_run, self.run_id).info.artifact_uri


def log_batch(client, run_id, *, params=None, metrics=None, tags=None):
    """Log params, metrics and tags of one run in as few store calls as possible.

    Parameters
    ----------
    client : mlflow.MlflowClient
    run_id : str
    params : mapping or None
        Flattened with :func:`irpredict.tracking.artifacts.flatten_params`.
    metrics : mapping of str to float or None
        Keys are sanitised.
    tags : mapping or None
        Values are stringified.
    """
    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    params = [Param(k, v) for k, v in _art.flatten_params(params).items()]
    metrics = [Metric(_art.sanitize_key(k), float(v), now, 0) for k, v in (metrics or {}).items()]
    tags = [RunTag(_art.sanitize_key(k), str(v)[:5000]) for k, v in (tags or {}).items()]
    if params or metrics or tags:
        with_retry(client.log_batch, run_id, metrics=metrics, params=params, tags=tags)


def log_files(client, run_id, folder, artifact_path=None):
    """Upload every file under ``folder`` to the run in one call (retried)."""
    if any(Path(folder).iterdir()):
        with_retry(client.log_artifacts, run_id, str(folder), artifact_path)


@contextlib.contextmanager
def start_study_run(study, *, tracking_uri=None, run_name=None, tags=None,
                    log_patient_ids=False):
    """Open the parent run of a study; end it FINISHED, FAILED or KILLED.

    Parameters
    ----------
    study : str
        Study name; the MLflow experiment is ``irpredict/<study>`` (created
        when absent).
    tracking_uri : str or None, default=None
        See :func:`irpredict.tracking.resolve_tracking_uri`.
    run_name : str or None, default=None
        Parent run name; ``None`` names it after the study and the UTC time it
        starts (``transneo 2026-11-27 06:30:12``).
    tags : mapping or None, default=None
        Extra tags on the parent run.
    log_patient_ids : bool, default=False
        Default for :func:`log_child_run`: ``False`` replaces patient ids in
        logged tables by HMAC hashes keyed with a random salt that is never
        logged (see :mod:`irpredict.tracking.privacy`).

    Yields
    ------
    StudyRun

    Raises
    ------
    TrackingError
        When the tracking URI is refused.

    Examples
    --------
    >>> with start_study_run("demo", tracking_uri="sqlite:///mlruns/mlflow.db") as study:
    ...     log_child_run(study, "clinical/logistic", {"C": 1.0}, metrics, oof)  # doctest: +SKIP
    """
    client = get_client(tracking_uri)
    name = experiment_name(study)
    experiment_id = get_or_create_experiment(client, name)
    all_tags = {"irpredict.study": str(study), RUN_KIND_TAG: "study"}
    all_tags.update({_art.sanitize_key(k): str(v) for k, v in (tags or {}).items()})
    if run_name is None:
        run_name = f"{study} {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())}"
    run = with_retry(client.create_run, experiment_id, run_name=run_name, tags=all_tags)
    handle = StudyRun(client=client, run_id=run.info.run_id, experiment_id=experiment_id,
                      study=str(study), tracking_uri=client.tracking_uri,
                      log_patient_ids=bool(log_patient_ids), _salt=new_salt())
    with _ended(client, handle.run_id):
        yield handle


@contextlib.contextmanager
def _ended(client, run_id):
    """End ``run_id`` with the status matching how the block exited."""
    from irpredict._interrupts import deliver_pending

    try:
        yield
        deliver_pending()  # a signal deferred until the block ended still ends the run KILLED
    except KeyboardInterrupt:
        _terminate(client, run_id, "KILLED", keep_going=True)
        raise
    except BaseException:
        _terminate(client, run_id, "FAILED", keep_going=True)
        raise
    _terminate(client, run_id, "FINISHED")


def _terminate(client, run_id, status, keep_going=False):
    """Set the run's final status; on the error path never mask the original error."""
    try:
        with_retry(client.set_terminated, run_id, status)
    except Exception:
        if not keep_going:
            raise
        logging.getLogger(__name__).warning("could not mark run %s %s", run_id, status,
                                            exc_info=True)


def log_child_run(parent, name, params, metrics_frame, oof_frame, figures=None,
                  artifacts=None, *, log_patient_ids=None, tags=None, oof_format="csv",
                  tables=None):
    """Log one feature set x model family as a child run of ``parent``.

    Parameters
    ----------
    parent : StudyRun
        From :func:`start_study_run`.
    name : str
        Run name, e.g. ``"clinical+baseline/xgboost"``.
    params : mapping or None
        Hyperparameters and settings; logged in one batch (nested mappings
        become dotted keys).
    metrics_frame : pandas.DataFrame or None
        Wide metrics, one row per therapy class plus ``"overall"`` and one column per
        metric (``auc``, ``auc_ci_low``, ...); flattened
        to ``<metric>__<group>`` (see
        :func:`irpredict.tracking.artifacts.flatten_metrics`) and also
        logged as ``metrics.csv``.
    oof_frame : pandas.DataFrame or None
        Out-of-fold predictions (``patient_id, repeat, fold, therapy_class,
        y, prob, model``); logged as ``oof_predictions.csv`` (or
        ``.parquet``) with ``patient_id`` hashed unless ``log_patient_ids``.
    figures : mapping of str to Figure, PNG bytes or path, optional
        Logged as ``figures/<name>.png``.
    artifacts : mapping of str to path, or list of paths, optional
        Extra files or folders, logged under their names.
    log_patient_ids : bool or None, default=None
        ``None`` uses the parent's setting.
    tags : mapping or None, default=None
        Extra tags.
    oof_format : {"csv", "parquet"}, default="csv"
    tables : mapping of str to pandas.DataFrame, optional
        Further tables, logged as ``<name>.csv`` (e.g. ``decision_curves``).

    Returns
    -------
    str
        The child run id. The child run is FINISHED when everything was
        logged and FAILED (then the error is re-raised) otherwise.
    """
    if oof_format not in ("csv", "parquet"):
        raise ValueError(f"oof_format must be 'csv' or 'parquet', got {oof_format!r}.")
    from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

    client = parent.client
    raw_ids = parent.log_patient_ids if log_patient_ids is None else bool(log_patient_ids)
    run_tags = {MLFLOW_PARENT_RUN_ID: parent.run_id, RUN_KIND_TAG: "candidate",
                "irpredict.study": parent.study, "irpredict.patient_ids": "raw" if raw_ids
                else "hmac-sha256 (per-run secret salt, not stored)"}
    run_tags.update({_art.sanitize_key(k): str(v) for k, v in (tags or {}).items()})
    run = with_retry(client.create_run, parent.experiment_id, run_name=name, tags=run_tags)
    run_id = run.info.run_id
    parent.children.append(run_id)
    with _ended(client, run_id):
        log_batch(client, run_id, params=params, metrics=_art.flatten_metrics(metrics_frame))
        with tempfile.TemporaryDirectory(prefix="irpredict-run-") as tmp:
            if metrics_frame is not None:
                _art.write_frame(metrics_frame, Path(tmp, "metrics.csv"))
            if oof_frame is not None:
                table = oof_frame if raw_ids else pseudonymise(oof_frame, parent._salt)
                _art.write_frame(table, Path(tmp, f"oof_predictions.{oof_format}"))
            for table_name, frame in (tables or {}).items():
                _art.write_frame(frame, Path(tmp, f"{_art.sanitize_key(table_name)}.csv"))
            _art.write_figures(figures, Path(tmp, "figures"))
            _art.copy_files(artifacts, tmp)
            log_files(client, run_id, tmp)
    return run_id
