"""Logistic regression that remembers the mean of the rows it was fitted on."""

import numpy as np
from sklearn.linear_model import LogisticRegression

__all__ = ["LogisticRegressionWithMean"]


class LogisticRegressionWithMean(LogisticRegression):
    """:class:`~sklearn.linear_model.LogisticRegression` keeping its training mean.

    Linear SHAP values are ``w_j * (x_j - mean_j)``. Measured from the mean of
    the training rows, a patient's explanation is the same whoever else is
    explained with them (a single served patient included); measured from the
    rows being explained, one patient alone would get all-zero values.
    Parameters are those of ``LogisticRegression``.

    Attributes
    ----------
    training_mean_ : ndarray of shape (n_features,)
        Mean of the (preprocessed) training rows, weighted by ``sample_weight``
        when given.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]])
    >>> LogisticRegressionWithMean().fit(X, [0, 0, 1, 1]).training_mean_.tolist()
    [3.0, 4.0]
    """

    def fit(self, X, y, sample_weight=None):
        """Fit the model and record the training mean; see ``LogisticRegression.fit``."""
        from scipy import sparse

        super().fit(X, y, sample_weight=sample_weight)
        if sparse.issparse(X):
            values = sparse.csr_matrix(X, dtype=np.float64)
        else:
            values = np.asarray(X, dtype=np.float64)
        weights = (np.ones(values.shape[0]) if sample_weight is None
                   else np.asarray(sample_weight, dtype=np.float64))
        total = np.asarray(values.T @ weights).ravel()
        self.training_mean_ = total / weights.sum()
        return self
