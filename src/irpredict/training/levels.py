"""Categorical levels at scoring time: the training spelling, and a word about unseen levels.

A fitted model one-hot encodes each categorical column with the levels seen in
training; any other value scores as "no known level". An external cohort that
writes ``BLADDER `` for ``Bladder`` or ``male`` for ``Male`` would silently lose
that information, so values that match a training level once case and
surrounding spaces are ignored are given the training spelling, and the values
that match none are named in a :class:`~irpredict.exceptions.DataWarning`.
"""

import warnings

from irpredict._cache import ObjectCache
from irpredict.exceptions import DataWarning

__all__ = ["training_levels", "align_levels"]

#: The level a missing categorical value is imputed as before encoding (models/pipeline.py).
_MISSING_LEVEL = "missing"
_LEVELS = ObjectCache()  # the fitted encoders are walked once per model


def _fold(value):
    from irpredict.data._patients import text_value

    return str(text_value(value)).strip().casefold()


def _encoders(obj, seen):
    """Every fitted one-hot encoder inside ``obj`` (pipelines, per-class models, ensembles)."""
    from sklearn.base import BaseEstimator
    from sklearn.preprocessing import OneHotEncoder

    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, OneHotEncoder):
        if hasattr(obj, "categories_") and hasattr(obj, "feature_names_in_"):
            yield obj
        return
    # scikit-learn's fitted calibration folds (``_CalibratedClassifier``) are no estimators
    if isinstance(obj, BaseEstimator) or (type(obj).__module__.startswith("sklearn.")
                                          and hasattr(obj, "__dict__")):
        children = vars(obj).values()
    elif isinstance(obj, dict):
        children = obj.values()
    elif isinstance(obj, list | tuple):
        children = obj
    else:
        return
    for child in children:
        yield from _encoders(child, seen)


def training_levels(model):
    """Levels each categorical column had in training, from the fitted encoders.

    Parameters
    ----------
    model : irpredict.training.ResponseModel

    Returns
    -------
    dict of str to list
        Column -> the levels (as stored by the encoders) seen in any therapy
        class's training data.
    """
    return _LEVELS.get(model, lambda: _levels(model))


def _levels(model):
    import pandas as pd

    levels = {}
    for encoder in _encoders(model.classifier, set()):
        for column, categories in zip(encoder.feature_names_in_, encoder.categories_,
                                      strict=True):
            known = levels.setdefault(str(column), [])
            known.extend(c for c in categories if not pd.isna(c) and c not in known)
    return levels


def align_levels(model, X, notes=None):
    """Give categorical values the spelling they had in training; warn about unseen ones.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    X : pandas.DataFrame
        The model's input frame (index: patient ids or row numbers).
    notes : list or None, default=None
        When given, the message about unseen levels is appended to it instead
        of being warned (the server returns it with the predictions).

    Returns
    -------
    pandas.DataFrame
        ``X`` itself when nothing changed, else a copy with the values replaced.

    Warns
    -----
    DataWarning
        Naming each column's levels not seen in training, with counts and patients.
    """
    levels = training_levels(model)
    out, unseen_notes = X, []
    for column in model.categorical_columns:
        known = levels.get(column)
        if not known or column not in X.columns:
            continue
        respelled, unseen = _align_column(X[column], known)
        absent = X[column].isna().to_numpy()
        if absent.any() and _MISSING_LEVEL not in known:
            # training had no missing value here: the model never learnt what one means
            unseen["<missing>"] = [str(i) for i in X.index[absent]]
        if respelled is not None:
            if out is X:
                out = X.copy()
            out[column] = respelled
        if unseen:
            who = "patients" if X.index.name == "patient_id" else "rows"
            described = ", ".join(
                f"{_shortened(value)!r} ({who} {', '.join(rows[:3])}"
                f"{f' and {len(rows) - 3} more' if len(rows) > 3 else ''})"
                for value, rows in list(unseen.items())[:5])
            more = f" and {len(unseen) - 5} more" if len(unseen) > 5 else ""
            shown = ", ".join(map(repr, known[:8])) + (" ..." if len(known) > 8 else "")
            unseen_notes.append(
                f"column {column!r}: {described}{more} (training levels: {shown})")
    if unseen_notes:
        message = ("levels not seen in training (and missing values where training had none, "
                   "shown as <missing>) score as 'no known level': "
                   f"{'; '.join(unseen_notes)}. Check their spelling against the training data"
                   " and fill in missing values where they are known.")
        if notes is None:
            warnings.warn(message, DataWarning, stacklevel=2)
        else:
            notes.append(message)
    return out


def _shortened(value, limit=60):
    """A value as shown in a message: a pasted megabyte is named by its start."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _align_column(series, known):
    """(values with the training spelling, or None if none changed; unseen value -> ids)."""
    import numpy as np

    values = series.to_numpy(dtype=object)
    odd = np.flatnonzero(series.notna().to_numpy() & ~series.isin(known).to_numpy())
    by_fold = {}
    for level in known:
        by_fold.setdefault(_fold(level), []).append(level)
    respelled, unseen = values.copy(), {}
    for i in odd:
        matches = by_fold.get(_fold(values[i]), [])
        if len(matches) == 1:
            respelled[i] = matches[0]
        else:
            unseen.setdefault(str(values[i]), []).append(str(series.index[i]))
    changed = sum(len(rows) for rows in unseen.values()) < len(odd)
    return (respelled if changed else None), unseen
