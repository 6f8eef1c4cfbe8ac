"""Plots of SHAP explanations in original biomarker terms (matplotlib, no pyplot).

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot (no global state, no display needed); save it with
``fig.savefig("file.png")``. Values are log-odds SHAP values, as computed by
:func:`irpredict.explain.explain`.

* :func:`plot_importance` -- global mean |SHAP| bar chart for one therapy class;
* :func:`plot_beeswarm` -- one row of dots per biomarker, coloured by its value;
* :func:`plot_dependence` -- SHAP value against the biomarker's raw value for
  the top drivers of a class;
* :func:`plot_waterfall` -- one patient, from the base value to the log-odds.
"""

import numpy as np

from irpredict.exceptions import CohortDataError

__all__ = ["plot_importance", "plot_beeswarm", "plot_dependence", "plot_waterfall"]

_XLABEL = "SHAP value (log-odds of response)"


def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _subset(explanation, therapy_class):
    """Row mask of a therapy class (all rows for None) and a title suffix."""
    n = len(explanation.values)
    if therapy_class is None:
        return np.ones(n, dtype=bool), "all patients"
    if explanation.therapy_class is None:
        raise CohortDataError("This explanation has no therapy_class; pass therapy_class=None.")
    mask = (explanation.therapy_class.astype(str) == str(therapy_class)).to_numpy()
    if not mask.any():
        known = sorted(explanation.therapy_class.astype(str).unique())
        raise CohortDataError(
            f"No explained patient has therapy_class {therapy_class!r}; explained classes: "
            f"{known}."
        )
    return mask, str(therapy_class)


def _ranked(values, top):
    strength = np.abs(values.to_numpy(dtype=np.float64)).mean(axis=0)
    order = np.argsort(-strength, kind="stable")
    order = order[strength[order] > 0][:top]  # biomarkers this model never uses are left out
    return [values.columns[i] for i in order], strength[order]


def _numeric(raw):
    """Raw values as floats; categories become their sorted codes."""
    import pandas as pd

    s = pd.Series(raw)
    num = pd.to_numeric(s, errors="coerce")
    if num.notna().sum() >= s.notna().sum():
        return num.to_numpy(dtype=np.float64), None
    cats = sorted(s.dropna().astype(str).unique())
    codes = s.map(lambda v: np.nan if pd.isna(v) else float(cats.index(str(v))))
    return codes.to_numpy(dtype=np.float64), cats


def plot_importance(explanation, therapy_class=None, *, top=15):
    """Bar chart of mean |SHAP| per biomarker for one therapy class.

    Parameters
    ----------
    explanation : irpredict.explain.Explanation
    therapy_class : str or None, default=None
        Patients to summarise; ``None`` for all.
    top : int, default=15
        Number of biomarkers shown (most important at the top).

    Returns
    -------
    matplotlib.figure.Figure
    """
    mask, label = _subset(explanation, therapy_class)
    names, strength = _ranked(explanation.values.loc[mask], top)
    fig = _figure(6.5, 0.35 * len(names) + 1.4)
    ax = fig.add_subplot()
    pos = np.arange(len(names))[::-1]
    ax.barh(pos, strength, color="#1f77b4")
    ax.set_yticks(pos, labels=names)
    ax.set_xlabel("mean |SHAP value| (log-odds of response)")
    ax.set_title(f"Global importance: {label} (n={int(mask.sum())})")
    return fig


def plot_beeswarm(explanation, therapy_class=None, *, top=15, max_points=2000,
                  random_state=0):
    """Beeswarm: each patient's SHAP value per biomarker, coloured by the value.

    Parameters
    ----------
    explanation : irpredict.explain.Explanation
    therapy_class : str or None, default=None
    top : int, default=15
        Number of biomarkers (rows), most important at the top.
    max_points : int, default=2000
        Patients drawn at most (a random subset beyond that).
    random_state : int, default=0
        Seed of the subset and of the vertical jitter.

    Returns
    -------
    matplotlib.figure.Figure
        Colour runs from low (blue) to high (red) raw value within each
        biomarker; categories are coloured by their sorted order.
    """
    mask, label = _subset(explanation, therapy_class)
    rows = np.flatnonzero(mask)
    rng = np.random.default_rng(random_state)
    if len(rows) > max_points:
        rows = np.sort(rng.choice(rows, max_points, replace=False))
    values = explanation.values.iloc[rows]
    names, _ = _ranked(values, top)
    fig = _figure(7.0, 0.4 * len(names) + 1.6)
    ax = fig.add_subplot()
    for k, name in enumerate(names):
        y = len(names) - 1 - k
        shap_vals = values[name].to_numpy(dtype=np.float64)
        raw, _ = _numeric(explanation.feature_values[name].to_numpy()[rows])
        lo, hi = np.nanpercentile(raw, [5, 95]) if np.isfinite(raw).any() else (0.0, 1.0)
        colour = np.clip((raw - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
        jitter = rng.uniform(-0.3, 0.3, len(shap_vals))
        missing = ~np.isfinite(colour)
        ax.scatter(shap_vals[~missing], y + jitter[~missing], c=colour[~missing], cmap="coolwarm",
                   vmin=0, vmax=1, s=6, alpha=0.7, linewidths=0)
        ax.scatter(shap_vals[missing], y + jitter[missing], color="#999999", s=6, alpha=0.5,
                   linewidths=0)
    ax.axvline(0.0, color="#444444", lw=0.8)
    ax.set_yticks(np.arange(len(names))[::-1], labels=names)
    ax.set_xlabel(_XLABEL)
    ax.set_title(f"SHAP values: {label} (colour: low -> high value; grey: missing)")
    return fig


def plot_dependence(explanation, biomarkers=None, therapy_class=None, *, top=4):
    """SHAP value against the raw value of each biomarker (one panel each).

    Parameters
    ----------
    explanation : irpredict.explain.Explanation
    biomarkers : list of str or None, default=None
        Biomarkers to show; ``None`` takes the ``top`` most important of the
        therapy class.
    therapy_class : str or None, default=None
    top : int, default=4

    Returns
    -------
    matplotlib.figure.Figure
        One axes per biomarker; its x label names the biomarker and the
        input column shown (e.g. ``crp (crp__baseline)``).

    Raises
    ------
    CohortDataError
        When a requested biomarker is not in the explanation.
    """
    mask, label = _subset(explanation, therapy_class)
    values = explanation.values.loc[mask]
    if biomarkers is None:
        biomarkers, _ = _ranked(values, top)
    unknown = [b for b in biomarkers if b not in values.columns]
    if unknown:
        raise CohortDataError(
            f"Biomarkers {unknown[:5]} are not in the explanation; explained biomarkers: "
            f"{list(values.columns)[:10]}{'...' if values.shape[1] > 10 else ''}."
        )
    fig = _figure(3.6 * len(biomarkers), 3.4)
    axes = fig.subplots(1, len(biomarkers), squeeze=False)[0]
    for ax, name in zip(axes, biomarkers, strict=True):
        raw, cats = _numeric(explanation.feature_values.loc[mask, name].to_numpy())
        ok = np.isfinite(raw)
        ax.scatter(raw[ok], values[name].to_numpy()[ok], s=6, alpha=0.5, linewidths=0)
        if cats is not None:
            ax.set_xticks(np.arange(len(cats)), labels=cats, rotation=45, ha="right")
        shown = explanation.shown_columns.get(name, name)
        ax.set_xlabel(name if shown == name else f"{name} ({shown})")
        ax.set_ylabel(f"SHAP for {name} (log-odds)")
        ax.axhline(0.0, color="#444444", lw=0.6)
    fig.suptitle(f"Dependence: {label}")
    return fig


def _label(name, value, column=None):
    """``"<biomarker> = <value>"``, or ``"<biomarker>: <column> = <value>"`` when the value
    shown is a derived feature (``ldh: ldh__delta_d42 = 34``, not an LDH of 34)."""
    import pandas as pd

    where = name if column in (None, name) else f"{name}: {column}"
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return f"{where} = missing"
    if isinstance(value, float | np.floating):
        return f"{where} = {value:.3g}"
    return f"{where} = {value}"


def plot_waterfall(explanation, patient_id, *, max_display=10):
    """One patient's explanation from the base value to the model's log-odds.

    Parameters
    ----------
    explanation : irpredict.explain.Explanation
    patient_id : object
        A row label of ``explanation.values``.
    max_display : int, default=10
        Biomarkers shown individually (largest |SHAP| first); the rest are
        summed into one bar.

    Returns
    -------
    matplotlib.figure.Figure
        Y tick labels read ``"<biomarker> = <value>"``, or ``"<biomarker>: <column> =
        <value>"`` when the value shown is a derived feature of the biomarker.

    Raises
    ------
    CohortDataError
        When the patient is not in the explanation.
    """
    if patient_id not in explanation.values.index:
        raise CohortDataError(
            f"Patient {patient_id!r} is not in the explanation "
            f"({len(explanation.values)} patients, e.g. {list(explanation.values.index[:3])})."
        )
    row = explanation.values.loc[patient_id].to_numpy(dtype=np.float64)
    names = list(explanation.values.columns)
    order = np.argsort(-np.abs(row), kind="stable")
    shown = order[:max_display]
    columns = getattr(explanation, "shown_columns", None) or {}
    labels = [_label(names[j], explanation.feature_values.loc[patient_id, names[j]],
                     columns.get(names[j])) for j in shown]
    deltas = list(row[shown])
    if len(order) > max_display:
        labels.append(f"{len(order) - max_display} other biomarkers")
        deltas.append(float(row[order[max_display:]].sum()))
    base = float(explanation.base_values.loc[patient_id])
    fig = _figure(7.0, 0.4 * len(deltas) + 1.8)
    ax = fig.add_subplot()
    start = base + np.concatenate([[0.0], np.cumsum(deltas[::-1])[:-1]])
    for y, (left, d) in enumerate(zip(start, deltas[::-1], strict=True)):
        ax.barh(y, d, left=left, color="#d62728" if d > 0 else "#1f77b4")
    ax.set_yticks(np.arange(len(deltas)), labels=labels[::-1])
    ax.axvline(base, color="#444444", lw=0.8, ls="--")
    margin = base + float(np.sum(row))
    prob = explanation.prob.loc[patient_id] if explanation.prob is not None else np.nan
    ax.axvline(margin, color="#444444", lw=0.8)
    calibrated = np.isfinite(prob) and abs(1 / (1 + np.exp(-margin)) - prob) > 1e-3
    # a calibrated model's SHAP values explain the log-odds of the model it calibrates
    ax.set_xlabel(f"log-odds of response{' before calibration' if calibrated else ''} "
                  f"(base {base:.2f} -> {margin:.2f}, "
                  f"{'calibrated p' if calibrated else 'p'} = {prob:.2f})")
    ax.set_title(f"Patient {patient_id}")
    return fig
