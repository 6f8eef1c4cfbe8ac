"""Trade-off plot: eligible fraction vs expected response rate vs trial size."""

import numpy as np

__all__ = ["plot_tradeoff"]


def _wide(table, therapy_class, size_metric):
    from irpredict.screening._metrics import wide

    sub = table[table["therapy_class"] == therapy_class]
    info = sub.drop_duplicates("rule").set_index("rule")[["kind", "threshold"]]
    out = wide(sub, keys=("rule",)).join(info).reset_index()
    for col in ("response_rate_eligible", "eligible_fraction", size_metric):
        if col not in out:
            out[col] = np.nan
    return out


def plot_tradeoff(table, *, therapy_class=None, size_metric="single_arm_n", ax=None):
    """Plot the screening trade-off of an :func:`~irpredict.screening.enrichment_table`.

    Response rate among eligible patients on x, eligible fraction on y, marker
    colour = trial size (``size_metric``; hollow red markers: no finite trial
    size); one line for the threshold sweep (in threshold order, each point
    labelled with its threshold), one labelled point per criterion, a star for
    no screening.
    Error bars are the bootstrap CIs of the response rate.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy output of :func:`~irpredict.screening.enrichment_table`.
    therapy_class : str or None, default=None
        Group to plot; ``None`` takes the first group of the table.
    size_metric : str, default="single_arm_n"
        Metric shown as marker colour.
    ax : matplotlib.axes.Axes or None

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    group = therapy_class or table["therapy_class"].iloc[0]
    wide = _wide(table, group, size_metric)
    ci = table[(table["therapy_class"] == group)
               & (table["metric"] == "response_rate_eligible")].set_index("rule")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(7, 5))
    size = wide[size_metric].to_numpy(dtype=float)
    finite = np.isfinite(size)
    vmax = np.nanmax(size[finite]) if finite.any() else 1.0
    colour = np.where(finite, size, np.nan)
    x = wide["response_rate_eligible"].to_numpy(dtype=float)
    y = wide["eligible_fraction"].to_numpy(dtype=float)
    low = ci.reindex(wide["rule"])["ci_low"].to_numpy(dtype=float)
    high = ci.reindex(wide["rule"])["ci_high"].to_numpy(dtype=float)
    ax.errorbar(x, y, xerr=[np.clip(x - low, 0, None), np.clip(high - x, 0, None)], fmt="none",
                ecolor="0.7", elinewidth=1, zorder=1)
    sweep = (wide["kind"] == "threshold").to_numpy()
    if sweep.any():
        order = np.argsort(wide["threshold"].to_numpy(dtype=float)[sweep])
        ax.plot(x[sweep][order], y[sweep][order], "-", color="0.4", zorder=2,
                label="score threshold sweep")
    markers = {"threshold": "o", "criterion": "s", "none": "*"}
    sc = None
    for kind, marker in markers.items():
        m = (wide["kind"] == kind).to_numpy()
        if (m & finite).any():
            sc = ax.scatter(x[m & finite], y[m & finite], c=colour[m & finite], cmap="viridis_r",
                            vmin=0, vmax=vmax, marker=marker, s=160 if kind == "none" else 60,
                            edgecolors="k", zorder=3,
                            label={"none": "no screening", "criterion": "criteria",
                                   "threshold": None}[kind])
        if (m & ~finite).any():  # hollow: no trial of finite size, not the largest one
            ax.scatter(x[m & ~finite], y[m & ~finite], facecolors="none", edgecolors="tab:red",
                       marker=marker, s=160 if kind == "none" else 60, linewidths=1.5, zorder=3)
    if (~finite).any():
        ax.scatter([], [], facecolors="none", edgecolors="tab:red", marker="o",
                   label="no finite trial size")
    if sweep.any():
        _label_thresholds(ax, x[sweep], y[sweep], wide["threshold"].to_numpy(dtype=float)[sweep])
    _label_rules(ax, x, y, wide)
    if sc is not None:
        fig.colorbar(sc, ax=ax, label=size_metric)
    ax.set_xlabel("expected response rate among eligible")
    ax.set_ylabel("eligible fraction of screened patients")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Screening trade-off ({group})")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def _label_thresholds(ax, x, y, thresholds):
    """Each sweep point says its threshold; thresholds that land on one point, once."""
    at_point = {}
    for xi, yi, t in zip(x, y, thresholds, strict=True):
        if np.isfinite(xi) and np.isfinite(yi):
            at_point.setdefault((round(float(xi), 3), round(float(yi), 3)), []).append(t)
    for (xi, yi), ts in at_point.items():
        ts = sorted(ts)
        text = f"{ts[0]:g}" if len(ts) == 1 else f"{ts[0]:g}-{ts[-1]:g}"
        ax.annotate(text, (xi, yi), textcoords="offset points", xytext=(-4, -10),
                    fontsize=6, color="0.3", ha="right")


def _label_rules(ax, x, y, wide):
    """Criteria and the no-screening point, labelled inside the axes."""
    labelled = 0
    for xi, yi, rule, kind in zip(x, y, wide["rule"], wide["kind"], strict=True):
        if kind != "threshold" and np.isfinite(xi) and np.isfinite(yi):
            rule = " ".join(rule.split())  # a tab or newline has no glyph in the plot font
            right = xi > 0.5  # right of the middle the label extends to the left
            ax.annotate(rule if len(rule) < 40 else rule[:28] + " ... " + rule[-9:], (xi, yi),
                        textcoords="offset points",
                        xytext=(-9 if right else 9, 3 + 7 * (labelled % 2)),
                        fontsize=7, va="bottom", ha="right" if right else "left")
            labelled += 1
