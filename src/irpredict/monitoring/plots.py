"""The probability trajectory plot of one patient, with the top movers annotated."""

import numpy as np

__all__ = ["plot_trajectory"]


def plot_trajectory(trajectory, *, top=3, title=None):
    """Predicted response probability per landmark, annotated with what changed.

    Parameters
    ----------
    trajectory : irpredict.monitoring.Trajectory
        One patient's trajectory (:meth:`Trajectory.for_patient`).
    top : int, default=3
        Biomarkers named at each landmark after the first scored one (those
        whose SHAP value moved most since the previous scored landmark).
    title : str or None, default=None

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    table = trajectory.table.sort_values("landmark")
    pid = table["patient_id"].iloc[0] if len(table) else ""
    movers = trajectory.movers_text(top)
    fig = Figure(figsize=(8.0, 4.8), layout="constrained")
    ax = fig.subplots()
    scored = table[table["status"] == "scored"]
    ax.plot(scored["landmark"], scored["prob_response"], marker="o", color="#1f77b4",
            label="predicted probability of response")
    last = scored["landmark"].max() if len(scored) > 1 else None
    for row in scored.itertuples():
        text = f"{row.prob_response:.2f}"
        extra = movers.get((row.patient_id, row.landmark))
        if isinstance(extra, str) and extra:
            text += "\n" + extra.replace("; ", "\n")
        high = row.prob_response > 0.6  # the label hangs below high points, inside the axes
        left = row.landmark == last  # the last label reads leftwards, inside the axes
        ax.annotate(text, (row.landmark, row.prob_response), textcoords="offset points",
                    xytext=(-6 if left else 6, -8 if high else 8), fontsize=7.5,
                    va="top" if high else "bottom", ha="right" if left else "left",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    _mark_unscored(ax, table)
    ax.set_ylim(0, 1.08)
    days = table["landmark"].to_numpy(dtype=float)
    pad = max(5.0, 0.12 * (days.max() - days.min())) if len(days) else 5.0
    ax.set_xlim(days.min() - pad if len(days) else -5, days.max() + 2 * pad if len(days) else 5)
    ax.set_xticks(days)
    ax.set_xlabel("landmark (days since first dose)")
    ax.set_ylabel("P(response)")
    therapy = table["therapy_class"].iloc[0] if len(table) else ""
    ax.set_title(title or f"patient {pid} ({therapy}): landmark predictions", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def _mark_unscored(ax, table):
    """A grey marker at the bottom for each landmark not scored, with the reason."""
    rows = table[table["status"] != "scored"]
    for row in rows.itertuples():
        short = "progressed / off treatment" if row.in_population is False else "not reached"
        ax.scatter([row.landmark], [0.03], marker="x", color="grey")
        ax.annotate(short, (row.landmark, 0.03), textcoords="offset points", xytext=(4, 4),
                    fontsize=7, color="grey", rotation=0)
    if len(rows):
        ax.scatter([], [], marker="x", color="grey", label="not scored at this landmark")
    return np.asarray(rows["landmark"], dtype=float)
