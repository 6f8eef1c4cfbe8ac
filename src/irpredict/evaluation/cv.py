"""Nested cross-validation with out-of-fold predictions kept per patient.

Outer folds estimate performance; inner folds (a grid search inside each
outer training set) choose hyperparameters and, optionally, the post-hoc
calibration method. No outer-test patient ever reaches a ``fit``.
"""

from dataclasses import dataclass, field

import numpy as np

from irpredict.evaluation._checks import (
    check_both_outcomes_train,
    check_calibration_folds,
    check_every_class_trains,
    check_family_grids,
    check_frame_and_labels,
    check_sites,
)
from irpredict.exceptions import ExperimentConfigError

__all__ = ["NestedCVResult", "nested_cv", "fit_tuned", "make_strata", "outer_splits"]


@dataclass
class NestedCVResult:
    """Out-of-fold predictions and what was chosen in each outer fold.

    Attributes
    ----------
    oof : pandas.DataFrame
        One row per patient, repeat and model: ``patient_id, repeat, fold,
        therapy_class, y, prob, model``.
    best_params : pandas.DataFrame
        ``model, repeat, fold, params (dict), inner_score`` (mean inner-CV
        score of the chosen candidate; NaN without a search).
    splits : list of dict
        ``{"repeat", "fold", "train", "test"}`` with patient ids, shared by
        all models.
    config : dict
        The arguments of the run (for logging).
    estimators : dict
        ``(model, repeat, fold) -> fitted estimator`` when
        ``return_estimators=True``, else empty.
    """

    oof: object
    best_params: object
    splits: list
    config: dict
    estimators: dict = field(default_factory=dict)

    def summary(self, **kwargs):
        """:func:`~irpredict.evaluation.summarize_predictions` of :attr:`oof`."""
        from irpredict.evaluation.summary import summarize_predictions

        return summarize_predictions(self.oof, **kwargs)

    def decision_curves(self, thresholds=None, **kwargs):
        """:func:`~irpredict.evaluation.decision_curves` of :attr:`oof`."""
        from irpredict.evaluation.summary import decision_curves

        return decision_curves(self.oof, thresholds, **kwargs)


def make_strata(therapy, y, n_splits):
    """Strata ``"therapy|response"``; strata too small to split fall back to ``"other|response"``.

    Parameters
    ----------
    therapy : array-like of str
    y : array-like of 0/1
    n_splits : int

    Returns
    -------
    ndarray of str
    """
    strata = np.char.add(np.char.add(np.asarray(therapy, dtype=str), "|"),
                         np.asarray(y).astype(int).astype(str))
    values, counts = np.unique(strata, return_counts=True)
    rare = np.isin(strata, values[counts < n_splits])
    fallback = np.char.add("other|", np.asarray(y).astype(int).astype(str))
    return np.where(rare, fallback, strata)


def outer_splits(therapy, y, sites, n_splits, seed, *, shuffle_sites=False):
    """Stratified (and, with sites, site-grouped) folds as position arrays.

    Parameters
    ----------
    therapy, y : array-like
        Therapy class and label per patient (the strata).
    sites : array-like or None
        Site per patient; a site's patients all fall in one fold.
    n_splits : int
    seed : int
    shuffle_sites : bool, default=False
        With sites: place them in a random order drawn from ``seed`` (each to the
        fold that keeps the strata most balanced) instead of scikit-learn's
        ``StratifiedGroupKFold`` order, which hardly depends on the seed: a
        repeat of cross-validation then differs from the first.

    Returns
    -------
    list of (train_positions, test_positions)
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    strata = make_strata(therapy, y, n_splits)
    dummy = np.zeros(len(strata))
    if sites is None:
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
        return list(cv.split(dummy, strata))
    n_sites = len(np.unique(sites))
    if n_sites < n_splits:
        raise ExperimentConfigError(
            f"Grouping by site needs at least {n_splits} sites for {n_splits} folds, but the "
            f"cohort has {n_sites}; lower the number of folds or pass sites=None."
        )
    if shuffle_sites:
        return _shuffled_site_folds(strata, np.asarray(sites), n_splits, seed)
    cv = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed)
    return list(cv.split(dummy, strata, groups=sites))


def _shuffled_site_folds(strata, sites, n_splits, seed):
    """Sites in a random order, each to the fold whose strata it balances best."""
    rng = np.random.default_rng(seed)
    site_names, site_of = np.unique(sites.astype(str), return_inverse=True)
    stratum_names, stratum_of = np.unique(strata, return_inverse=True)
    per_site = np.zeros((len(site_names), len(stratum_names)))
    np.add.at(per_site, (site_of, stratum_of), 1)
    totals = per_site.sum(axis=0)
    folds = np.zeros((n_splits, len(stratum_names)))
    fold_of_site = np.empty(len(site_names), dtype=int)
    for rank, site in enumerate(rng.permutation(len(site_names))):
        if rank < n_splits:  # every fold gets a site
            best = rank
        else:
            spread = [np.std((folds + np.eye(n_splits)[k][:, None] * per_site[site])
                             / totals, axis=0).mean() for k in range(n_splits)]
            best = int(np.argmin(np.asarray(spread) + 1e-9 * folds.sum(axis=1)))
        folds[best] += per_site[site]
        fold_of_site[site] = best
    fold = fold_of_site[site_of]
    positions = np.arange(len(strata))
    return [(positions[fold != k], positions[fold == k]) for k in range(n_splits)]


def _inner_splits(therapy, y, sites, n_splits, seed):
    if sites is not None and len(np.unique(sites)) < n_splits:
        sites = None  # too few sites in this training set: stratify only
    return outer_splits(therapy, y, sites, n_splits, seed)


def _check_counts(**counts):
    from numbers import Integral

    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise TypeError(f"{name} must be a whole number; got {value!r}")
        least = 1 if name == "n_repeats" else 2
        if value < least:
            raise ExperimentConfigError(
                f"{name} must be at least {least}; got {value}"
                + (" (cross-validation needs a training and a test fold)" if least == 2 else ""))


def _candidates(estimator, param_grid, calibration, per_therapy, therapy_col, min_patients,
                min_responders, random_state, n_jobs, own_classes=None):
    """(name, estimator, grid, scoring) for every model to evaluate."""
    from sklearn.base import clone

    from irpredict.models import (
        CALIBRATION_METHODS,
        CalibratedModel,
        PerTherapyClassifier,
        make_model,
    )
    from irpredict.models import param_grid as family_grid

    methods = [calibration] if isinstance(calibration, str) else list(calibration)
    unknown = [m for m in methods if m not in CALIBRATION_METHODS]
    if unknown or not methods:
        raise ExperimentConfigError(
            f"Unknown calibration {unknown or methods}; choose from "
            f"{', '.join(CALIBRATION_METHODS)} (or a list of them to choose in the inner loop)."
        )
    if isinstance(estimator, str) or (
        isinstance(estimator, (list, tuple)) and all(isinstance(e, str) for e in estimator)
    ):
        names = [estimator] if isinstance(estimator, str) else list(estimator)
        check_family_grids(param_grid, names)
        specs = []
        for name in names:
            # one thread per fit: n_jobs runs the inner search's fits side by side, so the
            # results do not depend on it
            base = make_model(name, random_state=random_state, n_jobs=1)
            grid = family_grid(name)
            if param_grid and name in param_grid:
                grid = {f"classifier__{k}": list(v) for k, v in param_grid[name].items()}
            if per_therapy:
                base = PerTherapyClassifier(base, therapy_col=therapy_col,
                                            min_patients=min_patients,
                                            min_responders=min_responders,
                                            own_model_classes=own_classes)
                grid = {f"estimator__{k}": v for k, v in grid.items()}
            specs.append((name, base, grid))
    elif isinstance(estimator, (list, tuple)):
        raise TypeError(
            "estimator must be a family name, a list of family names, or one unfitted "
            f"estimator; got a list holding {[type(e).__name__ for e in estimator]}. Run "
            "nested_cv once per custom estimator")
    elif not hasattr(estimator, "fit"):
        raise TypeError(f"estimator must be a family name or an unfitted estimator; got "
                        f"{type(estimator).__name__}")
    else:
        specs = [(type(estimator).__name__, clone(estimator), dict(param_grid or {}))]
    out = []
    for name, est, grid in specs:
        scoring = "roc_auc"
        if methods != ["none"]:
            est = CalibratedModel(est, method=methods[0])
            grid = {f"estimator__{k}": v for k, v in grid.items()}
            grid["method"] = methods
            if len(methods) > 1:
                # AUC ignores monotone recalibration: choose the method by a proper score
                scoring = "neg_brier_score"
        out.append((name, est, grid, scoring))
    return out


def _fit_one(est, grid, scoring, X_train, y_train, inner_cv, n_jobs):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    if not any(len(v) > 1 for v in grid.values()):
        fitted = clone(est).set_params(**{k: v[0] for k, v in grid.items()})
        return fitted.fit(X_train, y_train), {k: v[0] for k, v in grid.items()}, np.nan
    from irpredict.evaluation._workers import worker_processes

    search = GridSearchCV(clone(est), grid, scoring=scoring, cv=inner_cv, refit=True,
                          n_jobs=n_jobs, error_score="raise")
    with worker_processes():
        search.fit(X_train, y_train)
    return search.best_estimator_, search.best_params_, float(search.best_score_)


def fit_tuned(X, y, *, estimator="xgboost", sites=None, inner_folds=3, calibration="none",
              random_state=0, param_grid=None, therapy_col="therapy_class", per_therapy=True,
              min_patients=30, min_responders=8, n_jobs=1):
    """Tune and fit one family on all of ``X`` exactly as the inner loop of :func:`nested_cv`.

    Same candidates, grid, scoring, calibration choice and inner folds (built
    from therapy class x response, grouped by site when given) as one outer
    training set of :func:`nested_cv`; use it to refit the evaluated
    procedure on every patient.

    Returns
    -------
    estimator : fitted classifier
    best_params : dict
    """
    from irpredict.models.per_therapy import own_model_classes

    y = np.asarray(y)
    therapy = X[therapy_col].astype(str).to_numpy()
    own = own_model_classes(therapy, y, min_patients=min_patients,
                            min_responders=min_responders)
    (_, est, grid, scoring), = _candidates(
        estimator, param_grid, calibration, per_therapy, therapy_col, min_patients,
        min_responders, random_state, n_jobs, own)
    sites = None if sites is None else np.asarray(sites)
    inner = _inner_splits(therapy, y, sites, inner_folds, random_state)
    fitted, best, _ = _fit_one(est, grid, scoring, X, y, inner, n_jobs)
    return fitted, best


def nested_cv(X, y, *, estimator="xgboost", sites=None, outer_folds=5, inner_folds=3,
              n_repeats=1, calibration="none", random_state=0, progress=None,
              param_grid=None, therapy_col="therapy_class", per_therapy=True,
              min_patients=30, min_responders=8, n_jobs=1, return_estimators=False):
    """Nested cross-validation of one or more model families.

    Outer folds are stratified on therapy class x response
    (``StratifiedKFold``), or with ``sites`` also grouped by site
    (``StratifiedGroupKFold``), and are shared by all models. In each outer
    training set a ``GridSearchCV`` over the family's grid (inner folds
    built the same way) picks hyperparameters by ROC AUC and refits on the
    whole outer training set; the refitted model predicts the outer test
    patients. Repeats reshuffle the folds with seed ``random_state + repeat``.

    Parameters
    ----------
    X : pandas.DataFrame
        One row per patient (index = patient id), including ``therapy_col``.
    y : pandas.Series or array-like of 0/1
        Response labels (a Series is aligned on the index).
    estimator : str, list of str or estimator, default="xgboost"
        Family name(s) from :data:`irpredict.models.FAMILIES`, each wrapped
        in a :class:`~irpredict.models.PerTherapyClassifier` when
        ``per_therapy``; or an unfitted estimator searched over ``param_grid``.
    sites : pandas.Series or array-like or None, default=None
        Site per patient; keeps each site's patients in one outer fold.
    outer_folds, inner_folds : int, default=5, 3
    n_repeats : int, default=1
    calibration : {"none", "sigmoid", "isotonic"} or list of them, default="none"
        Post-hoc calibration fitted inside each training set. A list makes
        the method a hyperparameter chosen in the inner loop; the inner
        search then ranks candidates by Brier score, since ROC AUC cannot
        tell monotone recalibrations apart.
    random_state : int, default=0
    progress : callable or None, default=None
        Called as ``progress(done, total)`` after each outer fit.
    param_grid : dict or None, default=None
        Grid for a custom ``estimator``. With family names, a dict mapping a
        family to its grid (keys relative to the classifier, e.g.
        ``{"xgboost": {"max_depth": [2, 3]}}``) overrides the zoo's grid.
    therapy_col : str, default="therapy_class"
    per_therapy : bool, default=True
    min_patients, min_responders : int, default=30, 8
        Passed to :class:`~irpredict.models.PerTherapyClassifier`.
    n_jobs : int, default=1
        Inner-search fits run side by side in this many processes (each fit
        single-threaded); the results do not depend on it.
    return_estimators : bool, default=False
        Keep the fitted outer models in ``result.estimators``.

    Returns
    -------
    NestedCVResult

    Raises
    ------
    CohortDataError
        Missing therapy column, labels not 0/1, misaligned labels or sites.
    ExperimentConfigError
        Unknown family, or fewer sites than folds.

    Examples
    --------
    >>> result = nested_cv(X, y, estimator="logistic", outer_folds=5)  # doctest: +SKIP
    >>> result.summary(n_bootstrap=1000)                                # doctest: +SKIP
    """
    import pandas as pd

    _check_counts(outer_folds=outer_folds, inner_folds=inner_folds, n_repeats=n_repeats)
    y = check_frame_and_labels(X, y, therapy_col)
    site_arr = check_sites(sites, X)
    therapy = X[therapy_col].astype(str).to_numpy()
    ids = X.index.astype(str).to_numpy()
    from irpredict.models.per_therapy import own_model_classes

    # every fold routes a class (own model or pooled) as the model refitted on all patients
    own = own_model_classes(therapy, y, min_patients=min_patients,
                            min_responders=min_responders)
    specs = _candidates(estimator, param_grid, calibration, per_therapy, therapy_col,
                        min_patients, min_responders, random_state, n_jobs, own)
    total = n_repeats * outer_folds * len(specs)
    done, rows, params, splits, estimators = 0, [], [], [], {}
    plan = []  # every split first, so that a class too small fails before any fitting
    searches_inner = any(len(v) > 1 for _, _, grid, _ in specs for v in grid.values())
    calibrating = per_therapy and any("method" in grid and grid["method"] != ["none"]
                                      for _, _, grid, _ in specs)
    for repeat in range(n_repeats):
        seed = random_state + repeat
        # the first repeat keeps scikit-learn's site-grouped folds; later ones shuffle the sites
        folds = outer_splits(therapy, y, site_arr, outer_folds, seed, shuffle_sites=repeat > 0)
        check_every_class_trains(therapy, y, folds, "outer", therapy, y)
        check_both_outcomes_train(y, folds, "outer", y)
        if calibrating:
            check_calibration_folds(therapy, folds, therapy, y)
        for fold, (train, test) in enumerate(folds):
            inner = _inner_splits(therapy[train], y[train],
                                  None if site_arr is None else site_arr[train],
                                  inner_folds, seed)
            if searches_inner:
                check_every_class_trains(therapy[train], y[train], inner, "inner", therapy, y)
                check_both_outcomes_train(y[train], inner, "inner", y)
                if calibrating:
                    check_calibration_folds(therapy[train], inner, therapy, y)
            plan.append((repeat, fold, train, test, inner))
    for repeat, fold, train, test, inner in plan:
        splits.append({"repeat": repeat, "fold": fold, "train": ids[train],
                       "test": ids[test]})
        for name, est, grid, scoring in specs:
            fitted, best, score = _fit_one(est, grid, scoring, X.iloc[train], y[train],
                                           inner, n_jobs)
            prob = fitted.predict_proba(X.iloc[test])[:, 1]
            rows.append(pd.DataFrame({
                "patient_id": ids[test], "repeat": repeat, "fold": fold,
                "therapy_class": therapy[test], "y": y[test], "prob": prob, "model": name,
            }))
            params.append({"model": name, "repeat": repeat, "fold": fold,
                           "params": best, "inner_score": score})
            if return_estimators:
                estimators[(name, repeat, fold)] = fitted
            done += 1
            if progress is not None:
                progress(done, total)
    config = {"estimator": estimator if isinstance(estimator, (str, list, tuple))
              else type(estimator).__name__,
              "outer_folds": outer_folds, "inner_folds": inner_folds, "n_repeats": n_repeats,
              "calibration": calibration, "random_state": random_state,
              "grouped_by_site": site_arr is not None, "per_therapy": per_therapy,
              "min_patients": min_patients, "min_responders": min_responders}
    return NestedCVResult(oof=pd.concat(rows, ignore_index=True),
                          best_params=pd.DataFrame(params), splits=splits, config=config,
                          estimators=estimators)
