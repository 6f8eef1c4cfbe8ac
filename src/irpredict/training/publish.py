"""Log a :class:`ResponseModel` as an MLflow pyfunc model (models from code)."""

import contextlib
import tempfile
from pathlib import Path

__all__ = ["log_response_model", "load_response_model"]

def log_response_model(model, X_example, *, run, name="model"):
    """Log ``model`` to ``run`` as a pyfunc whose predict returns probabilities.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    X_example : pandas.DataFrame
        Training rows (features and ``therapy_class``). The logged input
        example is built from them column by column (see
        :func:`synthetic_example`), so no patient's row is logged.
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
    from mlflow.models import ModelSignature, infer_signature

    from irpredict.serving import MODEL_CODE_PATH
    from irpredict.serving.pyfunc import RESPONSE_MODEL_ARTIFACT
    from irpredict.tracking.model_env import bundled_code, pinned_requirements
    from irpredict.tracking.registry import _using
    from irpredict.tracking.store import with_retry

    example = _as_the_rule_says(
        synthetic_example(X_example[model.input_columns], model.categorical_columns), model)
    output = _example_output(model, example)
    # Outputs only: MLflow's input schema would refuse an integer age or a category column
    # before irpredict's own checks (which read those and name bad columns and rows) run.
    signature = ModelSignature(inputs=None, outputs=infer_signature(example, output).outputs)
    client = run.client
    logged = with_retry(client.create_logged_model, run.experiment_id, name=name,
                        source_run_id=run.run_id)
    try:
        with tempfile.TemporaryDirectory(prefix="irpredict-model-") as tmp, \
                bundled_code() as code_paths:
            path = Path(tmp, "response_model.joblib")
            joblib.dump(model, path)
            with _using(client.tracking_uri):
                info = mlflow.pyfunc.log_model(
                    name=name, python_model=str(MODEL_CODE_PATH),
                    artifacts={RESPONSE_MODEL_ARTIFACT: str(path)}, signature=signature,
                    input_example=example, pip_requirements=pinned_requirements(),
                    code_paths=code_paths, model_id=logged.model_id)
        with_retry(client.finalize_logged_model, logged.model_id, LoggedModelStatus.READY)
    except BaseException:
        with contextlib.suppress(Exception):
            client.finalize_logged_model(logged.model_id, LoggedModelStatus.FAILED)
        raise
    return info.model_uri


def _as_the_rule_says(example, model):
    """The example's therapy classes derived by the training mapping's therapy rule.

    Each column of a synthetic example is drawn on its own, so the rule's column (a
    feature too, e.g. TransNEO's Chemo.any.antiHER2) and ``therapy_class`` could disagree,
    and the served model refuses rows whose class contradicts its rule.
    """
    from irpredict.data._therapy_rule import therapy_by_rule

    rule = getattr(getattr(model, "mapping", None), "therapy_rule", None)
    if rule is None or rule.column not in example.columns or rule.column == "therapy_class":
        return example
    derived = therapy_by_rule(example[rule.column], rule)
    known = derived.isin(model.therapies).fillna(False).to_numpy(dtype=bool)
    classes = example["therapy_class"].astype(object).copy()
    classes[known] = derived[known].astype(object)
    return example.assign(therapy_class=classes)


def synthetic_example(X, categorical_columns, n_rows=5):
    """Example rows that belong to no patient: each column on its own.

    Numeric columns take their 10th, 30th, 50th, 70th and 90th percentiles
    (``NaN`` where a column is empty), other columns cycle through their most
    frequent values, so the example shows realistic values and types without
    copying any patient's row into the model's artifacts.

    Parameters
    ----------
    X : pandas.DataFrame
        Training rows.
    categorical_columns : list of str
        Columns kept as text.
    n_rows : int, default=5

    Returns
    -------
    pandas.DataFrame
        ``n_rows`` rows with the columns of ``X``.
    """
    import numpy as np
    import pandas as pd

    levels = np.linspace(0.1, 0.9, n_rows)
    out = {}
    for col in X.columns:
        values = X[col]
        if col not in categorical_columns and col != "therapy_class" \
                and pd.api.types.is_numeric_dtype(values):
            numbers = values.astype(float).dropna()
            out[col] = pd.Series(numbers.quantile(levels).to_numpy() if len(numbers)
                                 else np.full(n_rows, np.nan))
        else:
            common = values.dropna().value_counts().index.tolist()
            cycled = [common[i % len(common)] for i in range(n_rows)] if common \
                else [None] * n_rows
            out[col] = pd.Series(cycled, dtype=values.dtype if common else object)
    return pd.DataFrame(out)


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
    from irpredict._artifacts import load_pyfunc
    from irpredict.tracking.registry import loading_from
    from irpredict.tracking.resolve import locate_model
    from irpredict.tracking.store import quiet_mlflow

    quiet_mlflow()
    uri, store = locate_model(model_uri, tracking_uri=tracking_uri)
    with loading_from(store):
        pyfunc = load_pyfunc(uri, model_uri)
    return response_model_of(pyfunc.unwrap_python_model(), model_uri)


def response_model_of(python_model, model_uri):
    """The :class:`ResponseModel` inside a loaded pyfunc, or a clear error for a bundle.

    Raises
    ------
    TrackingError
        When ``model_uri`` holds a landmark-model bundle (``irpredict landmarks``)
        or something that is not an irpredict response model.
    """
    from irpredict.tracking import TrackingError

    if getattr(python_model, "bundle", None) is not None:
        raise TrackingError(
            f"{model_uri!r} is a landmark-model bundle (from 'irpredict landmarks'): use it with "
            "'irpredict monitor', or pass a response model from 'irpredict train' "
            "(models:/<study>@champion) here.")
    model = getattr(python_model, "model", None)
    if model is None or not hasattr(model, "feature_columns"):
        raise TrackingError(
            f"{model_uri!r} is not an irpredict response model; pass one registered by "
            "'irpredict train' (models:/<study>@champion) or a folder from 'irpredict export'.")
    return model
