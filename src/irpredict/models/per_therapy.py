"""``PerTherapyClassifier``: one model per therapy class, a pooled model for the rest."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from irpredict.exceptions import CohortDataError, UnknownTherapyError
from irpredict.models._leakage import refuse_labels_among_features

__all__ = ["PerTherapyClassifier", "own_model_classes"]


def _first(items, k=5):
    items = list(items)
    more = f" and {len(items) - k} more" if len(items) > k else ""
    return f"{items[:k]}{more}"


def _binary_labels(y, n_rows):
    """``y`` as an int array of 0/1 labels, or a ValueError saying what is wrong."""
    import pandas as pd

    values = pd.Series(np.asarray(y, dtype=object).ravel())
    if len(values) != n_rows:
        raise ValueError(f"y has {len(values)} labels for {n_rows} rows of X")
    if not n_rows:
        raise ValueError("X has 0 rows: fitting needs patients")
    numbers = pd.to_numeric(values.map(lambda v: int(v) if isinstance(v, bool) else v),
                            errors="coerce")
    bad = numbers.isna() | ~numbers.isin([0, 1])
    if bad.any():
        shown = ", ".join(map(repr, values[bad].unique()[:5]))
        raise ValueError(f"y must hold 0/1 response labels (1 = responder); found {shown} in "
                         f"{int(bad.sum())} rows. Map the labels to 0/1 first")
    if numbers.nunique() < 2:
        only = "responders" if numbers.iloc[0] == 1 else "non-responders"
        raise ValueError(f"y holds only {only} ({n_rows} rows): a classifier needs both "
                         "outcomes to learn from")
    return numbers.to_numpy(dtype=int)


class PerTherapyClassifier(ClassifierMixin, BaseEstimator):
    """Fit one classifier per therapy class, and a pooled one for small classes.

    A therapy class gets its own clone of ``estimator`` when the training
    data hold at least ``min_patients`` patients of that class with at least
    ``min_responders`` responders and ``min_responders`` non-responders.
    Every other class is predicted by one pooled clone, fitted on **all**
    training patients with one-hot therapy-class indicators added
    (``therapy_class__cytokine``, ...), so small classes borrow strength.
    ``predict_proba`` routes each row by its therapy class; rows keep their
    order. The therapy column is never passed to the per-class models.

    Parameters
    ----------
    estimator : estimator or None, default=None
        Unfitted classifier with ``predict_proba`` that accepts a DataFrame
        (normally :func:`~irpredict.models.make_model`); ``None`` uses
        ``make_model("xgboost")``. Its hyperparameters are reachable as
        ``estimator__<name>`` and are shared by all clones.
    therapy_col : str, default="therapy_class"
        Column of ``X`` holding the therapy class.
    min_patients : int, default=30
        Minimum number of patients for a class-specific model.
    min_responders : int, default=8
        Minimum number of responders, and of non-responders, for a
        class-specific model.
    own_model_classes : list of str or None, default=None
        The classes that get their own model, decided beforehand (e.g. by
        :func:`own_model_classes` on a whole cohort, so that every
        cross-validation fold routes a class as the final model does); a listed
        class whose training rows lack one outcome falls back to the pooled
        model. ``None`` decides from the training data by the two minimums.

    Attributes
    ----------
    estimators_ : dict of str to estimator
        Fitted class-specific models.
    pooled_estimator_ : estimator or None
        Fitted pooled model; ``None`` when every class has its own model.
    therapies_ : list of str
        Classes with their own model.
    pooled_therapies_ : list of str
        Classes predicted by the pooled model.
    indicator_therapies_ : list of str
        All classes seen in ``fit``, one indicator column each in the
        pooled model's input.
    counts_ : pandas.DataFrame
        Patients, responders and non-responders per class, and the route.
    classes_ : ndarray
        Labels seen in ``fit`` (``[0, 1]``).
    feature_names_in_ : ndarray of str
        Columns of ``X`` seen in ``fit``.

    Notes
    -----
    The input must be a pandas DataFrame holding ``therapy_col``, so the
    array-based sklearn estimator checks do not apply; the parameter
    checks (``get_params``/``set_params``/``clone``, nothing set in
    ``__init__``) do and are tested.

    Examples
    --------
    >>> from irpredict.models import make_model
    >>> clf = PerTherapyClassifier(make_model("logistic"), min_patients=40)
    >>> clf.get_params()["estimator__classifier__C"]
    0.5
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "therapy_col": [str],
        "min_patients": [Interval(Integral, 1, None, closed="left")],
        "min_responders": [Interval(Integral, 1, None, closed="left")],
        "own_model_classes": [list, tuple, None],
    }

    def __init__(self, estimator=None, *, therapy_col="therapy_class", min_patients=30,
                 min_responders=8, own_model_classes=None):
        self.estimator = estimator
        self.therapy_col = therapy_col
        self.min_patients = min_patients
        self.min_responders = min_responders
        self.own_model_classes = own_model_classes

    def __setstate__(self, state):
        # models saved before this parameter existed routed by their training counts: None
        state.setdefault("own_model_classes", None)
        super().__setstate__(state)

    def fit(self, X, y):
        """Fit the class-specific and pooled models.

        Parameters
        ----------
        X : pandas.DataFrame
            One row per patient, including ``therapy_col``.
        y : array-like of shape (n_patients,)
            0/1 response labels.

        Returns
        -------
        self
        """
        self._validate_params()
        therapy = self._check_X(X)
        label_name = getattr(y, "name", None)
        y = _binary_labels(y, len(X))
        # by name only: a fold's few patients can match a strong 0/1 marker by chance
        refuse_labels_among_features(X, y, label_name, therapy_col=self.therapy_col,
                                     by_value=False)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.classes_ = np.unique(y)
        self.counts_ = self._route(therapy, y)
        self.therapies_ = self.counts_.index[self.counts_["own_model"]].tolist()
        self.pooled_therapies_ = self.counts_.index[~self.counts_["own_model"]].tolist()
        self.indicator_therapies_ = self.counts_.index.tolist()
        base = self._base_estimator()
        features = X.drop(columns=[self.therapy_col])
        self.estimators_ = {}
        for cls in self.therapies_:
            mask = therapy == cls
            self.estimators_[cls] = clone(base).fit(features.loc[mask], y[mask])
        self.pooled_estimator_ = None
        if self.pooled_therapies_:
            self.pooled_estimator_ = clone(base).fit(self.pooled_input(X), y)
        return self

    def predict_proba(self, X):
        """Class probabilities, each row from the model of its therapy class.

        Parameters
        ----------
        X : pandas.DataFrame
            Rows to predict, including ``therapy_col``.

        Returns
        -------
        ndarray of shape (n_patients, 2)

        Raises
        ------
        UnknownTherapyError
            When a row's therapy class was not seen in ``fit``.
        """
        check_is_fitted(self, "estimators_")
        therapy = self._check_X(X)
        known = set(self.indicator_therapies_)
        unknown = sorted(set(therapy) - known)
        if unknown:
            bad = X.index[np.isin(therapy, unknown)]
            raise UnknownTherapyError(
                f"Column '{self.therapy_col}': therapy class(es) {unknown} were not seen in "
                f"training ({len(bad)} rows, e.g. {_first(bad.astype(str))}); known classes: "
                f"{sorted(known)}. Predict only classes the model was trained on."
            )
        out = np.full((len(X), len(self.classes_)), np.nan)
        features = X.drop(columns=[self.therapy_col])
        for cls, est in self.estimators_.items():
            mask = therapy == cls
            if mask.any():
                out[mask] = est.predict_proba(features.loc[mask])
        pooled = np.isin(therapy, self.pooled_therapies_)
        if pooled.any():
            out[pooled] = self.pooled_estimator_.predict_proba(self.pooled_input(X.loc[pooled]))
        return out

    def predict(self, X):
        """Most probable label of each row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def estimator_for(self, therapy):
        """The fitted model that predicts a therapy class.

        Parameters
        ----------
        therapy : str
            A therapy class seen in ``fit``.

        Returns
        -------
        estimator : fitted estimator
        pooled : bool
            True when it is the pooled model, whose input comes from
            :meth:`pooled_input`.
        """
        check_is_fitted(self, "estimators_")
        if therapy in self.estimators_:
            return self.estimators_[therapy], False
        if therapy in self.pooled_therapies_:
            return self.pooled_estimator_, True
        raise UnknownTherapyError(
            f"Therapy class {therapy!r} was not seen in training; known classes: "
            f"{sorted(self.indicator_therapies_)}."
        )

    def pooled_input(self, X):
        """``X`` without the therapy column, plus one 0/1 indicator per class.

        Parameters
        ----------
        X : pandas.DataFrame
            Rows including ``therapy_col``.

        Returns
        -------
        pandas.DataFrame
            Indicator columns are named ``"{therapy_col}__{class}"``.
        """
        check_is_fitted(self, "indicator_therapies_")
        therapy = X[self.therapy_col].astype(str).to_numpy()
        out = X.drop(columns=[self.therapy_col]).copy()
        for cls in self.indicator_therapies_:
            out[f"{self.therapy_col}__{cls}"] = (therapy == cls).astype(float)
        return out

    def _base_estimator(self):
        if self.estimator is not None:
            return self.estimator
        from irpredict.models.pipeline import make_model

        return make_model("xgboost")

    def _check_X(self, X):
        if not hasattr(X, "columns"):
            raise TypeError(
                f"PerTherapyClassifier needs a pandas DataFrame with a '{self.therapy_col}' "
                f"column; got {type(X).__name__}."
            )
        if self.therapy_col not in X.columns:
            raise CohortDataError(
                f"Column '{self.therapy_col}' is missing from the feature frame (columns: "
                f"{_first(X.columns)}); add the therapy class of each patient or set "
                "therapy_col."
            )
        therapy = X[self.therapy_col]
        if therapy.isna().any():
            bad = X.index[therapy.isna().to_numpy()]
            raise CohortDataError(
                f"Column '{self.therapy_col}' is empty for {len(bad)} patients "
                f"({_first(bad.astype(str))}); fill in their therapy class or drop them."
            )
        return therapy.astype(str).to_numpy()

    def _route(self, therapy, y):
        import pandas as pd

        frame = pd.DataFrame({"therapy": therapy, "y": y})
        counts = frame.groupby("therapy", sort=True)["y"].agg(
            n_patients="size", n_responders="sum"
        )
        counts["n_nonresponders"] = counts["n_patients"] - counts["n_responders"]
        if self.own_model_classes is None:
            counts["own_model"] = _large_enough(counts, self.min_patients, self.min_responders)
        else:
            counts["own_model"] = (counts.index.isin([str(c) for c in self.own_model_classes])
                                   & (counts["n_responders"] > 0)
                                   & (counts["n_nonresponders"] > 0))
        counts.index.name = self.therapy_col
        return counts


def _large_enough(counts, min_patients, min_responders):
    return ((counts["n_patients"] >= min_patients)
            & (counts["n_responders"] >= min_responders)
            & (counts["n_nonresponders"] >= min_responders))


def own_model_classes(therapy, y, *, min_patients=30, min_responders=8):
    """The therapy classes large enough for a model of their own.

    Parameters
    ----------
    therapy : array-like of str
        Therapy class per patient.
    y : array-like of 0/1
        Response labels.
    min_patients, min_responders : int, default=30, 8
        As for :class:`PerTherapyClassifier`.

    Returns
    -------
    list of str
        Sorted class names with at least ``min_patients`` patients and
        ``min_responders`` responders and non-responders.

    Examples
    --------
    >>> own_model_classes(["a"] * 40 + ["b"] * 10, [0, 1] * 25)
    ['a']
    """
    import pandas as pd

    frame = pd.DataFrame({"therapy": np.asarray(therapy).astype(str),
                          "y": np.asarray(y, dtype=int)})
    counts = frame.groupby("therapy", sort=True)["y"].agg(n_patients="size",
                                                          n_responders="sum")
    counts["n_nonresponders"] = counts["n_patients"] - counts["n_responders"]
    return counts.index[_large_enough(counts, min_patients, min_responders)].tolist()
