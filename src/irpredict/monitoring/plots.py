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
    movers = trajectory.movers_text(top, baseline=False)  # the table says it; room is short
    scored = table[table["status"] == "scored"]
    n_texts = sum(isinstance(movers.get((r.patient_id, r.landmark)), str)
                  for r in scored.itertuples())
    below_height = 1.1 if n_texts <= MAX_MOVER_COLUMNS else 0.45 + 0.14 * n_texts
    fig = Figure(figsize=(8.0, 4.7 + below_height), layout="constrained")
    ax, below = fig.subplots(2, 1, sharex=True, height_ratios=(3.2, below_height))
    ax.plot(scored["landmark"], scored["prob_response"], marker="o", color="#1f77b4",
            label="predicted probability of response")
    for row in scored.itertuples():
        high = row.prob_response > 0.9  # the value hangs below points at the top
        ax.annotate(f"{row.prob_response:.2f}", (row.landmark, row.prob_response),
                    textcoords="offset points", xytext=(0, -9 if high else 7), fontsize=8,
                    ha="center", va="top" if high else "bottom")
    _write_movers(below, scored, movers)
    _mark_unscored(ax, table)
    _mark_extrapolated(ax, scored)
    ax.set_ylim(0, 1.08)
    days = table["landmark"].to_numpy(dtype=float)
    pad = max(5.0, 0.12 * (days.max() - days.min())) if len(days) else 5.0
    ax.set_xlim(days.min() - pad if len(days) else -5, days.max() + 2 * pad if len(days) else 5)
    ax.set_xticks(days)
    ax.tick_params(labelbottom=True)
    ax.set_xlabel("landmark (days since first dose)")
    ax.set_ylabel("P(response)")
    therapy = table["therapy_class"].iloc[0] if len(table) else ""
    ax.set_title(title or f"patient {pid} ({therapy}): landmark predictions", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


#: Landmarks with movers written in columns under their days; more are listed one per line.
MAX_MOVER_COLUMNS = 4


def _write_movers(ax, scored, movers):
    """Under the chart, each landmark's SHAP movers in a column below its day.

    Labels beside the points overlapped when two landmarks had similar
    probabilities; here columns alternate between two rows when the landmarks
    are too close for their text to sit side by side. Beyond
    :data:`MAX_MOVER_COLUMNS` landmarks no columns fit: the movers are listed
    one landmark per line.
    """
    ax.set_axis_off()
    ax.set_ylim(0, 1)
    days = scored["landmark"].to_numpy(dtype=float)
    span = (days.max() - days.min()) if len(days) > 1 else 1.0
    crowded = len(days) > 1 and np.diff(days).min() < 0.22 * span
    header = ax.text(0.0, 1.0, "what changed since the previous landmark (SHAP, log-odds):",
                     transform=ax.transAxes, fontsize=7.5, va="top", color="#444444")
    lines = [(row.landmark, movers.get((row.patient_id, row.landmark)))
             for row in scored.itertuples()]
    lines = [(day, text) for day, text in lines if isinstance(text, str) and text]
    if len(lines) > MAX_MOVER_COLUMNS:
        ax.annotate("\n".join(f"day {day:g}: {text}" for day, text in lines), (0, 0),
                    xycoords=header, xytext=(0, -4), textcoords="offset points",
                    fontsize=7, ha="left", va="top", linespacing=1.5)
        return
    for k, row in enumerate(scored.itertuples()):
        text = movers.get((row.patient_id, row.landmark))
        if not (isinstance(text, str) and text):
            continue
        top = 0.78 - (0.42 if crowded and k % 2 else 0.0)
        # a new result's values go on a line of their own to keep the columns narrow
        text = text.replace("; ", "\n").replace(" (new result: ", "\n(new result: ")
        ax.text(row.landmark, top, f"day {row.landmark:g}\n" + text,
                fontsize=7, ha="center", va="top",
                bbox={"boxstyle": "round,pad=0.25", "fc": "#f4f7fb", "ec": "#c9d6e6"})


def _mark_extrapolated(ax, scored):
    """A red ring round each point whose features lie far outside the model's training range."""
    if "far_outside_training" not in scored.columns:
        return
    far = scored[scored["far_outside_training"].fillna("").astype(str) != ""]
    if len(far):
        ax.scatter(far["landmark"], far["prob_response"], s=180, facecolors="none",
                   edgecolors="#d62728", linewidths=1.5, zorder=3, clip_on=False,
                   label="extrapolated: a value far outside the training range")


def _mark_unscored(ax, table):
    """A grey marker at the bottom for each landmark not scored, with the reason."""
    rows = table[table["status"] != "scored"]
    last = table["landmark"].max() if len(table) else None
    said = None
    for row in rows.itertuples():
        ax.scatter([row.landmark], [0.03], marker="x", color="grey")
        # a run of landmarks unscored for one reason is labelled once, at its first
        short = (str(row.status).removeprefix("not in population: ")
                 if row.in_population is False else "not reached")
        if short == said:
            continue
        said = short
        at_end = row.landmark == last  # the last landmark's label extends to the left
        ax.annotate(short, (row.landmark, 0.03), textcoords="offset points",
                    xytext=(-4 if at_end else 4, 4), ha="right" if at_end else "left",
                    fontsize=7, color="grey", rotation=0)
    if len(rows):
        ax.scatter([], [], marker="x", color="grey", label="not scored at this landmark")
    return np.asarray(rows["landmark"], dtype=float)
