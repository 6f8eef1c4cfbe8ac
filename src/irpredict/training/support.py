"""Feature values far outside what a model saw in training: its prediction there extrapolates.

A logistic model is linear in its features, so one value many times beyond the
training range (a relative change from a near-zero baseline, a lab in the wrong
unit) can carry a probability to 0 or 1 on its own. Such values are not refused
(they may be real), but the commands that show individual predictions say which
patients and features they are.
"""

import warnings

import numpy as np

from irpredict.exceptions import DataWarning

__all__ = ["far_limits", "far_outside_training", "warn_far_outside_training"]


def far_limits(low, high):
    """Values below the first or above the second lie outside the training range ``low`` to
    ``high`` by its width or more (its magnitude, at least 1, for a constant feature): a
    0/1 flag's 2 or -1 lies outside."""
    width = high - low if high > low else max(abs(high), 1.0)
    return low - width, high + width


def far_outside_training(model, X):
    """Values of ``X`` beyond the training range by the range's own width or more.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
        Its ``numeric_ranges`` give each numeric feature's training minimum and maximum.
    X : pandas.DataFrame
        Feature rows indexed by patient id.

    Returns
    -------
    pandas.DataFrame
        One row per value: ``patient_id``, ``feature``, ``value``, ``low``, ``high``.
    """
    import pandas as pd

    rows = []
    for feature, (low, high) in (getattr(model, "numeric_ranges", None) or {}).items():
        if feature not in X.columns:
            continue
        far_low, far_high = far_limits(low, high)
        values = pd.to_numeric(X[feature], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            far = (values <= far_low) | (values >= far_high)
        rows += [(pid, feature, value, low, high)
                 for pid, value in zip(X.index[far], values[far], strict=True)]
    return pd.DataFrame(rows, columns=["patient_id", "feature", "value", "low", "high"])


def warn_far_outside_training(far, *, where, stacklevel=2):
    """One :class:`DataWarning` naming the patients and features of ``far``.

    Parameters
    ----------
    far : pandas.DataFrame
        :func:`far_outside_training` rows, optionally with a ``landmark`` column.
    where : str
        The data they come from, named in the warning.
    stacklevel : int, default=2
    """
    if far.empty:
        return
    shown = []
    for row in far.head(5).itertuples(index=False):
        at = f" at day {row.landmark:g}" if "landmark" in far.columns else ""
        shown.append(f"{row.patient_id}{at}: {row.feature} = {row.value:.4g} (training range "
                     f"{row.low:.4g} to {row.high:.4g})")
    patients = far["patient_id"].nunique()
    more = f"; and {len(far) - 5} more values" if len(far) > 5 else ""
    warnings.warn(
        f"{where}: {patients} patient{'s have' if patients > 1 else ' has'} feature values far "
        f"outside the training range (beyond it by its width or more), so the model "
        f"extrapolates there and the probability can be extreme: {'; '.join(shown)}{more}. "
        "Check the values and units; a relative change from a baseline near zero is one cause",
        DataWarning, stacklevel=stacklevel + 1)
