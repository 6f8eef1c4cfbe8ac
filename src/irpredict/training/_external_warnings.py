"""What an external cohort's values say about its metrics: too few patients of an outcome,
feature columns empty for everyone, or mostly outside the training range (a unit?)."""

import warnings

from irpredict.exceptions import CohortDataError, DataWarning

__all__ = ["shifted_columns", "warn_outside_training", "warn_few", "warn_unlike_training",
           "FEW_PER_OUTCOME", "MAX_EMPTY_FEATURE_SHARE"]


#: Above this share of a model's numeric features empty for every patient, metrics would
#: measure the imputation rather than the model (a misnamed measurements file, a patients
#: table alone); a sparser cohort than training's, below it, is scored with a warning.
MAX_EMPTY_FEATURE_SHARE = 0.8


#: Fewer patients of either outcome than this, and an external cohort's metrics mean little.
FEW_PER_OUTCOME = 10


def warn_few(y, name, therapy=None):
    """Say when an external cohort, or one of its therapy classes, is too small for its
    metrics and their CIs to mean much (one outcome only is said where it is scored)."""
    responders = int(y.sum())
    rarer = min(responders, len(y) - responders)
    if rarer == 0:
        return
    if rarer >= FEW_PER_OUTCOME and therapy is not None:
        few = []
        for cls, group in y.groupby(therapy.to_numpy(), sort=True):
            k = int(group.sum())
            if 0 < min(k, len(group) - k) < FEW_PER_OUTCOME:
                few.append(f"{cls} ({len(group)} patients, {k} responders)")
        if few:
            warnings.warn(
                f"{name}: fewer than {FEW_PER_OUTCOME} patients of an outcome in "
                f"{', '.join(few)}: the metrics of "
                f"{'that class' if len(few) == 1 else 'those classes'} are rough and their "
                "bootstrap CIs too narrow; the overall figures are the external validation",
                DataWarning, stacklevel=3)
    if 0 < rarer < FEW_PER_OUTCOME:
        warnings.warn(
            f"{name}: {len(y)} labelled patients ({responders} responders): with fewer than "
            f"{FEW_PER_OUTCOME} of either outcome the metrics are unstable and their bootstrap "
            "CIs too narrow (an AUC of 1.000 [1.000-1.000] from 3 patients says nothing); "
            "read them as a sanity check, not as external validation", DataWarning,
            stacklevel=3)


def warn_unlike_training(model, X, name, said=()):
    """Name numeric columns that are empty (but for those in ``said``, named already), or
    mostly outside the training range (a unit?)."""
    import numpy as np

    empty, numeric = [], 0
    for col in model.feature_columns:
        if col in model.categorical_columns or col not in X.columns:
            continue
        numeric += 1
        if np.isnan(X[col].to_numpy(dtype=np.float64, na_value=np.nan)).all():
            empty.append(col)
    if numeric and len(empty) > MAX_EMPTY_FEATURE_SHARE * numeric:
        raise CohortDataError(
            f"{name}: {len(empty)} of the model's {numeric} numeric features have no value for "
            f"any patient ({', '.join(empty[:6])}{' ...' if len(empty) > 6 else ''}), so "
            "metrics would measure the imputation, not the model. Check that the cohort's "
            "files and columns carry the training names (measurements.csv, biomarker names), "
            "or pass an experiment .toml that maps them")
    said = set(said)
    if [c for c in empty if c not in said]:
        empty = [c for c in empty if c not in said]
        warnings.warn(
            f"{name}: {len(empty)} feature column(s) have no value for any patient and are "
            f"imputed for everyone: {', '.join(empty[:10])}{' ...' if len(empty) > 10 else ''}. "
            "Check that the cohort records them under the training names", DataWarning,
            stacklevel=3)
    warn_outside_training(model, X, name, stacklevel=4)


def shifted_columns(model, X):
    """The numeric columns of ``X`` whose values mostly lie outside the training range.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    X : pandas.DataFrame
        The model's input frame.

    Returns
    -------
    dict of str to str
        Each such column and how many of its values lie outside which range.
    """
    import numpy as np
    import pandas as pd

    shifted = {}
    for col in model.feature_columns:
        if col in model.categorical_columns or col not in X.columns:
            continue
        # text in a number column is named by the input check that follows
        values = pd.to_numeric(X[col], errors="coerce").to_numpy(dtype=np.float64,
                                                                 na_value=np.nan)
        present = values[~np.isnan(values)]
        low, high = model.numeric_ranges.get(col, (np.nan, np.nan))
        outside = (present < low) | (present > high)
        if len(present) >= 10 and outside.mean() > 0.5:
            shifted[col] = (f"{int(outside.sum())} of {len(present)} values outside the "
                            f"training range {low:g} to {high:g}")
    return shifted


def warn_outside_training(model, X, name, *, stacklevel=2):
    """Warn about numeric columns whose values mostly lie outside the training range.

    A whole column outside the range (at least 10 values, most of them) is the
    mark of a unit the cohort writes otherwise (LDH in ukat/L labelled U/L),
    which a single value, even far out, cannot show.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    X : pandas.DataFrame
        The model's input frame.
    name : str
        The cohort, named in the warning.
    stacklevel : int, default=2

    Returns
    -------
    list of str
        The columns warned about (:func:`shifted_columns`).
    """
    shifted = shifted_columns(model, X)
    if shifted:
        described = [f"{col} ({why})" for col, why in shifted.items()]
        warnings.warn(
            f"{name}: most values lie outside the training range in {'; '.join(described[:5])}"
            f"{' ...' if len(described) > 5 else ''}. Check the units against the training data",
            DataWarning, stacklevel=stacklevel)
    return list(shifted)
