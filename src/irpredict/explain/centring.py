"""Where linear SHAP values are measured from: the training mean or the explained rows."""

__all__ = ["centred_on_explained_rows"]


def centred_on_explained_rows(model):
    """Whether ``explain(model, X)`` measures linear SHAP values from the mean of ``X``.

    True only for models holding a plain scikit-learn ``LogisticRegression``
    (fitted before irpredict kept training means): their explanations depend
    on which rows are explained together, so explain such a model on a cohort,
    not on one patient.

    Parameters
    ----------
    model : fitted estimator
        Anything :func:`explain` accepts.

    Returns
    -------
    bool
    """
    from sklearn.linear_model import LogisticRegression

    if isinstance(model, LogisticRegression):
        return getattr(model, "training_mean_", None) is None
    return any(centred_on_explained_rows(m) for m in _fitted_parts(model))


def _fitted_parts(model):
    """The fitted estimators inside a pipeline, ensemble, per-therapy or calibrated model."""
    if hasattr(model, "steps"):
        yield model.steps[-1][1]
    estimators = getattr(model, "estimators_", None)
    if isinstance(estimators, dict):
        yield from estimators.values()
    elif estimators is not None:
        yield from estimators
    for name in ("pooled_estimator_", "estimator_"):
        if getattr(model, name, None) is not None:
            yield getattr(model, name)
    for fold in getattr(model, "calibrated_classifiers_", []):
        yield fold.estimator
