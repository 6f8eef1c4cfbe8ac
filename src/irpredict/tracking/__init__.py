"""MLflow tracking: the store, study and child runs, provenance, the model registry.

This is the only irpredict package that imports :mod:`mlflow`, always inside
functions, so ``import irpredict.tracking`` is cheap. The local default
store is ``sqlite:///<cwd>/mlruns/mlflow.db`` with artifacts in
``<cwd>/mlruns/``; ``--tracking-uri`` / ``MLFLOW_TRACKING_URI`` override it.

Examples
--------
>>> from irpredict.tracking import start_study_run, log_child_run  # doctest: +SKIP
>>> with start_study_run("transneo") as study:                      # doctest: +SKIP
...     log_provenance(study, cohort=cohort, experiment_file=toml_path)
...     log_child_run(study, "clinical/logistic", params, metrics, oof)
...     uri = log_sklearn_model(pipeline, X.head(), run=study)
... register_model(uri, "transneo", client=study.client)
"""

from irpredict.tracking.artifacts import flatten_metrics, flatten_params, sanitize_key
from irpredict.tracking.fingerprint import cohort_fingerprint, table_digest
from irpredict.tracking.privacy import hash_ids, new_salt, pseudonymise
from irpredict.tracking.provenance import environment_info, git_info, log_provenance
from irpredict.tracking.registry import log_sklearn_model, register_model
from irpredict.tracking.resolve import resolve_model_uri
from irpredict.tracking.runs import StudyRun, log_batch, log_child_run, start_study_run
from irpredict.tracking.store import (
    TrackingError,
    artifact_root,
    experiment_name,
    get_client,
    get_or_create_experiment,
    quiet_mlflow,
    resolve_tracking_uri,
    with_retry,
)

__all__ = [
    "TrackingError",
    "StudyRun",
    "artifact_root",
    "cohort_fingerprint",
    "environment_info",
    "experiment_name",
    "flatten_metrics",
    "flatten_params",
    "get_client",
    "get_or_create_experiment",
    "git_info",
    "hash_ids",
    "log_batch",
    "log_child_run",
    "log_provenance",
    "log_sklearn_model",
    "new_salt",
    "pseudonymise",
    "quiet_mlflow",
    "register_model",
    "resolve_model_uri",
    "resolve_tracking_uri",
    "sanitize_key",
    "start_study_run",
    "table_digest",
    "with_retry",
]
