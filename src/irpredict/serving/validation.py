"""Input checks of the served model: what MLflow's schema enforcement lets through."""

import numpy as np

from irpredict.exceptions import CohortDataError, UnknownTherapyError

__all__ = ["check_input"]


def _first(values, k=5):
    values = list(values)
    more = f" and {len(values) - k} more" if len(values) > k else ""
    return ", ".join(map(str, values[:k])) + more


def check_input(model, frame):
    """Check and coerce a per-patient input frame for ``model``.

    Checks the columns the model needs are present, numeric columns hold
    numbers (text is refused, nulls are allowed: the model imputes them),
    values are finite, and every therapy class is one the model was trained
    on (``therapy_class`` may not be null).

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        The model's input columns, numeric ones as float.

    Raises
    ------
    CohortDataError
        Missing columns, text in numeric columns, infinite values.
    UnknownTherapyError
        Null or unknown therapy classes.
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise CohortDataError(f"expected a table of patients, got {type(frame).__name__}")
    if len(frame) == 0:
        raise CohortDataError("the input has no rows; send at least one patient")
    X = model.check_frame(frame).copy()
    problems = []
    for col in model.feature_columns:
        if col in model.categorical_columns:
            X[col] = X[col].astype(object).where(X[col].notna(), np.nan)
            continue
        values = pd.to_numeric(X[col], errors="coerce")
        bad = X.index[values.isna() & X[col].notna()]
        if len(bad):
            problems.append(f"column {col!r} must be numeric; rows {_first(bad)} hold "
                            f"{_first(X.loc[bad, col].astype(str).unique(), 3)}")
        inf = X.index[np.isinf(values.to_numpy(dtype=float, na_value=np.nan))]
        if len(inf):
            problems.append(f"column {col!r} has infinite values in rows {_first(inf)}")
        X[col] = values.astype(float)
    if problems:
        raise CohortDataError("invalid input: " + "; ".join(problems))
    therapy = X["therapy_class"]
    null = X.index[therapy.isna()]
    if len(null):
        raise UnknownTherapyError(
            f"therapy_class is missing in rows {_first(null)}; give each patient's therapy "
            f"class (one of {', '.join(model.therapies)})")
    unknown = sorted(set(therapy.astype(str)) - set(model.therapies))
    if unknown:
        raise UnknownTherapyError(
            f"therapy classes {unknown} were not seen in training; this model scores "
            f"{', '.join(model.therapies)}")
    X["therapy_class"] = therapy.astype(str)
    return X
