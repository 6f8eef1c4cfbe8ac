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
    scored = table[table["status"] == "scored"]
    texts = [t for t in (movers.get((r.patient_id, r.landmark)) for r in scored.itertuples())
             if isinstance(t, str) and t]
    if len(texts) > MAX_MOVER_COLUMNS:
        below_height, row_tops = 0.45 + 0.14 * len(texts), None
    else:
        below_height, row_tops = _column_rows(scored["landmark"].to_numpy(dtype=float), texts)
    fig = Figure(figsize=(8.0, 4.7 + below_height), layout="constrained")
    ax, below = fig.subplots(2, 1, sharex=True, height_ratios=(3.2, below_height))
    ax.plot(scored["landmark"], scored["prob_response"], marker="o", color="#1f77b4",
            label="predicted probability of response")
    for row in scored.itertuples():
        high = row.prob_response > 0.9  # the value hangs below points at the top
        ax.annotate(f"{row.prob_response:.2f}", (row.landmark, row.prob_response),
                    textcoords="offset points", xytext=(0, -9 if high else 7), fontsize=8,
                    ha="center", va="top" if high else "bottom")
    _write_movers(below, scored, movers, row_tops)
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

#: Inches: the header line above the mover columns, one line of mover text, a box's padding.
_HEADER, _LINE, _PAD = 0.3, 0.12, 0.12


def _column_text(text, day):
    """A landmark's movers as a column: one per line, a new result's values on their own line
    to keep the column narrow."""
    text = text.replace("; ", "\n").replace(" (new result: ", "\n(new result: ")
    return f"day {day:g}\n{text}"


def _column_rows(days, texts):
    """Height (inches) of the panel under the chart and the top of each row of mover columns
    (fraction of that panel): a second row when landmarks are too close for their columns to
    sit side by side, each row as tall as the longest column."""
    span = (days.max() - days.min()) if len(days) > 1 else 1.0
    crowded = len(days) > 1 and np.diff(days).min() < 0.22 * span
    lines = max((_column_text(t, 0).count("\n") + 1 for t in texts), default=0)
    row = lines * _LINE + _PAD
    height = max(1.1, _HEADER + row * (2 if crowded else 1) + 0.05)
    return height, [1 - _HEADER / height, 1 - (_HEADER + row) / height] if crowded \
        else [1 - _HEADER / height]


def _write_movers(ax, scored, movers, row_tops):
    """Under the chart, each landmark's SHAP movers in a column below its day.

    Labels beside the points overlapped when two landmarks had similar
    probabilities; here columns alternate between two rows (``row_tops``) when
    the landmarks are too close for their text to sit side by side. Beyond
    :data:`MAX_MOVER_COLUMNS` landmarks no columns fit (``row_tops`` is None):
    the movers are listed one landmark per line.
    """
    ax.set_axis_off()
    ax.set_ylim(0, 1)
    header = ax.text(0.0, 1.0, "what changed since the previous landmark (SHAP, log-odds):",
                     transform=ax.transAxes, fontsize=7.5, va="top", color="#444444")
    lines = [(row.landmark, movers.get((row.patient_id, row.landmark)))
             for row in scored.itertuples()]
    lines = [(day, text) for day, text in lines if isinstance(text, str) and text]
    if row_tops is None:
        ax.annotate("\n".join(f"day {day:g}: {text}" for day, text in lines), (0, 0),
                    xycoords=header, xytext=(0, -4), textcoords="offset points",
                    fontsize=7, ha="left", va="top", linespacing=1.5)
        return
    for k, row in enumerate(scored.itertuples()):
        text = movers.get((row.patient_id, row.landmark))
        if not (isinstance(text, str) and text):
            continue
        ax.text(row.landmark, row_tops[k % len(row_tops)], _column_text(text, row.landmark),
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
