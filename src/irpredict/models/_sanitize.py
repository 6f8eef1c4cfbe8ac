"""A pipeline step that makes feature names safe for XGBoost."""

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from irpredict.models._columns import fitted_values

__all__ = ["FeatureNameSanitizer"]

_UNSAFE = re.compile(r"[\[\]<>,]")


def _sanitize_names(names):
    out, seen = [], set()
    for name in names:
        safe = _UNSAFE.sub("_", str(name))
        candidate, k = safe, 1
        while candidate in seen:
            candidate, k = f"{safe}_{k}", k + 1
        seen.add(candidate)
        out.append(candidate)
    return out


class FeatureNameSanitizer(TransformerMixin, BaseEstimator):
    """Hand the classifier a plain float matrix, keeping the column names aside.

    XGBoost refuses feature names with ``[``, ``]``, ``<``, ``>`` or ``,``
    (one-hot columns of categories such as ``"<50"``), and with a DataFrame it
    re-checks every feature name on each boosting round, which costs more
    than the tree building itself when there are hundreds of columns. So the
    classifier is fitted on a float64 array; the sanitised names and their
    originals stay in ``mapping_`` (and ``get_feature_names_out``) to map
    explanations back. Values pass unchanged.

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        Input column names.
    mapping_ : dict of str to str
        Sanitised name to original name, to map explanations back.
    """

    def fit(self, X, y=None):
        """Learn the renaming from the columns of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            Transformed features.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        names = list(X.columns) if hasattr(X, "columns") else [
            f"x{i}" for i in range(np.asarray(X).shape[1])
        ]
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.fitted_on_frame_ = hasattr(X, "columns")
        self.n_features_in_ = len(names)
        self.mapping_ = dict(zip(_sanitize_names(names), names, strict=True))
        return self

    def transform(self, X):
        """Return the values of ``X`` as a float64 array (columns in the fitted order).

        Parameters
        ----------
        X : pandas.DataFrame or array-like
            Transformed features with the columns seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "mapping_")
        return fitted_values(self, X)

    def get_feature_names_out(self, input_features=None):
        """Sanitised names, in input order.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "mapping_")
        return np.asarray(list(self.mapping_), dtype=object)
