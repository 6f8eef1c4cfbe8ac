"""Tidy performance tables per therapy class, from out-of-fold or external predictions."""

import warnings

import numpy as np

from irpredict.evaluation._checks import check_frame_and_labels
from irpredict.evaluation.bootstrap import bootstrap_metrics
from irpredict.evaluation.metrics import roc_auc

__all__ = ["OVERALL", "summarize_predictions", "decision_curves", "evaluate_external",
           "predict_frame", "to_wide"]

#: Label of the all-patients group in summaries.
OVERALL = "overall"

_OOF_COLUMNS = ("patient_id", "repeat", "fold", "therapy_class", "y", "prob")


def _checked_predictions(oof):
    """The predictions frame with a ``model`` column; one row per model, patient and repeat."""
    if not hasattr(oof, "columns"):
        raise TypeError(
            f"pass the predictions as a pandas DataFrame (NestedCVResult.oof); got "
            f"{type(oof).__name__}" + (" (a saved file: read it first, e.g. pd.read_csv(path))"
                                      if isinstance(oof, str) or hasattr(oof, "suffix") else ""))
    missing = [c for c in _OOF_COLUMNS if c not in oof.columns]
    if missing:
        raise ValueError(f"The predictions frame lacks columns {missing}; pass "
                         "NestedCVResult.oof or the output of predict_frame().")
    if "model" not in oof.columns:
        oof = oof.assign(model="model")
    repeated = oof.duplicated(["model", "patient_id", "repeat"], keep=False)
    if repeated.any():
        ids = oof.loc[repeated, "patient_id"].astype(str).unique().tolist()
        raise ValueError(
            f"{len(ids)} patients have more than one prediction for the same model and repeat "
            f"({ids[:5]}); predictions of several models or cohorts need a 'model' column "
            "naming each (e.g. pd.concat([a.assign(model='a'), b.assign(model='b')])).")
    labels = oof.groupby(["model", "patient_id"])["y"].nunique()
    if (labels > 1).any():
        ids = labels[labels > 1].index.get_level_values("patient_id").astype(str).tolist()
        raise ValueError(f"{len(ids)} patients have different labels in different rows: "
                         f"{ids[:5]}; a patient has one label.")
    return oof


#: Share of undefined bootstrap resamples above which an interval is called rough.
ROUGH_SHARE = 0.1


def rough_interval(table):
    """Rows whose interval comes from a resample set with many undefined values (a mask)."""
    n = table["n_bootstrap"]
    return (n > 0) & (table["n_invalid"] > ROUGH_SHARE * n) & (table["n_invalid"] < n)


def rough_note(row):
    """The note of a row :func:`rough_interval` marks."""
    n, invalid = int(row["n_bootstrap"]), int(row["n_invalid"])
    return (f"CI from {n - invalid} of {n} resamples: undefined in {invalid} (one outcome, "
            "or predictions that separate the outcomes perfectly), so the interval is rough")


def _patient_matrix(sub):
    """Labels per patient and probabilities as (n_repeats, n_patients)."""
    wide = sub.pivot_table(index="patient_id", columns="repeat", values="prob", aggfunc="first")
    complete = wide.dropna()
    y = sub.groupby("patient_id")["y"].first().loc[complete.index].to_numpy()
    dropped = len(wide) - len(complete)
    return y, complete.to_numpy().T, dropped


def _mean_fold_auc(sub):
    aucs = [roc_auc(g["y"], g["prob"]) for _, g in sub.groupby(["repeat", "fold"])]
    valid = [a for a in aucs if np.isfinite(a)]
    mean = float(np.mean(valid)) if valid else np.nan
    return mean, len(valid), len(aucs)


def _mean_fold_auc_ci(sub, n_bootstrap, random_state):
    """Percentile CI of the mean per-fold AUC: patients resampled once (within labels) and
    each resample applied to every repeat's folds, as for the other metrics, so repeats of
    the same patients do not narrow it."""
    from irpredict.evaluation.bootstrap import percentile_ci, stratified_indices

    if n_bootstrap == 0:
        return np.nan, np.nan
    ids, where = np.unique(sub["patient_id"].astype(str).to_numpy(), return_inverse=True)
    labels = np.zeros(len(ids), dtype=int)
    labels[where] = sub["y"].to_numpy(dtype=int)
    idx = stratified_indices(labels, n_bootstrap, random_state)
    counts = np.stack([np.bincount(row, minlength=len(ids)) for row in idx])
    total, count = np.zeros(n_bootstrap), np.zeros(n_bootstrap)
    for _, fold in sub.reset_index(drop=True).assign(_at=where).groupby(["repeat", "fold"]):
        y, p = fold["y"].to_numpy(dtype=int), fold["prob"].to_numpy(dtype=float)
        if y.min() == y.max():
            continue  # skipped in the estimate too
        aucs = _weighted_auc_rows(y, p, counts[:, fold["_at"].to_numpy()])
        total, count = total + np.nan_to_num(aucs), count + np.isfinite(aucs)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(count > 0, total / count, np.nan)
    low, high = percentile_ci(means)
    return float(low), float(high)


def _weighted_auc_rows(y, p, weights):
    """AUC of ``y`` against ``p`` once per row of ``weights`` (each patient counted that many
    times; ties count half); NaN where a row leaves one label without weight."""
    order = np.argsort(p, kind="stable")
    p, y, weights = p[order], y[order], weights[:, order]
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])  # groups of tied scores
    neg = np.add.reduceat(weights * (y == 0), starts, axis=1).astype(float)
    pos = np.add.reduceat(weights * (y == 1), starts, axis=1).astype(float)
    below = np.cumsum(neg, axis=1) - neg
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (pos * (below + 0.5 * neg)).sum(axis=1) / (pos.sum(axis=1) * neg.sum(axis=1))
    return np.where(np.isfinite(auc), auc, np.nan)


def _group_rows(sub, model, group, threshold, n_bootstrap, random_state):
    y, P, dropped = _patient_matrix(sub)
    table = bootstrap_metrics(y, P, threshold=threshold, n_bootstrap=n_bootstrap,
                              random_state=random_state)
    notes = []
    if len(y) and y.min() == y.max():
        notes.append("one class only: AUC, PR AUC and calibration undefined")
    if dropped:
        notes.append(f"{dropped} patients lack a prediction in some repeat and were left out")
    fold_auc, n_valid, n_folds = _mean_fold_auc(sub)
    fold_note = f"mean of {n_valid} per-fold AUCs"
    if n_valid < n_folds:
        fold_note += f" ({n_folds - n_valid} folds with one class skipped)"
    fold_low, fold_high = (_mean_fold_auc_ci(sub, n_bootstrap, random_state) if n_valid
                           else (np.nan, np.nan))
    fold_note += "; CI: patients resampled (within labels), the same for every fold and repeat"
    extra = {"metric": "auc_mean_of_folds", "estimate": fold_auc, "ci_low": fold_low,
             "ci_high": fold_high, "n_bootstrap": n_bootstrap if n_valid else 0,
             "n_invalid": 0}
    import pandas as pd

    table = pd.concat([table.iloc[:1], pd.DataFrame([extra]), table.iloc[1:]],
                      ignore_index=True)
    table["note"] = "; ".join(notes)
    table.loc[table["metric"] == "auc_mean_of_folds", "note"] = fold_note
    for i in table.index[rough_interval(table)]:
        table.loc[i, "note"] = "; ".join(filter(None, [table.loc[i, "note"],
                                                       rough_note(table.loc[i])]))
    table.insert(0, "therapy_class", group)
    table.insert(0, "model", model)
    table.insert(3, "n_patients", len(y))
    table.insert(4, "n_responders", int(np.sum(y)))
    table.insert(5, "n_repeats", P.shape[0] if P.size else 0)
    return table


def summarize_predictions(oof, *, threshold=0.5, n_bootstrap=1000, random_state=0):
    """Performance per therapy class and overall, each metric with a bootstrap CI.

    For every model and group (each therapy class, then ``"overall"``) the
    headline metrics use all pooled out-of-fold predictions of a repeat,
    averaged over repeats; the bootstrap resamples patients (within labels for
    AUC, sensitivity and specificity, freely for the metrics that depend on the
    response rate: see :mod:`irpredict.evaluation.bootstrap`) and applies the
    same resample to every repeat, so the interval
    is that of the repeat-averaged estimate. Beside the pooled AUC,
    ``auc_mean_of_folds`` is the mean of per-fold AUCs (its CI applies the
    same patient resamples to every fold and repeat; it is usually lower and
    noisier with small folds).

    Parameters
    ----------
    oof : pandas.DataFrame
        ``patient_id, repeat, fold, therapy_class, y, prob`` and optionally
        ``model`` (as in :attr:`NestedCVResult.oof`).
    threshold : float, default=0.5
        Probability at or above which a patient is called a responder (and
        the threshold probability of the net benefit).
    n_bootstrap : int, default=1000
    random_state : int, default=0

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per model, group and metric: ``model, therapy_class,
        metric, n_patients, n_responders, n_repeats, estimate, ci_low,
        ci_high, n_bootstrap, n_invalid, note``. Metrics: ``auc,
        auc_mean_of_folds, pr_auc, brier, calibration_intercept,
        calibration_slope, sensitivity, specificity, net_benefit,
        net_benefit_treat_all`` (net benefit at ``threshold`` of the model
        and of treating everyone; treating no one has 0). Undefined values
        are NaN with the reason in ``note``.

    Examples
    --------
    >>> summarize_predictions(result.oof, n_bootstrap=1000)  # doctest: +SKIP
    """
    import pandas as pd

    oof = _checked_predictions(oof)
    tables = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for model, by_model in oof.groupby("model", sort=False):
            groups = [(g, by_model[by_model["therapy_class"] == g])
                      for g in sorted(by_model["therapy_class"].unique())]
            groups.append((OVERALL, by_model))
            for group, sub in groups:
                tables.append(_group_rows(sub, model, group, threshold, n_bootstrap,
                                          random_state))
    return pd.concat(tables, ignore_index=True)


def decision_curves(oof, thresholds=None, *, n_bootstrap=200, random_state=0):
    """Decision curves per model and therapy class (and overall) from predictions.

    Parameters
    ----------
    oof : pandas.DataFrame
        As for :func:`summarize_predictions`; with several repeats the net
        benefit is averaged over repeats.
    thresholds : array-like of float or None, default=None
        Threshold probabilities; ``None`` uses 0.01 to 0.99.
    n_bootstrap : int, default=200
    random_state : int, default=0

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~irpredict.evaluation.decision_curve`
        preceded by ``model`` and ``therapy_class``.
    """
    import pandas as pd

    from irpredict.evaluation.decision_curve import decision_curve

    oof = _checked_predictions(oof)
    frames = []
    for model, by_model in oof.groupby("model", sort=False):
        groups = [(g, by_model[by_model["therapy_class"] == g])
                  for g in sorted(by_model["therapy_class"].unique())]
        for group, sub in [*groups, (OVERALL, by_model)]:
            y, P, _ = _patient_matrix(sub)
            curve = decision_curve(y, P, thresholds, n_bootstrap=n_bootstrap,
                                   random_state=random_state)
            curve.insert(0, "therapy_class", group)
            curve.insert(0, "model", model)
            frames.append(curve)
    return pd.concat(frames, ignore_index=True)


def predict_frame(model, X, y, *, therapy_col="therapy_class", name="external"):
    """Predictions of a fitted model on a cohort, in the out-of-fold layout.

    Parameters
    ----------
    model : fitted estimator
        Anything with ``predict_proba`` accepting ``X`` (normally a fitted
        :class:`~irpredict.models.PerTherapyClassifier`). It is never refitted.
    X : pandas.DataFrame
        One row per patient, including ``therapy_col``.
    y : pandas.Series or array-like of 0/1
    therapy_col : str, default="therapy_class"
    name : str, default="external"
        Value of the ``model`` column.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, repeat (0), fold (0), therapy_class, y, prob, model``.
    """
    import pandas as pd

    y = check_frame_and_labels(X, y, therapy_col, fitting=False)
    prob = np.asarray(model.predict_proba(X))[:, 1]
    return pd.DataFrame({
        "patient_id": X.index.astype(str), "repeat": 0, "fold": 0,
        "therapy_class": X[therapy_col].astype(str).to_numpy(), "y": y, "prob": prob,
        "model": name,
    })


def evaluate_external(model, X, y, *, threshold=0.5, n_bootstrap=1000, random_state=0,
                      therapy_col="therapy_class", name="external"):
    """External validation: score a fitted model on a new cohort, never refitting it.

    Parameters
    ----------
    model : fitted estimator
        Model trained on another cohort.
    X : pandas.DataFrame
        The new cohort's feature frame (with ``therapy_col``).
    y : pandas.Series or array-like of 0/1
    threshold, n_bootstrap, random_state
        As in :func:`summarize_predictions`.
    therapy_col : str, default="therapy_class"
    name : str, default="external"
        Value of the ``model`` column.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`summarize_predictions` (``auc_mean_of_folds``
        equals the AUC: there is one fold).

    Raises
    ------
    UnknownTherapyError
        When the new cohort has a therapy class the model was not trained on.
    """
    oof = predict_frame(model, X, y, therapy_col=therapy_col, name=name)
    return summarize_predictions(oof, threshold=threshold, n_bootstrap=n_bootstrap,
                                 random_state=random_state)


def to_wide(summary):
    """One row per model and group, columns ``<metric>``, ``<metric>_ci_low``, ``<metric>_ci_high``.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`summarize_predictions`.

    Returns
    -------
    pandas.DataFrame
    """
    keys = ["model", "therapy_class", "n_patients", "n_responders"]
    wide = summary.set_index([*keys, "metric"])[["estimate", "ci_low", "ci_high"]]
    wide = wide.unstack("metric")
    wide.columns = [m if stat == "estimate" else f"{m}_{stat}" for stat, m in wide.columns]
    order = [c for m in summary["metric"].unique()
             for c in (m, f"{m}_ci_low", f"{m}_ci_high") if c in wide.columns]
    return wide[order].reset_index()
