"""A pipeline step that makes feature names safe for XGBoost."""

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

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
    """Replace ``[``, ``]``, ``<``, ``>`` and ``,`` in column names by ``_``.

    XGBoost refuses feature names with these characters, which appear in
    one-hot columns of categories such as ``"<50"``. Values pass unchanged.

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
        self.n_features_in_ = len(names)
        self.mapping_ = dict(zip(_sanitize_names(names), names, strict=True))
        return self

    def transform(self, X):
        """Return ``X`` with sanitised column names (a DataFrame).

        Parameters
        ----------
        X : pandas.DataFrame or array-like
            Transformed features with the columns seen in ``fit``.

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        check_is_fitted(self, "mapping_")
        index = X.index if hasattr(X, "index") else None
        values = X.to_numpy() if hasattr(X, "to_numpy") else np.asarray(X)
        return pd.DataFrame(values, columns=list(self.mapping_), index=index)

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
