"""A pipeline step that puts heavy-tailed, non-negative columns on a log scale."""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from irpredict.models._columns import fitted_values

__all__ = ["LogSkewed"]


def _skewness(x):
    """Sample skewness of the finite values of ``x`` (0 when undefined)."""
    x = x[np.isfinite(x)]
    if len(x) < 3:
        return 0.0
    sd = x.std()
    return float(((x - x.mean()) ** 3).mean() / sd**3) if sd > 0 else 0.0


class LogSkewed(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Log-transform right-skewed non-negative columns, learned on the training data.

    Laboratory values such as ctDNA, CRP, IL-6, LDH or cell counts are
    log-normal: a linear model fitted on their raw values spends its slope on
    a few extreme patients. A column is transformed when, on the training
    rows, all its values are >= 0, it takes more than two distinct values and
    its skewness exceeds ``min_skew``; it becomes ``log(x + offset)`` with
    ``offset`` half its smallest positive training value when it has zeros
    (ctDNA below the limit of detection) and 0 otherwise. Missing values stay
    missing, so imputation and missingness indicators that follow see the
    same pattern. Other columns pass unchanged. Which columns and which
    offsets are learned in ``fit``, so cross-validation refits them per fold.

    Parameters
    ----------
    min_skew : float, default=1.0
        Skewness above which a non-negative column is log-transformed.

    Attributes
    ----------
    log_columns_ : ndarray of bool
        Per input column, whether it is log-transformed.
    offsets_ : ndarray of float
        Per input column, the offset added before the log (0 when not
        transformed).
    floors_ : ndarray of float
        Per input column, the smallest value let through before the log:
        0 for columns with an offset, half the smallest training value for
        the others (a later zero then maps to a finite value).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When fitted on a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.exp(np.arange(20.0)), np.arange(20.0) - 5]
    >>> step = LogSkewed().fit(X)
    >>> step.log_columns_.tolist()
    [True, False]
    >>> np.allclose(step.transform(X)[:, 0], np.arange(20.0))
    True
    """

    def __init__(self, min_skew=1.0):
        self.min_skew = min_skew

    def _values(self, X):
        if hasattr(X, "to_numpy"):
            return X.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.asarray(X, dtype=np.float64)

    def fit(self, X, y=None):
        """Choose the columns to transform and their offsets.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            Numeric training values (NaN allowed).
        y : None
            Ignored.

        Returns
        -------
        self
        """
        values = self._values(X)
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.fitted_on_frame_ = hasattr(X, "columns")
        self.n_features_in_ = values.shape[1]
        self.log_columns_ = np.zeros(values.shape[1], dtype=bool)
        self.offsets_ = np.zeros(values.shape[1])
        self.floors_ = np.zeros(values.shape[1])
        for j in range(values.shape[1]):
            col = values[:, j]
            col = col[np.isfinite(col)]
            if len(col) < 3 or col.min() < 0 or len(np.unique(col)) <= 2:
                continue
            if _skewness(col) <= self.min_skew:
                continue
            positive = col[col > 0]
            self.log_columns_[j] = True
            if len(positive) == len(col):
                self.floors_[j] = positive.min() / 2
            else:
                self.offsets_[j] = positive.min() / 2
        return self

    def transform(self, X):
        """Apply the learned log transforms.

        Values below the training range's floor at prediction time (negative
        values, or zeros in a column that had none) are raised to it, so the
        output stays finite.

        Parameters
        ----------
        X : pandas.DataFrame or array-like
            Columns as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "log_columns_")
        out = fitted_values(self, X).copy()
        cols = np.flatnonzero(self.log_columns_)
        if len(cols):
            part = out[:, cols]
            part = np.maximum(part, self.floors_[cols])  # NaN stays NaN
            out[:, cols] = np.log(part + self.offsets_[cols])
        return out
