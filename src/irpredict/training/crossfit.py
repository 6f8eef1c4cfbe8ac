"""Out-of-fold scores of a registered model's configuration on its own training cohort."""

__all__ = ["cohort_sites", "crossfit_scores"]


def cohort_sites(cohort, X):
    """The site of each patient of ``X`` (its index) from the cohort's ``site`` column, or None.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
    X : pandas.DataFrame
        Index ``patient_id``.

    Returns
    -------
    pandas.Series or None
    """
    if "site" not in cohort.patients.columns:
        return None
    site = cohort.patients.set_index("patient_id")["site"]
    return site[~site.index.duplicated()].reindex(X.index)


def crossfit_scores(model, X, y, *, n_splits=5, random_state=0, sites=None):
    """Score every patient with a copy of the model fitted without that patient's fold.

    On the cohort a model was trained on, its own predictions are in-sample
    and optimistic. This refits the registered configuration (same
    estimator, same tuned hyperparameters, the same classes with their own
    model, no new search) on each training fold of a ``n_splits``-fold
    split stratified by therapy class and response, and scores the held-out
    fold, so every score is out-of-fold. With sites (at least ``n_splits`` of them among the
    labelled patients), each site's patients fall in one fold, as in training's nested
    cross-validation, so no patient is scored by a model that saw others of their site.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
        The registered model (its classifier is cloned, never modified).
    X : pandas.DataFrame
        The model's input frame of the training cohort
        (:meth:`ResponseModel.frame_from_cohort`).
    y : pandas.Series
        The observed 0/1 response, same index; unlabelled patients get NaN.
    n_splits : int, default=5
    random_state : int, default=0
    sites : pandas.Series or None, default=None
        Site per patient (index of ``X``, e.g. from :func:`cohort_sites`); a missing site
        is a site of its own.

    Returns
    -------
    pandas.Series
        Out-of-fold response probability per patient (index of ``X``).
    """
    import numpy as np
    import pandas as pd
    from sklearn.base import clone

    from irpredict.evaluation.cv import outer_splits

    labelled = y.notna().to_numpy()
    Xl, yl = X.loc[labelled], y.loc[labelled].astype(int).to_numpy()
    therapy = Xl["therapy_class"].astype(str).to_numpy()
    scores = pd.Series(np.nan, index=X.index, dtype=float, name="prob_response")
    template = clone(model.classifier)
    if hasattr(model.classifier, "therapies_") and \
            "own_model_classes" in template.get_params(deep=False):
        # each fold routes the classes as the registered model does, whatever the fold's counts
        template.set_params(own_model_classes=list(model.classifier.therapies_))
    groups = None
    if sites is not None:
        groups = sites.reindex(Xl.index).astype(object).fillna("(no site)").astype(str)
        groups = groups.to_numpy() if groups.nunique() >= n_splits else None
    for train, test in outer_splits(therapy, yl, groups, n_splits, random_state):
        fitted = clone(template).fit(Xl.iloc[train][model.input_columns], yl[train])
        scores.loc[Xl.index[test]] = fitted.predict_proba(Xl.iloc[test][model.input_columns])[:, 1]
    return scores
