"""Performance metrics of predicted response probabilities.

Every metric is computed row-wise on 2-D arrays (one row per bootstrap
resample, or a single row for the point estimate), so bootstrap
confidence intervals are vectorised. The public functions take 1-D
``y`` and ``p`` and return floats; a metric that is undefined for the data
(one class only, separated data) is NaN, with the reason in
:func:`compute_metrics`' ``note``.
"""

import numpy as np
from scipy.special import expit
from scipy.stats import rankdata

__all__ = [
    "METRICS",
    "roc_auc",
    "pr_auc",
    "brier",
    "calibration_intercept",
    "calibration_slope",
    "sensitivity_specificity",
    "net_benefit",
    "compute_metrics",
    "check_labels_and_probabilities",
]

#: Metric names, in report order.
METRICS = (
    "auc", "pr_auc", "brier", "calibration_intercept", "calibration_slope",
    "sensitivity", "specificity", "net_benefit", "net_benefit_treat_all",
)

_EPS = 1e-6


def check_labels_and_probabilities(y, p):
    """``y`` (0/1) and ``p`` (probabilities, one row or several of the same length) as float
    arrays; a ValueError naming the problem otherwise.

    Probabilities must be finite and within [0, 1]: a missing prediction has no
    meaning for any metric, and would be counted differently by each.
    """
    try:
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"labels must be 0 or 1, numbers ({exc}); map responders to 1 and "
                         "non-responders to 0 (e.g. 'yes' -> 1, 'no' -> 0)") from None
    try:
        p = np.asarray(p, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"probabilities must be numbers: {exc}") from None
    if len(y) == 0:
        raise ValueError("no labels and probabilities were given; give one per patient")
    if y.ndim != 1 or p.ndim not in (1, 2) or p.shape[-1] != len(y):
        raise ValueError(f"got {y.shape} labels and {p.shape} probabilities; give one "
                         "probability per label")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1 (one per patient); got "
                         f"{sorted(set(y[~np.isin(y, (0.0, 1.0))].tolist()))[:5]}")
    bad = ~(np.isfinite(p) & (p >= 0) & (p <= 1))
    if bad.any():
        raise ValueError(f"{int(bad.sum())} probabilities are missing or outside [0, 1] "
                         f"(e.g. {float(p[bad].ravel()[0])!r}); give one probability per patient")
    return y, p


def check_thresholds(thresholds):
    """Risk thresholds as a float array; a ValueError unless each lies strictly in (0, 1).

    Parameters
    ----------
    thresholds : array-like of float

    Returns
    -------
    numpy.ndarray
    """
    try:
        pt = np.atleast_1d(np.asarray(thresholds, dtype=float))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"thresholds must be numbers in (0, 1): {exc}") from None
    bad = ~(np.isfinite(pt) & (pt > 0) & (pt < 1))
    if len(pt) == 0 or pt.ndim != 1 or bad.any():
        shown = pt[bad][:3].tolist() if pt.ndim == 1 else pt.tolist()
        raise ValueError(f"thresholds must be probabilities strictly between 0 and 1 (write "
                         f"0.2 for 20%); got {shown or 'none'}")
    return pt


def _as_2d(y, p):
    y, p = check_labels_and_probabilities(y, p)
    return np.atleast_2d(y), np.atleast_2d(p)


def _logit(p):
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def _both_classes(Y):
    n1 = Y.sum(axis=1)
    return (n1 > 0) & (n1 < Y.shape[1])


def _auc_rows(Y, P):
    ranks = rankdata(P, axis=1)  # average ranks handle ties like sklearn
    n1 = Y.sum(axis=1)
    n0 = Y.shape[1] - n1
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((ranks * Y).sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)
    return np.where(_both_classes(Y), auc, np.nan)


def _ap_rows(Y, P):
    order = np.argsort(-P, axis=1, kind="stable")
    ys = np.take_along_axis(Y, order, axis=1)
    ps = np.take_along_axis(P, order, axis=1)
    n = Y.shape[1]
    tp = np.cumsum(ys, axis=1)
    precision = tp / np.arange(1, n + 1)
    # a threshold ends where the next (sorted) score differs: tied scores share it
    is_end = np.ones_like(ps, dtype=bool)
    is_end[:, :-1] = ps[:, :-1] != ps[:, 1:]
    idx = np.where(is_end, np.arange(n), n)
    end = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]
    prec_at_end = np.take_along_axis(precision, end, axis=1)
    n1 = Y.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ap = (ys * prec_at_end).sum(axis=1) / n1
    return np.where(_both_classes(Y), ap, np.nan)


def _brier_rows(Y, P):
    return np.mean((P - Y) ** 2, axis=1)


def _loglik(Y, eta):
    return (Y * eta).sum(axis=1) - np.logaddexp(0.0, eta).sum(axis=1)


def _newton_logistic(Y, LP, *, fit_slope):
    """Row-wise maximum likelihood of ``y ~ a + b * lp`` (b fixed at 1 unless fit_slope).

    Plain Newton steps first; rows where they did not settle (a full step can
    overshoot and cycle when the predictions are off by a few log-odds) are
    solved again with step halving. No maximum (one outcome, separated data,
    constant ``lp`` for the slope) gives NaN.
    """
    a, b, converged = _newton_rows(Y, LP, fit_slope, halving=False)
    again = np.flatnonzero(~converged & _both_classes(Y))
    if len(again):
        a[again], b[again], converged[again] = _newton_rows(Y[again], LP[again], fit_slope,
                                                            halving=True)
    ok = converged & _both_classes(Y) & (np.abs(a) < 50) & (np.abs(b) < 50)
    if fit_slope:
        spread = np.ptp(LP, axis=1)
        ok &= spread > 1e-9 * np.maximum(1.0, np.abs(LP).max(axis=1))  # constant: no slope
    return np.where(ok, a, np.nan), np.where(ok, b, np.nan)


def _newton_rows(Y, LP, fit_slope, *, halving, max_iter=100, tol=1e-8):
    """(a, b, converged) by Newton's method, each step halved until the likelihood rises."""
    n_rows = Y.shape[0]
    a = np.zeros(n_rows)
    b = np.zeros(n_rows) if fit_slope else np.ones(n_rows)
    converged = np.zeros(n_rows, dtype=bool)
    eta = a[:, None] + b[:, None] * LP
    ll = _loglik(Y, eta) if halving else None
    for _ in range(max_iter):
        mu = expit(eta)
        w = mu * (1 - mu)
        r = Y - mu
        g0, h00 = r.sum(axis=1), w.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            if fit_slope:
                g1, h01, h11 = (r * LP).sum(axis=1), (w * LP).sum(axis=1), (w * LP**2).sum(axis=1)
                det = h00 * h11 - h01**2
                da = (h11 * g0 - h01 * g1) / det
                db = (h00 * g1 - h01 * g0) / det
            else:
                da, db = g0 / h00, np.zeros_like(g0)
        finite = np.isfinite(da) & np.isfinite(db)
        da, db = np.where(finite, da, 0.0), np.where(finite, db, 0.0)
        t = np.where(converged | ~finite, 0.0, 1.0)
        if halving:
            for _halving in range(40):
                trial_eta = (a + t * da)[:, None] + (b + t * db)[:, None] * LP
                trial = _loglik(Y, trial_eta)
                worse = ~(trial >= ll - 1e-12 * np.abs(ll))
                if not worse.any():
                    break
                t = np.where(worse, t / 2, t)
            eta, ll = trial_eta, trial
        else:
            da, db = np.clip(da, -5, 5), np.clip(db, -5, 5)  # damp steps on flat likelihoods
        converged |= finite & (t * (np.abs(da) + np.abs(db)) < tol)
        a, b = a + t * da, b + t * db
        if not halving:
            eta = a[:, None] + b[:, None] * LP
        if converged.all():
            break
    return a, b, converged


def _cal_intercept_rows(Y, P):
    return _newton_logistic(Y, _logit(P), fit_slope=False)[0]


def _cal_slope_rows(Y, P):
    slope = _newton_logistic(Y, _logit(P), fit_slope=True)[1]
    # perfectly separated data: the likelihood keeps rising as the slope grows
    auc = _auc_rows(Y, P)
    return np.where((auc == 1.0) | (auc == 0.0), np.nan, slope)


def _sens_spec_rows(Y, P, threshold):
    pos = P >= threshold
    n1 = Y.sum(axis=1)
    n0 = Y.shape[1] - n1
    with np.errstate(invalid="ignore", divide="ignore"):
        sens = np.where(n1 > 0, (pos * Y).sum(axis=1) / n1, np.nan)
        spec = np.where(n0 > 0, (~pos * (1 - Y)).sum(axis=1) / n0, np.nan)
    return sens, spec


def _net_benefit_rows(Y, P, threshold):
    """Net benefit of the model and of treat-all at one threshold, row-wise."""
    n = Y.shape[1]
    odds = threshold / (1 - threshold)
    with np.errstate(invalid="ignore", divide="ignore"):
        treat = P >= threshold
        model = ((treat * Y).sum(axis=1) - (treat * (1 - Y)).sum(axis=1) * odds) / n
        prevalence = Y.mean(axis=1)
        treat_all = prevalence - (1 - prevalence) * odds
    return model, treat_all


def metric_rows(Y, P, threshold=0.5):
    """Every metric of :data:`METRICS`, row-wise.

    Parameters
    ----------
    Y, P : ndarray of shape (n_rows, n_patients)
        Labels and probabilities; each row is one data set.
    threshold : float, default=0.5
        Probability at or above which a patient is called a responder (for
        sensitivity, specificity and net benefit; treat-none's net benefit
        is 0).

    Returns
    -------
    dict of str to ndarray of shape (n_rows,)
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))  # unchecked: the callers check their inputs
    P = np.atleast_2d(np.asarray(P, dtype=float))
    sens, spec = _sens_spec_rows(Y, P, threshold)
    model_nb, treat_all_nb = _net_benefit_rows(Y, P, threshold)
    return {
        "auc": _auc_rows(Y, P),
        "pr_auc": _ap_rows(Y, P),
        "brier": _brier_rows(Y, P),
        "calibration_intercept": _cal_intercept_rows(Y, P),
        "calibration_slope": _cal_slope_rows(Y, P),
        "sensitivity": sens,
        "specificity": spec,
        "net_benefit": model_nb,
        "net_benefit_treat_all": treat_all_nb,
    }


def roc_auc(y, p):
    """Area under the ROC curve (NaN with one class).

    Parameters
    ----------
    y : array-like of 0/1
    p : array-like of float
        Predicted probability of response.

    Returns
    -------
    float

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    return float(_auc_rows(*_as_2d(y, p))[0])


def pr_auc(y, p):
    """Area under the precision-recall curve as average precision (NaN with one class)."""
    return float(_ap_rows(*_as_2d(y, p))[0])


def brier(y, p):
    """Brier score, the mean squared error of the probabilities."""
    return float(_brier_rows(*_as_2d(y, p))[0])


def calibration_intercept(y, p):
    """Calibration-in-the-large: ``a`` in ``logit P(y=1) = a + logit(p)``.

    Zero for calibrated predictions, negative when they overestimate risk.
    NaN with one class.
    """
    return float(_cal_intercept_rows(*_as_2d(y, p))[0])


def calibration_slope(y, p):
    """Calibration slope: ``b`` in ``logit P(y=1) = a + b logit(p)``.

    One for calibrated predictions, below one when they are too extreme
    (overfitting). NaN with one class or separated data.
    """
    return float(_cal_slope_rows(*_as_2d(y, p))[0])


def sensitivity_specificity(y, p, threshold=0.5):
    """Sensitivity and specificity when ``p >= threshold`` predicts response.

    Returns
    -------
    sensitivity, specificity : float
        NaN when there are no responders (resp. no non-responders).
    """
    sens, spec = _sens_spec_rows(*_as_2d(y, p), threshold)
    return float(sens[0]), float(spec[0])


def net_benefit(y, p, thresholds):
    """Net benefit of treating patients with ``p >= pt`` (Vickers & Elkin 2006).

    ``NB(pt) = TP/n - FP/n * pt / (1 - pt)``.

    Parameters
    ----------
    y : array-like of 0/1
    p : array-like of float
    thresholds : array-like of float in (0, 1)

    Returns
    -------
    ndarray of shape (n_thresholds,)

    Examples
    --------
    >>> round(float(net_benefit([1, 0], [0.9, 0.2], [0.5])[0]), 3)
    0.5
    """
    y, p = check_labels_and_probabilities(y, p)
    pt = check_thresholds(thresholds)
    treat = p[None, :] >= pt[:, None]
    tp = (treat * y).sum(axis=1) / len(y)
    fp = (treat * (1 - y)).sum(axis=1) / len(y)
    return tp - fp * pt / (1 - pt)


def compute_metrics(y, p, threshold=0.5):
    """All metrics of :data:`METRICS` for one group, with a note when undefined.

    Parameters
    ----------
    y : array-like of 0/1
    p : array-like of float
    threshold : float, default=0.5

    Returns
    -------
    values : dict of str to float
    note : str
        Empty, or why some metrics are NaN.
    """
    y, p = check_labels_and_probabilities(y, p)
    values = {k: float(v[0]) for k, v in metric_rows(y, p, threshold).items()}
    note = ""
    if len(y) == 0:
        note = "no patients"
    elif y.min() == y.max():
        which = "responders" if y[0] == 1 else "non-responders"
        note = f"only {which}: AUC and calibration undefined"
    elif np.isnan(values["calibration_slope"]):
        note = "calibration slope undefined (separated or constant predictions)"
    return values, note
