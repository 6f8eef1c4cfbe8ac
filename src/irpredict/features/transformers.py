"""Fitted feature builders: everything that learns from other patients.

They follow the scikit-learn estimator contract and are DataFrame-native:
they keep column names and the patient index, define
``get_feature_names_out`` and therefore work with
``set_output(transform="pandas")`` inside a Pipeline, so cross-validation
refits them on each training fold.
"""

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from irpredict.data._patients import HER2_IHC_CODE as _HER2
from irpredict.data._patients import ORDINAL_CODES

__all__ = ["CategoricalEncoder", "ClearanceFlagger", "DEFAULT_ORDINAL"]

#: Ordinal categories known by default (lowest first).
DEFAULT_ORDINAL = ORDINAL_CODES


def _as_frame(est, X, *, reset):
    """Validate ``X`` and return it as a DataFrame (arrays get ``x0, x1, ...``)."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        validate_data(est, X, reset=reset, skip_check_array=True)
        if len(X) == 0:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required."
            )
        return X
    arr = validate_data(est, X, reset=reset, dtype=None, ensure_all_finite="allow-nan")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def _input_names(est, X):
    """Fitted input names: ``feature_names_in_`` or ``x0, x1, ...`` for arrays."""
    names = getattr(est, "feature_names_in_", None)
    return [str(c) for c in (X.columns if names is None else names)]


def _is_categorical(series):
    import pandas as pd

    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _label(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class CategoricalEncoder(TransformerMixin, BaseEstimator):
    """Encode categorical columns: ordinal scales as numbers, the rest one-hot.

    Numeric columns pass through as float. An ordinal column (``her2_ihc`` by
    default: 0 < 1+ < 2+ < 3+; "2" and "2+" are the same) becomes one float
    column of ranks. Every other categorical column becomes one 0/1 column per
    category seen in ``fit``, named ``<column>__<category>`` so explanations can
    be summed back to ``<column>``. Missing values and categories unseen in
    ``fit`` give all-zero indicators (NaN rank for ordinal columns).

    Parameters
    ----------
    categorical : list of str or None, default=None
        Columns to treat as categorical; ``None`` picks the non-numeric ones.
    ordinal : dict of str to list of str or None, default=None
        Ordered categories of ordinal columns (lowest first); ``None`` uses
        :data:`DEFAULT_ORDINAL` for the columns present.

    Attributes
    ----------
    categories_ : dict of str to list of str
        One-hot categories per column, sorted.
    ordinal_ : dict of str to list of str
        Ordered categories of the ordinal columns.
    columns_ : list of str
        Input column names (``x0, x1, ...`` for arrays).
    feature_names_in_ : ndarray of str
        Defined only when ``X`` has string column names.
    n_features_in_ : int

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"pam50": ["Basal", "LumA"], "her2_ihc": ["1+", "3+"], "age": [50, 61]})
    >>> CategoricalEncoder().fit(X).get_feature_names_out().tolist()
    ['pam50__Basal', 'pam50__LumA', 'her2_ihc', 'age']
    """

    _parameter_constraints = {"categorical": [list, None], "ordinal": [dict, None]}

    def __init__(self, categorical=None, ordinal=None):
        self.categorical = categorical
        self.ordinal = ordinal

    def fit(self, X, y=None):
        """Learn the categories of each categorical column.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_patients, n_features)
            Features; arrays are accepted and named ``x0, x1, ...``.
        y : None
            Ignored; exists for Pipeline compatibility.

        Returns
        -------
        self : CategoricalEncoder
        """
        self._validate_params()
        X = _as_frame(self, X, reset=True)
        self.columns_ = _input_names(self, X)
        chosen = self.categorical
        if chosen is None:
            chosen = [c for c in X.columns if _is_categorical(X[c])]
        missing = [c for c in chosen if c not in X.columns]
        if missing:
            raise ValueError(
                f"{len(missing)} categorical columns are missing from X: {missing[:5]}; "
                "fix the 'categorical' parameter or pass a frame that has them."
            )
        ordinal = DEFAULT_ORDINAL if self.ordinal is None else self.ordinal
        self.ordinal_ = {c: [str(v) for v in ordinal[c]] for c in chosen if c in ordinal}
        self.categories_ = {
            c: sorted({_label(v) for v in X[c].dropna()}) for c in chosen if c not in self.ordinal_
        }
        return self

    def transform(self, X):
        """Encode ``X`` with the categories learned in ``fit``.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_patients, n_features)

        Returns
        -------
        pandas.DataFrame
            Float columns named by :meth:`get_feature_names_out`, same index.
        """
        import pandas as pd

        check_is_fitted(self, "categories_")
        X = _as_frame(self, X, reset=False)
        cols = {}
        for c in self.columns_:
            if c in self.ordinal_:
                cols[c] = self._ranks(c, X[c])
            elif c in self.categories_:
                labels = np.array([None if pd.isna(v) else _label(v) for v in X[c]], dtype=object)
                for cat in self.categories_[c]:
                    cols[f"{c}__{cat}"] = (labels == cat).astype(np.float64)
            else:
                cols[c] = pd.to_numeric(X[c], errors="coerce").to_numpy(dtype=np.float64)
        return pd.DataFrame(cols, index=X.index, columns=self.get_feature_names_out())

    def _ranks(self, col, series):
        import pandas as pd

        order = {_norm_ordinal(v): i for i, v in enumerate(self.ordinal_[col])}
        return np.array(
            [np.nan if pd.isna(v) else order.get(_norm_ordinal(v), np.nan) for v in series],
            dtype=np.float64,
        )

    def get_feature_names_out(self, input_features=None):
        """Output column names (one-hot columns as ``<column>__<category>``).

        Parameters
        ----------
        input_features : array-like of str or None
            Ignored beyond consistency; the fitted names are used.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "categories_")
        names = []
        for c in self.columns_:
            if c in self.categories_:
                names += [f"{c}__{cat}" for cat in self.categories_[c]]
            else:
                names.append(c)
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


def _norm_ordinal(v):
    text = _label(v) if not isinstance(v, str) else v
    m = _HER2.match(text)
    return f"{m.group(1)}+" if m and m.group(1) != "0" else ("0" if m else text.strip())


_LAST = re.compile(r"^(?P<bm>.+)__last_d(?P<tag>[0-9p]+)$")


class ClearanceFlagger(TransformerMixin, BaseEstimator):
    """Add ``<biomarker>__cleared_d<L>`` flags with detection limits learned in ``fit``.

    For every ``<biomarker>__last_d<L>`` column without a matching ``cleared``
    column, the flag is 1 when the last value is below the biomarker's
    detection limit and 0 otherwise (NaN when ``last`` is missing). Declared
    limits are used as given; the others are learned from the training fold
    as the smallest positive value observed in that biomarker's baseline,
    last, min and nadir columns. All input columns pass through.

    Parameters
    ----------
    detection_limits : dict of str to float or None, default=None
        Declared detection limits per biomarker.

    Attributes
    ----------
    detection_limits_ : dict of str to float
        The limit used per biomarker (NaN when nothing positive was seen).
    flags_ : list of tuple
        ``(last column, new cleared column, biomarker)`` per added flag.
    columns_ : list of str
        Input column names (``x0, x1, ...`` for arrays).
    feature_names_in_ : ndarray of str
        Defined only when ``X`` has string column names.
    n_features_in_ : int
    """

    _parameter_constraints = {"detection_limits": [dict, None]}

    def __init__(self, detection_limits=None):
        self.detection_limits = detection_limits

    def fit(self, X, y=None):
        """Learn the detection limits of biomarkers without a declared one.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_patients, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : ClearanceFlagger
        """
        self._validate_params()
        X = _as_frame(self, X, reset=True)
        names = self.columns_ = _input_names(self, X)
        self.flags_ = []
        for c in names:
            m = _LAST.match(c)
            new = f"{m['bm']}__cleared_d{m['tag']}" if m else None
            if m and new not in names:
                self.flags_.append((c, new, m["bm"]))
        declared = self.detection_limits or {}
        self.detection_limits_ = {}
        for bm in dict.fromkeys(bm for _, _, bm in self.flags_):
            limit = declared.get(bm)
            if limit is None:
                limit = self._learn(X, names, bm)
            self.detection_limits_[bm] = float(limit)
        return self

    @staticmethod
    def _learn(X, names, bm):
        import pandas as pd

        stats = ("baseline", "last_d", "min_d", "nadir_d")
        cols = [c for c in names if c.startswith(f"{bm}__") and c[len(bm) + 2:].startswith(stats)]
        vals = X[cols].apply(pd.to_numeric, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan).ravel()
        vals = vals[vals > 0]
        return vals.min() if len(vals) else np.nan

    def transform(self, X):
        """Append the cleared flags.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_patients, n_features)

        Returns
        -------
        pandas.DataFrame
            ``X`` unchanged (same dtypes) followed by one float flag column per
        entry of ``flags_``.
        """
        import pandas as pd

        check_is_fitted(self, "flags_")
        X = _as_frame(self, X, reset=False)
        out = X.copy()
        for last, new, bm in self.flags_:
            v = pd.to_numeric(out[last], errors="coerce").to_numpy(dtype=np.float64)
            limit = self.detection_limits_[bm]
            out[new] = np.where(np.isnan(v) | np.isnan(limit), np.nan, (v < limit) * 1.0)
        out.columns = self.get_feature_names_out()
        return out

    def get_feature_names_out(self, input_features=None):
        """Input names followed by the added ``cleared`` flags.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "flags_")
        return np.asarray([*self.columns_, *(n for _, n, _ in self.flags_)],
                          dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags
