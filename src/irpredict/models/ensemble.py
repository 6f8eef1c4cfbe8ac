"""An ensemble that averages the predicted probabilities of its members."""

import numpy as np
from sklearn.base import ClassifierMixin, clone
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted

__all__ = ["AveragingClassifier"]


class AveragingClassifier(ClassifierMixin, _BaseComposition):
    """Average the predicted class probabilities of several classifiers.

    A soft-voting ensemble written as a plain estimator: it clones and fits
    every member on the same data and returns the (weighted) mean of their
    ``predict_proba``. Members' hyperparameters are reachable for search as
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

    def __init__(self, estimators, *, weights=None):
        self.estimators = estimators
        self.weights = weights

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
        if len(set(names)) != len(names):
            raise ValueError(f"Member names must be unique; got {names}.")
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.estimators_ = [clone(est).fit(X, y, **kwargs) for _, est in self.estimators]
        self.named_estimators_ = dict(zip(names, self.estimators_, strict=True))
        self.classes_ = self.estimators_[0].classes_
        if hasattr(self.estimators_[0], "n_features_in_"):
            self.n_features_in_ = self.estimators_[0].n_features_in_
        return self

    def predict_proba(self, X):
        """Weighted mean of the members' class probabilities.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "estimators_")
        probas = np.stack([est.predict_proba(X) for est in self.estimators_])
        return np.average(probas, axis=0, weights=self.weights)

    def predict(self, X):
        """Class with the highest averaged probability."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
