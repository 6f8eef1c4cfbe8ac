"""Exact SHAP values in log-odds for the classifiers irpredict fits.

Each function takes a fitted classifier and its (already preprocessed)
numeric input matrix and returns ``(contributions, base, margin)``: an
``(n, F)`` matrix, the ``(n,)`` base values and the ``(n,)`` log-odds margin
the classifier computes itself, with ``contributions.sum(1) + base == margin``.

* XGBoost (``XGBClassifier`` and the random-forest ``XGBRFClassifier``):
  TreeSHAP from ``booster.predict(DMatrix, pred_contribs=True)``; the last
  column is the bias (never read ``TreeExplainer.expected_value`` first).
* Logistic regression: linear SHAP ``w_j * (x_j - mean_j)`` with the means
  over background rows (by default the training mean the model kept, see
  :class:`~irpredict.models.linear.LogisticRegressionWithMean`), base =
  ``w . mean + b`` (the mean margin).
* :class:`~irpredict.models.AveragingClassifier` averaging log-odds: the
  weighted mean of its members' values, bases and margins.
"""

import numpy as np

from irpredict.exceptions import ExperimentConfigError

__all__ = ["margin_contributions", "is_supported"]


def _is_xgboost(model):
    try:
        from xgboost import XGBModel
    except ImportError:  # pragma: no cover - xgboost is a dependency
        return False
    return isinstance(model, XGBModel)


def _as_matrix(model, Xt):
    """Float32 matrix of the preprocessed rows (columns in the fitted order)."""
    values = Xt.to_numpy(dtype=np.float32, na_value=np.nan) if hasattr(Xt, "to_numpy") else (
        np.asarray(Xt, dtype=np.float32))
    return np.ascontiguousarray(values)


def _xgboost(model, Xt):
    import xgboost as xgb

    booster = model.get_booster()
    matrix = xgb.DMatrix(_as_matrix(model, Xt), missing=np.nan,
                         feature_names=booster.feature_names, nthread=model.n_jobs or -1)
    contribs = booster.predict(matrix, pred_contribs=True)  # float32; summed in float64 later
    margin = booster.predict(matrix, output_margin=True).astype(np.float64)
    if contribs.ndim != 2 or margin.ndim != 1:
        raise ExperimentConfigError(
            f"{type(model).__name__} has {contribs.shape} contributions; only binary "
            "response models can be explained in log-odds."
        )
    return contribs[:, :-1], contribs[:, -1].astype(np.float64), margin


def _logistic(model, Xt, background):
    X = np.asarray(Xt, dtype=np.float64)
    stored = getattr(model, "training_mean_", None)
    if background is not None:
        bg = np.asarray(background, dtype=np.float64)
    elif stored is not None:
        bg = np.asarray(stored, dtype=np.float64).reshape(1, -1)
    else:  # a plain LogisticRegression: no training mean was kept
        bg = X
    coef = np.asarray(model.coef_, dtype=np.float64)
    if coef.shape[0] != 1:
        raise ExperimentConfigError(
            f"{type(model).__name__} has {coef.shape[0]} rows of coefficients; only binary "
            "response models can be explained in log-odds."
        )
    w, b = coef[0], float(np.ravel(model.intercept_)[0])
    mean = bg.mean(axis=0) if len(bg) else np.zeros_like(w)
    contribs = (X - mean) * w
    base = np.full(len(X), float(mean @ w) + b)
    margin = X @ w + b  # decision_function, on the matrix without column names
    return contribs, base, margin


def _averaging(model, Xt, background):
    average = getattr(model, "average", "probability")
    if average != "logit":
        raise ExperimentConfigError(
            f"{type(model).__name__}(average={average!r}) averages probabilities, which has "
            "no exact decomposition in log-odds; refit it with average='logit' to explain it."
        )
    weights = np.ones(len(model.estimators_)) if model.weights is None else np.asarray(
        model.weights, dtype=np.float64)
    weights = weights / weights.sum()
    parts = [margin_contributions(est, Xt, background) for est in model.estimators_]
    contribs = sum(w * p[0].astype(np.float64) for w, p in zip(weights, parts, strict=True))
    base = sum(w * p[1] for w, p in zip(weights, parts, strict=True))
    margin = sum(w * p[2] for w, p in zip(weights, parts, strict=True))
    return contribs, base, margin


def is_supported(model):
    """Whether :func:`margin_contributions` can explain ``model`` exactly."""
    from sklearn.linear_model import LogisticRegression

    from irpredict.models.ensemble import AveragingClassifier

    return _is_xgboost(model) or isinstance(model, LogisticRegression | AveragingClassifier)


def margin_contributions(model, Xt, background=None):
    """Exact log-odds SHAP values of a fitted binary classifier.

    Parameters
    ----------
    model : fitted classifier
        ``XGBClassifier``, ``XGBRFClassifier``, ``LogisticRegression`` or an
        :class:`~irpredict.models.AveragingClassifier` of them averaging
        log-odds.
    Xt : pandas.DataFrame or ndarray of shape (n, F)
        The numeric matrix the classifier sees (after preprocessing), with
        its columns in the order of fitting (names are not checked).
    background : ndarray of shape (m, F) or None, default=None
        Rows whose feature means centre linear SHAP values; ``None`` uses
        the training mean the classifier kept (``training_mean_``), or ``Xt``
        for a classifier without one. Tree SHAP ignores it (its reference is
        the training data held in the trees' cover counts).

    Returns
    -------
    contributions : ndarray of shape (n, F)
    base : ndarray of shape (n,)
    margin : ndarray of shape (n,)
        The classifier's own log-odds; ``contributions.sum(1) + base``
        equals it up to float32 rounding for trees.

    Raises
    ------
    ExperimentConfigError
        When the classifier has no exact log-odds decomposition here.
    """
    from sklearn.linear_model import LogisticRegression

    from irpredict.models.ensemble import AveragingClassifier

    if _is_xgboost(model):
        return _xgboost(model, Xt)
    if isinstance(model, LogisticRegression):
        return _logistic(model, Xt, background)
    if isinstance(model, AveragingClassifier):
        return _averaging(model, Xt, background)
    raise ExperimentConfigError(
        f"Cannot explain a {type(model).__name__} exactly in log-odds; use a model family "
        "from irpredict.models (logistic, random_forest, xgboost, ensemble)."
    )
