"""``CalibratedModel``: post-hoc calibration as a searchable hyperparameter."""

from numbers import Integral

from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

__all__ = ["CALIBRATION_METHODS", "CalibratedModel"]

#: Values of ``CalibratedModel(method=...)``.
CALIBRATION_METHODS = ("none", "sigmoid", "isotonic")


class CalibratedModel(ClassifierMixin, BaseEstimator):
    """Wrap a classifier with optional post-hoc probability calibration.

    ``method="none"`` fits the estimator as is; ``"sigmoid"`` (Platt) and
    ``"isotonic"`` fit :class:`sklearn.calibration.CalibratedClassifierCV`
    with ``ensemble=False``: the calibrator is learnt on the classifier's
    out-of-fold predictions over ``cv`` internal folds (data it did not see),
    and maps the predictions of one classifier refitted on all patients, so
    the calibrated probability is a monotone function of that classifier's
    output (the model explained). Because ``method`` is a parameter, a grid
    search can choose it inside the inner loop of nested cross-validation.
    Isotonic regression gives a probability of exactly 0 or 1 to a score
    range where every calibration patient had the same outcome; such
    certainty is not learnt from finite data, so its probabilities are kept
    half a patient from the ends: within ``[0.5 / n, 1 - 0.5 / n]`` for
    ``n`` training patients.

    Parameters
    ----------
    estimator : estimator
        Unfitted classifier with ``predict_proba``.
    method : {"none", "sigmoid", "isotonic"}, default="none"
        Calibration method.
    cv : int, default=3
        Internal folds of the calibrator.

    Attributes
    ----------
    estimator_ : estimator
        The fitted classifier or calibrated classifier.
    classes_ : ndarray
        Labels seen in ``fit``.
    probability_margin_ : float
        How far probabilities stay from 0 and 1 (``0.5 / n`` for isotonic
        calibration, 0.0 otherwise).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> CalibratedModel(LogisticRegression(), method="sigmoid").get_params()["method"]
    'sigmoid'
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "method": [StrOptions(set(CALIBRATION_METHODS))],
        "cv": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, estimator, *, method="none", cv=3):
        self.estimator = estimator
        self.method = method
        self.cv = cv

    def fit(self, X, y):
        """Fit the estimator, calibrated or not.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        self._validate_params()
        if self.method == "none":
            self.estimator_ = clone(self.estimator).fit(X, y)
        else:
            import numpy as np
            from sklearn.calibration import CalibratedClassifierCV
            from sklearn.utils.validation import column_or_1d

            if np.asarray(y).ndim == 2:  # out-of-fold predictions need 1-d labels
                y = column_or_1d(np.asarray(y), warn=True)
            # ensemble=False: one classifier refitted on all patients, calibrated on its
            # out-of-fold predictions, so the probability is a monotone map of the model
            # that is explained (an ensemble of fold models has no such map)
            self.estimator_ = CalibratedClassifierCV(
                clone(self.estimator), method=self.method, cv=self._folds(X, y),
                ensemble=False,
            ).fit(X, y)
        self.classes_ = self.estimator_.classes_
        self.probability_margin_ = 0.5 / len(y) if self.method == "isotonic" else 0.0
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, attr):
                setattr(self, attr, getattr(self.estimator_, attr))
        return self

    def _folds(self, X, y):
        """The calibrator's folds: by label, and by therapy class for a per-therapy model.

        Every therapy class with two patients or more then trains in every fold, so no fold
        predicts a class its model never saw.
        """
        import warnings

        import numpy as np
        import pandas as pd
        from sklearn.model_selection import StratifiedKFold

        folds = StratifiedKFold(self.cv, shuffle=True, random_state=0)
        therapy_col = getattr(self.estimator, "therapy_col", None)
        if therapy_col is None or not hasattr(X, "columns") or therapy_col not in X.columns:
            return folds
        therapy = X[therapy_col].astype(str).to_numpy()
        key = pd.Series(np.char.add(np.char.add(therapy, "|"), np.asarray(y).astype(str)))
        small = key.map(key.value_counts()) < self.cv
        key[small.to_numpy()] = therapy[small.to_numpy()]  # too few to split by label as well
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a class of 2: fewer than the folds
            return list(folds.split(X, key))

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator).input_tags  # the wrapped estimator decides
        tags.input_tags.sparse = inner.sparse
        tags.input_tags.allow_nan = inner.allow_nan
        return tags

    def predict_proba(self, X):
        """Calibrated class probabilities."""
        check_is_fitted(self, "estimator_")
        proba = self.estimator_.predict_proba(X)
        margin = getattr(self, "probability_margin_", 0.0)
        if margin > 0 and proba.shape[1] == 2:
            positive = proba[:, 1].clip(margin, 1 - margin)
            proba = proba.copy()
            proba[:, 1], proba[:, 0] = positive, 1 - positive
        return proba

    def predict(self, X):
        """Most probable label."""
        import numpy as np

        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
