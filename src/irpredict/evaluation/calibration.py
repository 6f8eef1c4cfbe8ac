"""Calibration curves: binned observed response rates and a smooth logistic fit."""

import numpy as np
from scipy.special import expit
from scipy.stats import norm

from irpredict.evaluation.metrics import calibration_intercept, calibration_slope

__all__ = ["calibration_table", "smooth_calibration"]


def _wilson(k, n, ci=0.95):
    z = norm.ppf(0.5 + ci / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        phat = k / n
        centre = (phat + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def calibration_table(y, p, *, n_bins=10, strategy="quantile"):
    """Observed response rate against mean predicted probability per bin.

    Parameters
    ----------
    y : array-like of 0/1
    p : array-like of float
    n_bins : int, default=10
    strategy : {"quantile", "uniform"}, default="quantile"
        Equal-count bins or equal-width bins on [0, 1].

    Returns
    -------
    pandas.DataFrame
        ``bin, n, mean_predicted, observed, ci_low, ci_high`` (Wilson 95%
        interval of the observed rate); empty bins are dropped.

    Examples
    --------
    >>> calibration_table([0, 1, 0, 1], [0.2, 0.3, 0.6, 0.9], n_bins=2)["n"].tolist()
    [2, 2]
    """
    import pandas as pd

    from irpredict.evaluation.metrics import check_labels_and_probabilities

    y, p = check_labels_and_probabilities(y, p)
    if p.ndim != 1:
        raise ValueError(f"calibration_table takes one probability per patient; got shape "
                         f"{p.shape}")
    if strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
    elif strategy == "uniform":
        edges = np.linspace(0, 1, n_bins + 1)
    else:
        raise ValueError(f"strategy must be 'quantile' or 'uniform'; got {strategy!r}.")
    bins = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, max(len(edges) - 2, 0))
    frame = pd.DataFrame({"bin": bins, "y": y, "p": p})
    table = frame.groupby("bin").agg(n=("y", "size"), k=("y", "sum"),
                                     mean_predicted=("p", "mean")).reset_index()
    table["observed"] = table["k"] / table["n"]
    table["ci_low"], table["ci_high"] = _wilson(table["k"].to_numpy(), table["n"].to_numpy())
    return table.drop(columns="k")[["bin", "n", "mean_predicted", "observed", "ci_low",
                                    "ci_high"]]


def smooth_calibration(y, p, grid=None):
    """Smooth calibration curve from the logistic recalibration fit.

    Fits ``logit P(y=1) = a + b logit(p)`` (the calibration slope model)
    and evaluates it on a grid of predicted probabilities.

    Parameters
    ----------
    y : array-like of 0/1
    p : array-like of float
    grid : array-like of float or None, default=None
        Predicted probabilities to evaluate; ``None`` uses 99 points spanning
        the observed range of ``p``.

    Returns
    -------
    pandas.DataFrame
        ``predicted, observed``; ``observed`` is NaN when the fit is
        undefined (one class).
    """
    import pandas as pd

    p = np.asarray(p, dtype=float)
    if grid is None:
        grid = np.linspace(max(p.min(), 1e-3), min(p.max(), 1 - 1e-3), 99)
    grid = np.asarray(grid, dtype=float)
    b = calibration_slope(y, p)
    # intercept of the slope model: refit a with b fixed is the same MLE as the joint fit
    lp = np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
    a = calibration_intercept(y, expit(b * lp)) if np.isfinite(b) else np.nan
    lg = np.log(grid / (1 - grid))
    return pd.DataFrame({"predicted": grid, "observed": expit(a + b * lg)})
