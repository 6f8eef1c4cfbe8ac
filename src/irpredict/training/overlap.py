"""Which patients of a cohort the model was trained on: in-sample predictions are never metrics.

A fitted :class:`~irpredict.training.ResponseModel` keeps short hashes per
training patient: of the id with every feature value (rounded to 9 significant
digits, so a table written and read back still matches), and of the id with the
patients-table columns alone (so that the same patients read another way, e.g.
a folder without one measurement series, are still recognised). Ids are often
recycled between cohorts, and an id with a few coarse columns can match another
cohort's patient by chance, so that second kind is kept only with at least
:data:`MIN_PATIENT_COLUMNS` columns and counts only when most of a cohort
matches. A third hash covers the feature values alone, so that the training patients
under new ids (a pseudonymised re-export, ids that lost their leading zeros) are still
recognised; it is kept only for rows with at least :data:`MIN_MEASURED_VALUES` measured
non-integer values, which no other patient shares by chance, and again with every number
rounded to :data:`COARSE_DIGITS` significant digits (and, counted only when most of a
cohort matches, one digit fewer), so that a re-export that rounds its values (to 4 decimals,
or 6 significant digits) is still recognised. A fourth hash covers the id
alone: ids can be recycled between cohorts, so a shared id is only said
(:func:`shared_ids`), never taken for proof.
Scoring the training patients again would measure the model on data it has
seen: ``evaluate`` refuses it and ``screen`` cross-fits instead.
"""

import hashlib
import math

__all__ = ["row_fingerprints", "training_fingerprints", "training_patients", "shared_ids",
           "MIN_PATIENT_COLUMNS", "MIN_MEASURED_VALUES", "MOSTLY_TRAINING"]

#: Patients-table columns needed before an id and those columns identify a patient.
MIN_PATIENT_COLUMNS = 3
#: Non-integer feature values needed before the values alone identify a patient.
MIN_MEASURED_VALUES = 4
#: Share of recognised training patients above which a cohort is read as the training cohort
#: (cross-fitting scores every patient out of fold, whichever the rest are).
MOSTLY_TRAINING = 0.9
#: Significant digits of the coarse value hash (a rounded re-export of the training rows).
COARSE_DIGITS = 3


def _text(value, digits=9):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format(float(value), f".{digits}g")
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def row_fingerprints(X, feature_columns, *, with_id=True, digits=9):
    """One hash per row of ``X`` (index = patient id) over its id and feature values.

    Parameters
    ----------
    X : pandas.DataFrame
    feature_columns : list of str
    with_id : bool, default=True
        Hash the id too; ``False`` hashes the values alone.
    digits : int, default=9
        Significant digits numbers are written with before hashing.

    Returns
    -------
    list of str
        In the order of ``X``'s rows.
    """
    values = X[list(feature_columns)].astype(object).to_numpy()
    out = []
    for pid, row in zip(X.index, values, strict=True):
        parts = [str(pid).strip()] if with_id else []
        text = "\x1f".join([*parts, *(_text(v, digits) for v in row)])
        out.append(hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest())
    return out


def _distinctive(X, feature_columns):
    """Rows with at least :data:`MIN_MEASURED_VALUES` non-integer numeric values (a mask)."""
    import numpy as np
    import pandas as pd

    numeric = [c for c in feature_columns if c in X.columns
               and pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
    if not numeric:
        return np.zeros(len(X), dtype=bool)
    values = X[numeric].to_numpy(dtype=float, na_value=np.nan)
    # a value identifies only with 3 significant digits or more (3.7, 0.85 are common to many)
    with np.errstate(invalid="ignore", divide="ignore"):
        finite = np.isfinite(values) & (values != 0)
        scale = 10.0 ** (np.floor(np.log10(np.abs(np.where(finite, values, 1.0)))) - 1)
        measured = finite & (values != np.round(values)) & (
            np.abs(values - np.round(values / scale) * scale) > 1e-9 * np.abs(values))
    return measured.sum(axis=1) >= MIN_MEASURED_VALUES


#: Value hashes: tag -> significant digits. ``k:`` (one digit fewer than ``c:``) catches the
#: rows a rounding moved across a ``c:`` boundary, and counts only for most of a cohort.
_VALUE_DIGITS = {"v:": 9, "c:": COARSE_DIGITS, "k:": COARSE_DIGITS - 1}


def _value_fingerprints(X, feature_columns, *, tag="v:"):
    """Hashes of the feature values alone, written with the significant digits of ``tag``
    (:data:`_VALUE_DIGITS`), None for rows too plain to identify."""
    keep = _distinctive(X, feature_columns)
    hashes = row_fingerprints(X, feature_columns, with_id=False, digits=_VALUE_DIGITS[tag])
    return [tag + h if k else None for h, k in zip(hashes, keep, strict=True)]


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
    from collections import Counter

    for tag in _VALUE_DIGITS:  # a combination two training patients share identifies none
        counts = Counter(h for h in _value_fingerprints(X, feature_columns, tag=tag)
                         if h is not None)
        known |= {h for h, n in counts.items() if n == 1}
    known |= {"i:" + h for h in row_fingerprints(X, [])}
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
    # the same patients under other ids: their measured values alone give them away
    def matched(tag):
        return np.array([h is not None and h in known
                         for h in _value_fingerprints(X, model.feature_columns, tag=tag)],
                        dtype=bool)

    seen |= matched("v:") | matched("c:")  # also written back with its numbers rounded
    coarser = matched("k:")
    if coarser.mean() >= 0.5:  # two digits can match by chance: only for most of a cohort
        seen |= coarser
    columns = _patient_part(model.patient_columns, model.feature_columns)
    if columns is not None:
        by_patient = np.array(["p:" + h in known for h in row_fingerprints(X, columns)],
                              dtype=bool)
        # ids are often recycled between cohorts (P001, ...): a few coarse columns can match by
        # chance, so these matches count only when they make up most of the cohort
        if by_patient.mean() >= 0.5:
            seen |= by_patient
    return seen


def shared_ids(model, X):
    """Boolean mask: which rows of ``X`` have the id of a training patient of ``model``.

    A training patient re-exported with rounded values or a missing lab keeps its id but no
    longer matches :func:`training_patients`; a cohort of other patients may reuse ids
    (``P001``). The mask is for a warning, not a refusal.

    Returns
    -------
    numpy.ndarray of bool or None
        ``None`` for a model fitted before it kept id hashes.
    """
    import numpy as np

    known = getattr(model, "training_rows", None)
    if not known or not any(h.startswith("i:") for h in known):
        return None
    return np.array(["i:" + h in known for h in row_fingerprints(X, [])], dtype=bool)
