"""Honest evaluation of one landmark: nested CV of the landmark model and of the
baseline-only model on the *same* landmark population, with paired differences in
AUC (discrimination) and Brier score (accuracy of the probabilities).

Both models see the same patients in the same outer folds (same strata,
same seed), so the difference in out-of-fold AUC or Brier score is a paired
comparison; its bootstrap resamples patients (within label) once for both models.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["LandmarkEvaluation", "evaluate_landmark", "paired_auc_difference",
           "paired_difference"]

#: Names of the two models compared at each landmark (``model`` column).
LANDMARK, BASELINE = "landmark", "baseline"


@dataclass
class LandmarkEvaluation:
    """Out-of-fold results of every landmark.

    Attributes
    ----------
    oof : pandas.DataFrame
        ``landmark, model`` (``"landmark"`` or ``"baseline"``) and the
        out-of-fold columns of :attr:`irpredict.evaluation.NestedCVResult.oof`.
    metrics : pandas.DataFrame
        Tidy metrics with bootstrap CIs per landmark, model and therapy
        class (plus ``"overall"``), as
        :func:`irpredict.evaluation.summarize_predictions` returns them.
    comparison : pandas.DataFrame
        One row per landmark and therapy class: ``n_patients``,
        ``n_responders``, ``auc`` / ``auc_low`` / ``auc_high`` (landmark
        model), ``baseline_auc`` / ``baseline_low`` / ``baseline_high``
        (baseline-only model, same patients) and ``delta_auc`` /
        ``delta_low`` / ``delta_high`` (paired bootstrap).
    """

    oof: object
    metrics: object
    comparison: object


def _fast_auc(y, P):
    """AUC of every row of ``P`` (shape (m, n)) against labels ``y`` (shape (m, n) or (n,))."""
    from scipy.stats import rankdata

    y = np.broadcast_to(np.asarray(y, dtype=bool), P.shape)
    n_pos = y.sum(axis=1)
    n_neg = y.shape[1] - n_pos
    ranks = rankdata(P, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((ranks * y).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def _fast_brier(y, P):
    """Brier score of every row of ``P`` (shape (m, n)) against labels ``y``."""
    y = np.broadcast_to(np.asarray(y, dtype=float), P.shape)
    return ((P - y) ** 2).mean(axis=1)


#: Paired-difference metrics: name -> vectorised metric of (labels, probabilities by row).
_METRICS = {"auc": _fast_auc, "brier": _fast_brier}


def _by_patient(oof):
    """Labels (n,) and probabilities (n_repeats, n) with patients in sorted order."""
    wide = oof.pivot_table(index="patient_id", columns="repeat", values="prob",
                           aggfunc="first").dropna().sort_index()
    y = oof.groupby("patient_id")["y"].first().loc[wide.index].to_numpy()
    return wide.index, y, wide.to_numpy().T


def paired_difference(oof_a, oof_b, *, metric="auc", n_bootstrap=1000, random_state=0):
    """Metric of ``a`` minus metric of ``b`` on their common patients, with a paired bootstrap CI.

    Parameters
    ----------
    oof_a, oof_b : pandas.DataFrame
        Out-of-fold predictions (``patient_id, repeat, y, prob``) of two
        models of the same patients. Per-repeat values are averaged.
    metric : {"auc", "brier"}, default="auc"
        ROC AUC (higher is better) or Brier score (lower is better).
    n_bootstrap : int, default=1000
        Resamples of patients shared by both models: within labels for the AUC, freely
        for the Brier score (as :func:`irpredict.evaluation.bootstrap_metrics` does).
    random_state : int, default=0

    Returns
    -------
    estimate, low, high : float
        NaN when a label class is missing.
    """
    from irpredict.evaluation import percentile_ci, stratified_indices
    from irpredict.evaluation.bootstrap import STRATIFIED_METRICS, free_indices

    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}, got {metric!r}")
    score = _METRICS[metric]
    ids_a, y, Pa = _by_patient(oof_a)
    ids_b, _, Pb = _by_patient(oof_b)
    common = ids_a.intersection(ids_b)
    ia, ib = ids_a.get_indexer(common), ids_b.get_indexer(common)
    y, Pa, Pb = y[ia], Pa[:, ia], Pb[:, ib]
    if len(y) == 0 or y.min() == y.max():
        return np.nan, np.nan, np.nan

    def delta(idx):
        yy = y[idx]
        return (np.nanmean([score(yy, P[idx]) for P in Pa], axis=0)
                - np.nanmean([score(yy, P[idx]) for P in Pb], axis=0))

    estimate = float(delta(np.arange(len(y))[None, :])[0])
    if n_bootstrap <= 0:
        return estimate, np.nan, np.nan
    if metric in STRATIFIED_METRICS:
        idx = stratified_indices(y, n_bootstrap=n_bootstrap, random_state=random_state)
    else:
        idx = free_indices(len(y), n_bootstrap=n_bootstrap, random_state=random_state)
    with np.errstate(invalid="ignore", divide="ignore"):
        low, high = percentile_ci(delta(idx))
    return estimate, float(low), float(high)


def paired_auc_difference(oof_a, oof_b, *, n_bootstrap=1000, random_state=0):
    """AUC of ``a`` minus AUC of ``b``: :func:`paired_difference` with ``metric="auc"``.

    Returns
    -------
    estimate, low, high : float
    """
    return paired_difference(oof_a, oof_b, metric="auc", n_bootstrap=n_bootstrap,
                             random_state=random_state)


def _nested(design, family, settings, progress):
    from irpredict.evaluation import nested_cv

    sites = design.sites
    if not settings.group_by_site or sites is None or sites.nunique() < settings.outer_folds:
        sites = None
    return nested_cv(design.X, design.y, estimator=[family], sites=sites,
                     outer_folds=settings.outer_folds, inner_folds=settings.inner_folds,
                     n_repeats=settings.repeats, calibration=list(settings.calibration),
                     random_state=settings.seed, progress=progress,
                     param_grid=settings.grids or None, min_patients=settings.min_patients,
                     min_responders=settings.min_responders, n_jobs=settings.n_jobs).oof


def _metric_row(metrics, model, group, metric="auc"):
    row = metrics[(metrics["model"] == model) & (metrics["therapy_class"] == group)
                  & (metrics["metric"] == metric)]
    if row.empty:
        return np.nan, np.nan, np.nan, 0, 0
    r = row.iloc[0]
    return r["estimate"], r["ci_low"], r["ci_high"], int(r["n_patients"]), int(r["n_responders"])


def evaluate_landmark(design, baseline_design, family, settings, landmark, *, progress=None):
    """Nested CV of the landmark model and the baseline-only model on one population.

    Parameters
    ----------
    design : irpredict.training.Design
        Features up to the landmark, for the landmark population.
    baseline_design : irpredict.training.Design or None
        Baseline-only features (landmark 0) of the same patients; ``None``
        (landmark 0 itself) reuses the landmark model's results.
    family : str
        Model family.
    settings : irpredict.training.ModelSettings
        Folds, repeats, grids, calibration, bootstrap size and seed.
    landmark : float
    progress : callable or None
        ``progress(stage, done, total)``.

    Returns
    -------
    LandmarkEvaluation
        For this landmark only.
    """
    import pandas as pd

    from irpredict.evaluation import summarize_predictions

    def tick(stage):
        if progress is None:
            return None
        return lambda done, total: progress(stage, done, total)

    oofs = {LANDMARK: _nested(design, family, settings, tick(f"day {landmark:g}: landmark"))}
    if baseline_design is None:
        oofs[BASELINE] = oofs[LANDMARK]
    else:
        oofs[BASELINE] = _nested(baseline_design, family, settings,
                                 tick(f"day {landmark:g}: baseline"))
    oof = pd.concat([o.assign(model=name) for name, o in oofs.items()], ignore_index=True)
    metrics = summarize_predictions(oof, threshold=settings.threshold,
                                    n_bootstrap=settings.n_bootstrap, random_state=settings.seed)
    rows = []
    for group in metrics["therapy_class"].drop_duplicates():
        sub = {k: o if group == "overall" else o[o["therapy_class"] == group]
               for k, o in oofs.items()}
        auc, lo, hi, n, resp = _metric_row(metrics, LANDMARK, group)
        b_auc, b_lo, b_hi, _, _ = _metric_row(metrics, BASELINE, group)
        brier = _metric_row(metrics, LANDMARK, group, "brier")[0]
        b_brier = _metric_row(metrics, BASELINE, group, "brier")[0]
        deltas = {}
        for metric in _METRICS:
            deltas[metric] = (0.0, 0.0, 0.0) if baseline_design is None else paired_difference(
                sub[LANDMARK], sub[BASELINE], metric=metric,
                n_bootstrap=settings.n_bootstrap, random_state=settings.seed)
        rows.append({"landmark": float(landmark), "therapy_class": group, "n_patients": n,
                     "n_responders": resp, "auc": auc, "auc_low": lo, "auc_high": hi,
                     "baseline_auc": b_auc, "baseline_low": b_lo, "baseline_high": b_hi,
                     "delta_auc": deltas["auc"][0], "delta_low": deltas["auc"][1],
                     "delta_high": deltas["auc"][2], "brier": brier, "baseline_brier": b_brier,
                     "delta_brier": deltas["brier"][0], "delta_brier_low": deltas["brier"][1],
                     "delta_brier_high": deltas["brier"][2]})
    oof.insert(0, "landmark", float(landmark))
    metrics.insert(0, "landmark", float(landmark))
    return LandmarkEvaluation(oof=oof, metrics=metrics, comparison=pd.DataFrame(rows))
