"""Decision-curve analysis: net benefit against treat-all and treat-none."""

import numpy as np

from irpredict.evaluation.bootstrap import percentile_ci, stratified_indices
from irpredict.evaluation.metrics import check_labels_and_probabilities, check_thresholds

__all__ = ["DEFAULT_THRESHOLDS", "decision_curve"]

#: Threshold probabilities 0.01, 0.02, ..., 0.99.
DEFAULT_THRESHOLDS = np.round(np.arange(1, 100) / 100, 2)


def _nb_rows(Y, P, pt):
    """Net benefit of the model and of treat-all, shape (rows, thresholds)."""
    n = Y.shape[1]
    odds = pt / (1 - pt)
    model = np.empty((Y.shape[0], len(pt)))
    for j, t in enumerate(pt):
        treat = P >= t
        tp = (treat & (Y == 1)).sum(axis=1) / n
        fp = (treat & (Y == 0)).sum(axis=1) / n
        model[:, j] = tp - fp * odds[j]
    prevalence = Y.mean(axis=1, keepdims=True)
    treat_all = prevalence - (1 - prevalence) * odds[None, :]
    return model, treat_all


def _nb_repeats(Y, P_repeats, pt):
    """Net benefit averaged over repeats; P_repeats has shape (n_repeats, rows, n)."""
    results = [_nb_rows(Y, P, pt) for P in P_repeats]
    model = np.mean([r[0] for r in results], axis=0)
    return model, results[0][1]


def decision_curve(y, p, thresholds=None, *, n_bootstrap=200, random_state=0, ci=0.95,
                   stratify=False):
    """Net benefit of the model, treat-all and treat-none, with bootstrap bands.

    ``NB(pt) = TP/n - FP/n * pt/(1-pt)`` where patients with ``p >= pt``
    are treated (Vickers & Elkin 2006); treat-all uses every patient and
    treat-none is 0.

    Parameters
    ----------
    y : array-like of 0/1
    p : array-like of shape (n,) or (n_repeats, n)
        Out-of-fold or external probabilities (never in-sample). With
        several rows (repeats of cross-validation, patients in the same
        order), net benefit is computed per repeat and averaged, also
        within every resample.
    thresholds : array-like of float in (0, 1) or None, default=None
        ``None`` uses :data:`DEFAULT_THRESHOLDS`.
    n_bootstrap : int, default=200
        Bootstrap resamples for the bands (see ``stratify``); 0 skips them
        (NaN).
    random_state : int, default=0
    ci : float, default=0.95
    stratify : bool, default=False
        Resample within labels. The default resamples patients freely, so
        the bands include the uncertainty of the response rate, which
        drives treat-all and the model's net benefit at low thresholds.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``threshold, strategy ("model" | "treat_all" | "treat_none"),
        net_benefit, ci_low, ci_high``, plus for the model rows
        ``interventions_avoided`` per patient,
        ``(NB_model - NB_all) / (pt / (1 - pt))``.

    Examples
    --------
    >>> dc = decision_curve([0, 1, 1, 0], [0.2, 0.8, 0.6, 0.3], [0.5], n_bootstrap=0)
    >>> dc.set_index("strategy").loc["model", "net_benefit"]
    np.float64(0.5)
    """
    import pandas as pd

    y, P = check_labels_and_probabilities(y, p)
    P = np.atleast_2d(P)
    pt = check_thresholds(DEFAULT_THRESHOLDS if thresholds is None else thresholds)
    model, treat_all = (a[0] for a in _nb_repeats(y[None, :], P[:, None, :], pt))
    bands = {k: (np.full(len(pt), np.nan), np.full(len(pt), np.nan)) for k in ("model", "all")}
    if n_bootstrap > 0 and len(y) > 0:
        if stratify:
            idx = stratified_indices(y, n_bootstrap, random_state)
        else:
            rng = np.random.default_rng(random_state)
            idx = rng.integers(0, len(y), size=(n_bootstrap, len(y)))
        boot_model, boot_all = _nb_repeats(y[idx], P[:, idx], pt)
        bands = {"model": percentile_ci(boot_model, ci), "all": percentile_ci(boot_all, ci)}
    odds = pt / (1 - pt)
    frames = [
        pd.DataFrame({"threshold": pt, "strategy": "model", "net_benefit": model,
                      "ci_low": bands["model"][0], "ci_high": bands["model"][1],
                      "interventions_avoided": (model - treat_all) / odds}),
        pd.DataFrame({"threshold": pt, "strategy": "treat_all", "net_benefit": treat_all,
                      "ci_low": bands["all"][0], "ci_high": bands["all"][1],
                      "interventions_avoided": np.nan}),
        pd.DataFrame({"threshold": pt, "strategy": "treat_none", "net_benefit": 0.0,
                      "ci_low": 0.0, "ci_high": 0.0, "interventions_avoided": np.nan}),
    ]
    return pd.concat(frames, ignore_index=True)
