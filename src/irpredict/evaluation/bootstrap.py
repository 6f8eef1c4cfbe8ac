"""Percentile bootstrap confidence intervals for the metrics.

Metrics defined given the outcome (ROC AUC, sensitivity, specificity)
resample patients with replacement within each label (stratified), so every
resample keeps the observed numbers of responders and non-responders. Metrics
that depend on the response rate (PR AUC, Brier score, calibration intercept
and slope) resample patients freely: fixing the number of responders would
remove most of the calibration intercept's sampling variance and give
intervals that cover the truth far less often than stated. All resamples are
drawn as index matrices and the metrics are computed row-wise (vectorised),
in chunks that bound memory.
"""

import warnings

import numpy as np

from irpredict.evaluation.metrics import METRICS, check_labels_and_probabilities, metric_rows

__all__ = ["stratified_indices", "free_indices", "bootstrap_metrics", "percentile_ci",
           "STRATIFIED_METRICS"]

#: Metrics defined given each patient's outcome: their intervals resample within labels.
STRATIFIED_METRICS = ("auc", "sensitivity", "specificity")

_CHUNK_CELLS = 2_000_000


def stratified_indices(y, n_bootstrap=1000, random_state=0):
    """Bootstrap index matrix, resampling patients within each label.

    Parameters
    ----------
    y : array-like of 0/1 of length n
    n_bootstrap : int, default=1000
    random_state : int or numpy.random.Generator, default=0

    Returns
    -------
    ndarray of shape (n_bootstrap, n)
        Row ``b`` holds the positions of resample ``b``; positions of each
        label stay in the columns that label occupies in ``y``.

    Examples
    --------
    >>> idx = stratified_indices([0, 0, 1], n_bootstrap=4, random_state=0)
    >>> idx.shape, bool((idx[:, 2] == 2).all())
    ((4, 3), True)
    """
    y = np.asarray(y)
    rng = np.random.default_rng(random_state)
    idx = np.empty((n_bootstrap, len(y)), dtype=np.intp)
    for label in np.unique(y):
        where = np.flatnonzero(y == label)
        idx[:, where] = where[rng.integers(0, len(where), size=(n_bootstrap, len(where)))]
    return idx


def free_indices(n, n_bootstrap=1000, random_state=0):
    """Bootstrap index matrix, resampling patients freely (the response rate varies).

    Parameters
    ----------
    n : int
        Number of patients.
    n_bootstrap : int, default=1000
    random_state : int, default=0
        Seeds a stream of its own, apart from :func:`stratified_indices`'s.

    Returns
    -------
    ndarray of shape (n_bootstrap, n)
    """
    rng = np.random.default_rng([int(random_state), 1])
    return rng.integers(0, n, size=(n_bootstrap, n))


def percentile_ci(values, ci=0.95):
    """Percentile interval of bootstrap values along the first axis, ignoring NaN.

    Parameters
    ----------
    values : ndarray of shape (n_bootstrap, ...)
    ci : float, default=0.95

    Returns
    -------
    low, high : ndarray or float
        NaN where every value is NaN.
    """
    values = np.asarray(values, dtype=float)
    alpha = (1 - ci) / 2 * 100
    low = np.full(values.shape[1:], np.nan)
    high = np.full(values.shape[1:], np.nan)
    ok = ~np.all(np.isnan(values), axis=0)
    if np.any(ok):
        low_ok, high_ok = np.nanpercentile(values[:, ok], [alpha, 100 - alpha], axis=0)
        low[ok], high[ok] = low_ok, high_ok
    return low, high


def _averaged_rows(Y, P_repeats, threshold):
    """Metrics per row, averaged over repeats (P_repeats: (n_repeats, rows, n))."""
    per_repeat = [metric_rows(Y, P, threshold) for P in P_repeats]
    with np.errstate(invalid="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return {m: np.nanmean([r[m] for r in per_repeat], axis=0) for m in METRICS}


def bootstrap_metrics(y, p, *, threshold=0.5, n_bootstrap=1000, random_state=0, ci=0.95):
    """Point estimates and percentile bootstrap CIs of every metric.

    Parameters
    ----------
    y : array-like of 0/1 of length n
    p : array-like of shape (n,) or (n_repeats, n)
        Probabilities; with several rows (repeats of cross-validation, with
        patients in the same order) each metric is computed per repeat and
        averaged, for the estimate and within every resample.
    threshold : float in (0, 1), default=0.5
        For sensitivity, specificity and net benefit.
    n_bootstrap : int, default=1000
        Number of resamples; 0 gives NaN intervals.
    random_state : int, default=0
    ci : float, default=0.95

    Returns
    -------
    pandas.DataFrame
        One row per metric: ``metric, estimate, ci_low, ci_high,
        n_bootstrap, n_invalid`` (resamples where the metric was undefined
        and that were skipped).

    Examples
    --------
    >>> table = bootstrap_metrics([0, 0, 1, 1, 0, 1], [.1, .3, .7, .6, .4, .9],
    ...                           n_bootstrap=50)
    >>> list(table.columns)[:4]
    ['metric', 'estimate', 'ci_low', 'ci_high']
    """
    import pandas as pd

    y, p = check_labels_and_probabilities(y, p)
    if not 0 < ci < 1:
        raise ValueError(f"ci is the interval's coverage, between 0 and 1 (e.g. 0.95); got {ci}")
    if isinstance(threshold, bool) or not np.isscalar(threshold) or not 0 < threshold < 1:
        raise ValueError("threshold is the probability at or above which a patient is called "
                         f"a responder, strictly between 0 and 1 (e.g. 0.5); got {threshold!r}")
    P = np.atleast_2d(p)
    estimate = _averaged_rows(y[None, :], P[:, None, :], threshold)
    values = {m: [] for m in METRICS}
    if n_bootstrap > 0 and len(y) > 0:
        schemes = ((stratified_indices(y, n_bootstrap, random_state), STRATIFIED_METRICS),
                   (free_indices(len(y), n_bootstrap, random_state),
                    tuple(m for m in METRICS if m not in STRATIFIED_METRICS)))
        step = max(1, _CHUNK_CELLS // max(1, len(y) * len(P)))
        for idx, metrics in schemes:
            for start in range(0, n_bootstrap, step):
                chunk = idx[start:start + step]
                with warnings.catch_warnings():  # a free resample may hold one outcome only
                    warnings.simplefilter("ignore", RuntimeWarning)
                    rows = _averaged_rows(y[chunk], P[:, chunk], threshold)
                for m in metrics:
                    values[m].append(rows[m])
    records = []
    for m in METRICS:
        vals = np.concatenate(values[m]) if values[m] else np.full(0, np.nan)
        low, high = percentile_ci(vals[:, None], ci) if len(vals) else ([np.nan], [np.nan])
        records.append({
            "metric": m, "estimate": float(estimate[m][0]), "ci_low": float(low[0]),
            "ci_high": float(high[0]), "n_bootstrap": int(n_bootstrap),
            "n_invalid": int(np.isnan(vals).sum()) if len(vals) else int(n_bootstrap),
        })
    return pd.DataFrame.from_records(records)
