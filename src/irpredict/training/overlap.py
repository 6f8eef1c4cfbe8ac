"""Which patients of a cohort the model was trained on: in-sample predictions are never metrics.

A fitted :class:`~irpredict.training.ResponseModel` keeps short hashes per
training patient: of the id with every feature value (rounded to 9 significant
digits, so a table written and read back still matches), and of the id with the
patients-table columns alone (so that the same patients read another way, e.g.
a folder without one measurement series, are still recognised). Ids are often
recycled between cohorts, and an id with a few coarse columns can match another
cohort's patient by chance, so that second kind is kept only with at least
:data:`MIN_PATIENT_COLUMNS` columns and counts only when most of a cohort
matches.
Scoring the training patients again would measure the model on data it has
seen: ``evaluate`` refuses it and ``screen`` cross-fits instead.
"""

import hashlib
import math

__all__ = ["row_fingerprints", "training_fingerprints", "training_patients",
           "MIN_PATIENT_COLUMNS"]

#: Patients-table columns needed before an id and those columns identify a patient.
MIN_PATIENT_COLUMNS = 3


def _text(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format(float(value), ".9g")
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def row_fingerprints(X, feature_columns):
    """One hash per row of ``X`` (index = patient id) over its id and feature values.

    Parameters
    ----------
    X : pandas.DataFrame
    feature_columns : list of str

    Returns
    -------
    list of str
        In the order of ``X``'s rows.
    """
    values = X[list(feature_columns)].astype(object).to_numpy()
    out = []
    for pid, row in zip(X.index, values, strict=True):
        text = "\x1f".join([str(pid).strip(), *map(_text, row)])
        out.append(hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest())
    return out


def _patient_part(model_or_columns, feature_columns):
    columns = [c for c in model_or_columns if c in set(feature_columns)]
    return columns if len(columns) >= MIN_PATIENT_COLUMNS else None


def training_fingerprints(X, feature_columns, patient_columns):
    """The fingerprints a model keeps of its training rows ``X`` (see the module notes).

    Returns
    -------
    frozenset of str
    """
    known = {"f:" + h for h in row_fingerprints(X, feature_columns)}
    columns = _patient_part(patient_columns, feature_columns)
    if columns is not None:
        known |= {"p:" + h for h in row_fingerprints(X, columns)}
    return frozenset(known)


def training_patients(model, X):
    """Boolean mask: which rows of ``X`` are training patients of ``model``.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    X : pandas.DataFrame
        The model's input frame (index = patient ids).

    Returns
    -------
    numpy.ndarray of bool or None
        ``None`` for a model fitted before it kept its training fingerprints.
    """
    import numpy as np

    known = getattr(model, "training_rows", None)
    if not known:
        return None
    seen = np.array(["f:" + h in known for h in row_fingerprints(X, model.feature_columns)],
                    dtype=bool)
    columns = _patient_part(model.patient_columns, model.feature_columns)
    if columns is not None:
        by_patient = np.array(["p:" + h in known for h in row_fingerprints(X, columns)],
                              dtype=bool)
        # ids are often recycled between cohorts (P001, ...): a few coarse columns can match by
        # chance, so these matches count only when they make up most of the cohort
        if by_patient.mean() >= 0.5:
            seen |= by_patient
    return seen
