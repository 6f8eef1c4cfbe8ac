"""Figures: ROC curves per therapy class, calibration curve, decision curve.

Each function builds its own matplotlib Figure with the Agg backend (no
display needed), optionally saves it as PNG, and returns it. Close figures
you keep (``matplotlib.pyplot.close(fig)``) when making many.
"""

import numpy as np

from irpredict.evaluation.calibration import calibration_table, smooth_calibration
from irpredict.evaluation.metrics import roc_auc

__all__ = ["plot_roc", "plot_calibration", "plot_decision_curve"]


def _figure(figsize):
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _save(fig, path):
    if path is not None:
        fig.savefig(path, dpi=120, format="png")
    return fig


def plot_roc(oof, *, path=None, repeat=0, figsize=(5.5, 5)):
    """ROC curve of each therapy class and overall, from out-of-fold predictions.

    Parameters
    ----------
    oof : pandas.DataFrame
        ``therapy_class, y, prob`` and optionally ``repeat`` and ``model``
        (only the first model is drawn; filter the frame for others).
    path : str or path-like or None, default=None
        Save the figure as PNG there.
    repeat : int, default=0
        Which repeat of cross-validation to draw.
    figsize : tuple, default=(5.5, 5)

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_roc(result.oof, path="roc.png")  # doctest: +SKIP
    """
    from sklearn.metrics import roc_curve

    if "repeat" in oof.columns:
        oof = oof[oof["repeat"] == repeat]
    if "model" in oof.columns:
        oof = oof[oof["model"] == oof["model"].iloc[0]]
    fig, ax = _figure(figsize)
    groups = [(g, sub) for g, sub in oof.groupby("therapy_class", sort=True)]
    groups.append(("overall", oof))
    for name, sub in groups:
        if sub["y"].nunique() < 2:
            continue
        fpr, tpr, _ = roc_curve(sub["y"], sub["prob"])
        style = {"color": "black", "linewidth": 2} if name == "overall" else {"linewidth": 1.2}
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(sub['y'], sub['prob']):.2f}, "
                                f"n={len(sub)})", **style)
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
    ax.set(xlabel="1 - specificity", ylabel="sensitivity", title="ROC by therapy class",
           xlim=(0, 1), ylim=(0, 1.01))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize="small")
    else:
        ax.text(0.5, 0.5, "no group has both responders and non-responders",
                ha="center", va="center", fontsize="small", color="grey")
    return _save(fig, path)


def plot_calibration(y, p, *, n_bins=10, path=None, figsize=(5.5, 5)):
    """Calibration curve: binned observed rates with 95% intervals and a logistic smooth.

    Parameters
    ----------
    y : array-like of 0/1
    p : array-like of float
    n_bins : int, default=10
        Equal-count bins.
    path : str or path-like or None, default=None
    figsize : tuple, default=(5.5, 5)

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = calibration_table(y, p, n_bins=n_bins)
    smooth = smooth_calibration(y, p)
    fig, ax = _figure(figsize)
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey", label="ideal")
    ax.errorbar(table["mean_predicted"], table["observed"],
                yerr=np.clip([table["observed"] - table["ci_low"],
                              table["ci_high"] - table["observed"]], 0, None),
                fmt="o", capsize=2, label="binned (95% CI)")
    ax.plot(smooth["predicted"], smooth["observed"], label="logistic smooth")
    p = np.asarray(p, dtype=float)
    counts, edges = np.histogram(p, bins=40, range=(0, 1))
    ax.bar(edges[:-1], 0.15 * counts / max(counts.max(), 1), width=np.diff(edges),
           align="edge", color="grey", alpha=0.4, label="distribution of p")
    ax.set(xlabel="predicted probability of response", ylabel="observed response rate",
           title="Calibration", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left", fontsize="small")
    return _save(fig, path)


def plot_decision_curve(curve, *, path=None, figsize=(6, 4.5)):
    """Net benefit of the model against treat-all and treat-none.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`~irpredict.evaluation.decision_curve`.
    path : str or path-like or None, default=None
    figsize : tuple, default=(6, 4.5)

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure(figsize)
    labels = {"model": "model", "treat_all": "treat all", "treat_none": "treat none"}
    for strategy, sub in curve.groupby("strategy", sort=False):
        line, = ax.plot(sub["threshold"], sub["net_benefit"], label=labels.get(strategy, strategy))
        if sub["ci_low"].notna().any() and strategy != "treat_none":
            ax.fill_between(sub["threshold"], sub["ci_low"], sub["ci_high"],
                            color=line.get_color(), alpha=0.2)
    model = curve[curve["strategy"] == "model"]["net_benefit"]
    top = float(np.nanmax(model)) if len(model) else 0.1
    ax.set(xlabel="threshold probability", ylabel="net benefit", title="Decision curve",
           ylim=(-0.05, max(top, 0.01) * 1.15))
    ax.legend(loc="upper right", fontsize="small")
    return _save(fig, path)
