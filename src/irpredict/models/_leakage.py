"""Refuse a feature frame that carries its own labels or the patients' ids."""

import numpy as np

from irpredict.exceptions import CohortDataError, LeakageError

__all__ = ["refuse_labels_among_features"]

#: Fewer patients than this can share a 0/1 pattern with the labels by chance.
_MIN_PATIENTS_FOR_COPY = 10


def refuse_labels_among_features(X, y, label_name=None, *, therapy_col="therapy_class",
                                 by_value=True):
    """Raise when ``X`` holds the labels (by name or by value) or a ``patient_id`` column.

    A frame such as ``FeatureSet.to_frame()`` keeps the label and the id beside the
    features; fitted as is, the model reads the answer and cross-validation reports an
    AUC of 1.

    Parameters
    ----------
    X : pandas.DataFrame
        The feature frame.
    y : array-like of 0/1
        The labels, aligned to ``X``.
    label_name : str, optional
        The labels' column name (a Series' ``name``).
    therapy_col : str
        The therapy-class column, never compared with the labels.
    by_value : bool, default=True
        Also refuse a numeric column equal to the labels for every patient. For a whole
        cohort only: in a small cross-validation split a strong 0/1 marker can match every
        label by chance.
    """
    if label_name is not None and label_name in X.columns and not _a_measurement(
            X[label_name]):
        raise LeakageError(
            f"The feature frame holds the label column {label_name!r}; drop it from X "
            f"(X.drop(columns={label_name!r})) and pass it as y only.")
    if "patient_id" in X.columns:
        raise CohortDataError(
            "The feature frame has a 'patient_id' column: an id is no feature. Make it the "
            "index (X.set_index('patient_id')).")
    y = np.asarray(y, dtype=float)
    if not by_value or len(y) < _MIN_PATIENTS_FOR_COPY or len(np.unique(y)) < 2:
        return
    numbers = X.drop(columns=[therapy_col], errors="ignore").select_dtypes(
        include=["number", "bool"])
    if numbers.shape[1] == 0:
        return
    same = (numbers.to_numpy(dtype=float, na_value=np.nan) == y[:, None]).all(axis=0)
    if same.any():
        column = numbers.columns[int(np.argmax(same))]
        raise LeakageError(
            f"Column {column!r} of the feature frame equals the labels for every "
            f"patient: it is the outcome, not a feature. Drop it from X (in an experiment "
            f"file, list it in [data.columns] exclude).")


def _a_measurement(column):
    """A numeric column of more than two values: no label, though the labels share its name
    (``y = (X.a > 0).rename("a")``); a label in any coding is text or two values."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return (is_numeric_dtype(column) and not is_bool_dtype(column)
            and column.nunique(dropna=True) > 2)
