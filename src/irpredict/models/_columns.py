"""The fitted column order, for steps that turn a DataFrame into a plain array."""

import numpy as np

__all__ = ["fitted_values"]


def fitted_values(step, X):
    """``X`` as a float64 array in the columns ``step`` was fitted on.

    When ``step`` was fitted on a DataFrame (``fitted_on_frame_``), a
    DataFrame's columns are put in the fitted order by name (extra columns are
    an error, as missing ones are); otherwise, and for arrays, the width must
    match.
    """
    names = getattr(step, "feature_names_in_", None)
    if not getattr(step, "fitted_on_frame_", False):
        names = None  # fitted on an array: positions only
    if hasattr(X, "columns") and names is not None:
        given = [str(c) for c in X.columns]
        fitted = [str(c) for c in names]
        if given != fitted:
            missing = [c for c in fitted if c not in given]
            extra = [c for c in given if c not in fitted]
            if missing or extra:
                raise ValueError(
                    f"{type(step).__name__} was fitted on other columns: "
                    + "; ".join(part for part in (
                        f"missing {missing[:5]}" if missing else "",
                        f"not seen in fit {extra[:5]}" if extra else "") if part))
            X = X.iloc[:, [given.index(c) for c in fitted]]
    try:
        values = (X.to_numpy(dtype=np.float64, na_value=np.nan) if hasattr(X, "to_numpy")
                  else np.asarray(X, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        if not hasattr(X, "columns"):
            raise
        raise ValueError(f"{exc}; in column {_first_non_numeric(X)!r}, which was numeric in "
                         "fit: write its values as numbers (empty where unknown)") from None
    if values.ndim != 2 or values.shape[1] != step.n_features_in_:
        raise ValueError(f"{type(step).__name__} was fitted on {step.n_features_in_} columns; "
                         f"got an array of shape {values.shape}")
    return values


def _first_non_numeric(X):
    import pandas as pd

    for column in X.columns:
        values = X[column]
        if pd.to_numeric(values, errors="coerce").isna().sum() > values.isna().sum():
            return column
    return None
