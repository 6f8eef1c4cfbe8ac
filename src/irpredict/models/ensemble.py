"""An ensemble that averages the log-odds (or probabilities) of its members."""

import numpy as np
from scipy.special import expit, logit
from sklearn.base import ClassifierMixin, clone
from sklearn.utils._available_if import available_if
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted

__all__ = ["AveragingClassifier"]


class AveragingClassifier(ClassifierMixin, _BaseComposition):
    """Average the predictions of several classifiers, in log-odds by default.

    A soft-voting ensemble written as a plain estimator: it clones and fits
    every member on the same data. With ``average="logit"`` (the default,
    binary labels) it averages the members' log-odds (``decision_function``
    for linear models, the output margin for XGBoost, ``logit(p)``
    otherwise) and applies the sigmoid, so its SHAP values are exactly the
    weighted mean of the members' log-odds SHAP values (and likewise its
    base value). ``average="probability"`` returns the (weighted) mean of
    their ``predict_proba`` instead. Members' hyperparameters are reachable for search as
    ``<member name>__<parameter>`` (``logistic__C``), and inside
    :func:`~irpredict.models.make_model` as ``classifier__logistic__C``.
    Preprocessing is shared: the pipeline standardises numeric columns,
    which trees ignore.

    Parameters
    ----------
    estimators : list of (str, estimator)
        Named members; each needs ``predict_proba``.
    weights : list of float or None, default=None
        Weight of each member; ``None`` weighs them equally.
    average : {"logit", "probability"}, default="logit"
        What is averaged: the members' log-odds, or their probabilities.

    Attributes
    ----------
    estimators_ : list of estimator
        Fitted clones, in the order of ``estimators``.
    named_estimators_ : dict of str to estimator
        The same, by name.
    classes_ : ndarray
        Class labels seen in ``fit``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> ens = AveragingClassifier([("lr", LogisticRegression()),
    ...                            ("tree", DecisionTreeClassifier(max_depth=2))])
    >>> ens.fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]).predict([[3.0]])
    array([1])
    """

    def __init__(self, estimators, *, weights=None, average="logit"):
        self.estimators = estimators
        self.weights = weights
        self.average = average

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        members = [get_tags(est).input_tags for _, est in self.estimators]
        tags.input_tags.sparse = all(t.sparse for t in members)
        tags.input_tags.allow_nan = all(t.allow_nan for t in members)
        if tags.classifier_tags is not None:  # averaging log-odds needs two classes
            tags.classifier_tags.multi_class = self.average == "probability"
        return tags

    def get_params(self, deep=True):
        """Parameters of the ensemble and, when ``deep``, of its members."""
        return self._get_params("estimators", deep=deep)

    def set_params(self, **params):
        """Set parameters, including members' (``logistic__C=0.1``)."""
        self._set_params("estimators", **params)
        return self

    def fit(self, X, y, sample_weight=None):
        """Fit a clone of every member on ``X, y``.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like or None, default=None
            Passed to members' ``fit`` when given.

        Returns
        -------
        self
        """
        names = [name for name, _ in self.estimators]
        if self.average not in ("logit", "probability"):
            raise ValueError(
                f"average must be 'logit' or 'probability'; got {self.average!r}."
            )
        if len(set(names)) != len(names):
            raise ValueError(f"Member names must be unique; got {names}.")
        if self.weights is not None:
            weights = np.asarray(self.weights, dtype=float)
            if weights.shape != (len(names),) or (weights < 0).any() or not weights.sum() > 0:
                raise ValueError(f"weights must be one non-negative number per member "
                                 f"({len(names)}: {names}), not all zero; got {self.weights!r}.")
        if self.average == "logit":
            from sklearn.utils.multiclass import type_of_target

            kind = type_of_target(y, raise_unknown=True)
            if kind != "binary":  # checked before any member is fitted
                raise ValueError(
                    f"Only binary classification is supported with average='logit'; the "
                    f"labels are {kind}. Use average='probability'.")
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.estimators_ = [clone(est).fit(X, y, **kwargs) for _, est in self.estimators]
        self.named_estimators_ = dict(zip(names, self.estimators_, strict=True))
        self.classes_ = self.estimators_[0].classes_
        if hasattr(self.estimators_[0], "n_features_in_"):
            self.n_features_in_ = self.estimators_[0].n_features_in_
        if hasattr(self.estimators_[0], "feature_names_in_"):
            self.feature_names_in_ = self.estimators_[0].feature_names_in_
        return self

    @available_if(lambda self: self.average == "logit")
    def decision_function(self, X):
        """Weighted mean of the members' log-odds (``average="logit"`` only).

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimators_")
        margins = np.stack([_log_odds(est, X) for est in self.estimators_])
        return np.average(margins, axis=0, weights=self.weights)

    def predict_proba(self, X):
        """Sigmoid of the mean log-odds, or the mean of the members' probabilities.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "estimators_")
        if self.average == "logit":
            p = expit(self.decision_function(X))
            return np.column_stack([1.0 - p, p])
        probas = np.stack([est.predict_proba(X) for est in self.estimators_])
        return np.average(probas, axis=0, weights=self.weights)

    def predict(self, X):
        """Class with the highest averaged probability."""
        check_is_fitted(self, "estimators_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _log_odds(estimator, X):
    """A fitted binary classifier's log-odds of the positive class, in float64."""
    try:
        from xgboost import XGBModel
    except ImportError:  # pragma: no cover - xgboost is a dependency
        XGBModel = ()
    if isinstance(estimator, XGBModel):
        return np.asarray(estimator.predict(X, output_margin=True), dtype=np.float64)
    if hasattr(estimator, "decision_function"):
        return np.asarray(estimator.decision_function(X), dtype=np.float64)
    p = np.asarray(estimator.predict_proba(X), dtype=np.float64)[:, 1]
    return logit(np.clip(p, 1e-15, 1 - 1e-15))
