"""``explain(model, X)``: exact log-odds SHAP values per original biomarker.

Every model is explained in log-odds (the margin before the sigmoid), so for
each patient ``values.sum(axis=1) + base_values == margin`` (to float32
rounding for trees) and ``prob == sigmoid(margin)``:

* a model Pipeline (``preprocess``, ``sanitize``, ``classifier``) is
  explained on its preprocessed matrix (:mod:`irpredict.explain._exact`),
  then the SHAP columns are summed back to the input columns and then to
  the biomarkers (:mod:`irpredict.explain.grouping`);
* a :class:`~irpredict.models.PerTherapyClassifier` routes each row as
  ``predict_proba`` does: per-class rows are explained by their class's
  model, the others by the pooled model (whose therapy indicators appear as
  the biomarker ``"therapy_class"``);
* a :class:`~irpredict.models.CalibratedModel` is explained through the
  model it calibrates: ``margin`` is that model's log-odds (the classifier
  refitted on all patients), while ``prob`` is the calibrated probability.
  Post-hoc calibration is a monotone map applied after the margin, so it
  re-scales but never re-orders patients, and the SHAP values explain the
  ranking; for calibrated models ``prob != sigmoid(margin)``.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from irpredict.exceptions import CohortDataError
from irpredict.explain import _exact
from irpredict.explain.grouping import biomarker_of, input_columns, sum_by_group

__all__ = ["Explanation", "explain"]


@dataclass
class Explanation:
    """Per-patient SHAP values in log-odds, per original biomarker.

    Attributes
    ----------
    values : pandas.DataFrame
        Patients x biomarkers; a biomarker absent from a patient's model is 0.
    base_values : pandas.Series
        Base value (log-odds) per patient.
    margin : pandas.Series
        The model's log-odds per patient (``values.sum(1) + base_values``).
    prob : pandas.Series
        The model's predicted response probability: ``sigmoid(margin)``
        (equal to ``predict_proba`` up to float32 rounding), or the
        calibrated probability for a :class:`~irpredict.models.CalibratedModel`.
    therapy_class : pandas.Series or None
        Therapy class per patient (None for a single model without it).
    feature_values : pandas.DataFrame
        Patients x biomarkers: the raw value shown for each biomarker (the
        input column named in ``shown_columns``).
    column_values : pandas.DataFrame
        Patients x input columns: SHAP values before grouping to biomarkers.
    shown_columns : dict of str to str
        Biomarker -> the input column whose raw value ``feature_values``
        shows (the column with the largest mean absolute SHAP value).
    routes : pandas.Series
        Which fitted model explained each patient (therapy class or
        ``"pooled"``; ``"model"`` for a single model).
    output : str
        Always ``"log-odds"``.
    """

    values: object
    base_values: object
    margin: object
    prob: object
    therapy_class: object = None
    feature_values: object = None
    column_values: object = None
    shown_columns: dict = field(default_factory=dict)
    routes: object = None
    output: str = "log-odds"

    @property
    def biomarkers(self):
        """Biomarkers explained (column labels of ``values``)."""
        return list(self.values.columns)

    def to_tidy(self):
        """One row per patient and biomarker.

        Returns
        -------
        pandas.DataFrame
            Columns ``patient_id``, ``therapy_class``, ``biomarker``,
            ``value`` (the raw value shown, as text for categories),
            ``value_column`` (the input column that value comes from, e.g.
            ``albumin__log2fc_d42``), ``shap`` (log-odds), and per patient
            ``base_value`` and ``prob_response``: the SHAP values of a patient
            plus ``base_value`` are the logit of ``prob_response``.
        """
        import pandas as pd

        n, k = self.values.shape
        therapy = (self.therapy_class.to_numpy() if self.therapy_class is not None
                   else np.full(n, None, dtype=object))
        shown = self.feature_values[self.values.columns].to_numpy(dtype=object)
        return pd.DataFrame({
            "patient_id": np.repeat(self.values.index.to_numpy(), k),
            "therapy_class": np.repeat(therapy, k),
            "biomarker": np.tile(np.asarray(self.values.columns, dtype=object), n),
            "value": shown.ravel(),
            "value_column": np.tile(np.asarray([self.shown_columns.get(b, b)
                                                for b in self.values.columns], dtype=object), n),
            "shap": self.values.to_numpy(dtype=np.float64).ravel(),
            "base_value": np.repeat(self.base_values.to_numpy(dtype=np.float64), k),
            "prob_response": np.repeat(self.prob.to_numpy(dtype=np.float64), k),
        })

    def to_shap(self, therapy_class=None):
        """The grouped values as a :class:`shap.Explanation` (for ``shap.plots``).

        Parameters
        ----------
        therapy_class : str or None, default=None
            Keep only the patients of this therapy class.

        Returns
        -------
        shap.Explanation
            Values and base values in log-odds, one feature per biomarker;
            ``data`` holds the raw values shown (categories as text in
            ``display_data``, as codes in ``data``).
        """
        import pandas as pd
        import shap

        rows = np.ones(len(self.values), dtype=bool)
        if therapy_class is not None and self.therapy_class is not None:
            rows = (self.therapy_class.astype(str) == str(therapy_class)).to_numpy()
        shown = self.feature_values.loc[rows, self.values.columns]
        data = np.column_stack([
            pd.to_numeric(shown[c], errors="coerce").to_numpy(dtype=np.float64)
            if pd.api.types.is_numeric_dtype(shown[c])
            else pd.Categorical(shown[c].astype("object")).codes.astype(np.float64)
            for c in shown.columns
        ]) if shown.shape[1] else np.zeros((int(rows.sum()), 0))
        return shap.Explanation(
            values=self.values.to_numpy(dtype=np.float64)[rows],
            base_values=self.base_values.to_numpy(dtype=np.float64)[rows],
            data=data, display_data=shown.to_numpy(dtype=object),
            feature_names=list(self.values.columns),
        )


@dataclass
class _Part:
    """Column-level SHAP values of one route (before grouping to biomarkers)."""

    rows: np.ndarray
    columns: list
    values: np.ndarray
    base: np.ndarray
    margin: np.ndarray
    prob: np.ndarray
    route: str


def _split_pipeline(model):
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        return model[:-1], model[-1]
    return None, model


def _transform(transform, X):
    """Preprocessed matrix and its feature names before XGBoost sanitising.

    The sanitising step only renames columns (values pass unchanged), so it
    is skipped: the classifiers are given plain matrices.
    """
    from irpredict.models._sanitize import FeatureNameSanitizer

    Xt = X
    for _, step in getattr(transform, "steps", []):
        if not isinstance(step, FeatureNameSanitizer) and step not in (None, "passthrough"):
            Xt = step.transform(Xt)
    names = [str(c) for c in Xt.columns] if hasattr(Xt, "columns") else [
        f"x{i}" for i in range(np.shape(Xt)[1])]
    return Xt, names


def _preprocessor(transform):
    from sklearn.compose import ColumnTransformer

    for _, step in getattr(transform, "steps", []):
        if isinstance(step, ColumnTransformer):
            return step
    return None


def _explain_single(model, X, background, route, rows):
    """Column-level explanation of one Pipeline (or bare classifier) on ``X``."""
    transform, clf = _split_pipeline(model)
    fitted_on = getattr(clf, "feature_names_in_", None)
    if transform is None and fitted_on is not None:
        X = X[list(fitted_on)]  # a bare classifier sees its columns in the fitted order
        background = None if background is None else background[list(fitted_on)]
    Xt, names = _transform(transform, X)
    bg = None
    if background is not None and _needs_background(clf):
        bg = np.asarray(_transform(transform, background)[0], dtype=np.float64)
    contribs, base, margin = _exact.margin_contributions(clf, Xt, bg)
    sources = input_columns(_preprocessor(transform), [str(c) for c in X.columns], names)
    values, columns = sum_by_group(contribs, sources)
    # the supported classifiers' predict_proba is sigmoid(margin); one predict less
    prob = expit(margin)
    return _Part(rows, columns, values, base, margin, prob, route)


def _needs_background(clf):
    from sklearn.linear_model import LogisticRegression

    if isinstance(clf, LogisticRegression):
        return True
    return any(_needs_background(m) for m in getattr(clf, "estimators_", []))


def _explain_per_therapy(model, X, background):
    therapy = model._check_X(X)
    unknown = sorted(set(therapy) - set(model.indicator_therapies_))
    if unknown:
        model.predict_proba(X)  # raises UnknownTherapyError with the ids
    col = model.therapy_col
    features = X.drop(columns=[col])
    bg_therapy = None if background is None else model._check_X(background)
    parts = []
    for cls, est in model.estimators_.items():
        rows = np.flatnonzero(therapy == cls)
        if len(rows):
            bg = None
            if background is not None:
                own = bg_therapy == cls
                bg = background.drop(columns=[col]).loc[own if own.any() else slice(None)]
            parts.append(_explain_single(est, features.iloc[rows], bg, cls, rows))
    rows = np.flatnonzero(np.isin(therapy, model.pooled_therapies_))
    if len(rows):
        bg = None if background is None else model.pooled_input(background)
        parts.append(_explain_single(model.pooled_estimator_, model.pooled_input(X.iloc[rows]),
                                     bg, "pooled", rows))
    return parts


def _underlying(model):
    """Models explained for a CalibratedModel: the one it calibrates (a model saved before
    calibration refitted on all patients holds one per calibration fold)."""
    inner = model.estimator_
    folds = getattr(inner, "calibrated_classifiers_", None)
    if folds is None:
        return [inner]
    return [fold.estimator for fold in folds]


def _explain_parts(model, X, background):
    from irpredict.models.calibrated import CalibratedModel
    from irpredict.models.per_therapy import PerTherapyClassifier

    if isinstance(model, CalibratedModel):
        prob = np.asarray(model.predict_proba(X), dtype=np.float64)[:, 1]
        folds = [_assemble(_explain_parts(m, X, background), len(X)) for m in _underlying(model)]
        return [_mean_folds(folds, prob)]
    if isinstance(model, PerTherapyClassifier):
        return _explain_per_therapy(model, X, background)
    return [_explain_single(model, X, background, "model", np.arange(len(X)))]


def _mean_folds(folds, prob):
    """Average whole-cohort explanations of several fold models (union of columns)."""
    columns = list(dict.fromkeys(c for f in folds for c in f[0]))
    index = {c: j for j, c in enumerate(columns)}
    n, k = len(prob), len(folds)
    total = np.zeros((n, len(columns)))
    for cols, values, *_ in folds:
        total[:, [index[c] for c in cols]] += values
    base = sum(f[2] for f in folds) / k
    margin = sum(f[3] for f in folds) / k
    routes = folds[0][5] if k == 1 else np.array(
        ["/".join(dict.fromkeys(r)) for r in zip(*(f[5] for f in folds), strict=True)],
        dtype=object)
    return _Part(np.arange(n), columns, total / k, base, margin, prob, routes)


def _assemble(parts, n):
    """Stack route parts into patient x input-column arrays."""
    if len(parts) == 1 and len(parts[0].rows) == n:
        p = parts[0]  # one model explained every row, in order
        routes = np.full(n, p.route, dtype=object) if isinstance(p.route, str) else p.route
        return list(p.columns), p.values, p.base, p.margin, p.prob, routes
    columns = list(dict.fromkeys(c for p in parts for c in p.columns))
    index = {c: j for j, c in enumerate(columns)}
    values = np.zeros((n, len(columns)))
    base, margin, prob = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    routes = np.empty(n, dtype=object)
    for p in parts:
        cols = np.fromiter((index[c] for c in p.columns), dtype=np.int64, count=len(p.columns))
        values[np.ix_(p.rows, cols)] = p.values
        base[p.rows], margin[p.rows], prob[p.rows] = p.base, p.margin, p.prob
        routes[p.rows] = p.route
    return columns, values, base, margin, prob, routes


def _shown_values(X, columns, values, groups, labels, therapy, therapy_col):
    """Raw value per biomarker: its input column with the largest mean |SHAP|.

    A column that moved the prediction comes first, then a measured value before a count
    of draws (``ldh_uln_ratio__baseline`` before ``ldh__n_draws_d0``), then columns named
    after the biomarker itself (``nlr__baseline`` for ``nlr``) before the columns grouped
    into it (``anc``, ``alc``), so a ratio shows the ratio, not one of its counts.
    """
    import pandas as pd

    strength = np.abs(values).mean(axis=0) if len(values) else np.zeros(len(columns))
    rank = [(bool(strength[j] > 0), "__n_draws" not in str(c), str(c).split("__")[0] == grp,
             strength[j]) for j, (c, grp) in enumerate(zip(columns, groups, strict=True))]
    best = {}
    for j, grp in enumerate(groups):
        if grp not in best or rank[j] > rank[best[grp]]:
            best[grp] = j
    shown, data = {}, {}
    for grp in labels:
        col = columns[best[grp]]
        if grp == therapy_col and therapy is not None:
            shown[grp], data[grp] = therapy_col, therapy.to_numpy()
        elif col in X.columns:
            shown[grp], data[grp] = col, X[col].to_numpy()
        else:
            shown[grp], data[grp] = col, np.full(len(X), np.nan)
    return pd.DataFrame(data, index=X.index, columns=labels), shown


def _coerce_input(X, therapy_col):
    """Accept a DataFrame or a FeatureSet (``X`` plus ``therapy_class``)."""
    if hasattr(X, "X") and hasattr(X, "therapy_class"):
        return X.X.assign(**{therapy_col: X.therapy_class.reindex(X.X.index)})
    if not hasattr(X, "columns"):
        raise TypeError(f"explain needs a pandas DataFrame or FeatureSet; got {type(X).__name__}.")
    if X.index.has_duplicates:
        dup = X.index[X.index.duplicated()].unique().astype(str).tolist()
        raise CohortDataError(
            f"explain: {len(dup)} patient ids occur more than once in the index: {dup[:5]}; "
            "keep one row per patient (index the frame by patient_id)."
        )
    return X


def explain(model, X, *, background=None, aliases=None, therapy_col="therapy_class"):
    """Explain every prediction of a fitted model in log-odds, per original biomarker.

    Parameters
    ----------
    model : fitted estimator
        A :func:`~irpredict.models.make_model` Pipeline (any family), a bare
        XGBoost / logistic classifier, a
        :class:`~irpredict.models.PerTherapyClassifier` or a
        :class:`~irpredict.models.CalibratedModel` around either.
    X : pandas.DataFrame or irpredict.features.FeatureSet
        The rows to explain, indexed by patient id, with the columns the
        model was fitted on (and ``therapy_col`` for a per-therapy model).
    background : pandas.DataFrame or None, default=None
        Reference rows for linear SHAP values (logistic models and the
        logistic member of an ensemble): each coefficient's contribution is
        measured from the background mean, routed by therapy class like
        ``X``. ``None`` uses the training mean each fitted logistic model
        kept (irpredict's logistic family), so an explanation does not depend
        on the other rows of ``X``; for a plain scikit-learn
        ``LogisticRegression`` it uses the rows of ``X``. Tree models ignore it.
    aliases : dict of str to str or None, default=None
        Renames of derived feature stems; ``None`` uses
        :data:`irpredict.explain.grouping.ALIASES`.
    therapy_col : str, default="therapy_class"
        Name of the therapy column.

    Returns
    -------
    Explanation

    Raises
    ------
    ExperimentConfigError
        If the model has no exact log-odds decomposition (e.g. an ensemble
        averaging probabilities).
    UnknownTherapyError
        If a row's therapy class was not seen in training.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from irpredict.models import make_model
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"crp__baseline": rng.normal(size=60),
    ...                   "pam50": rng.choice(["Basal", "LumA"], 60)})
    >>> y = (X["crp__baseline"] > 0).astype(int)
    >>> ex = explain(make_model("logistic").fit(X, y), X)
    >>> ex.biomarkers
    ['crp', 'pam50']
    >>> bool(np.allclose(ex.values.sum(axis=1) + ex.base_values, ex.margin))
    True
    """
    import pandas as pd
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)  # an unfitted model: sklearn's NotFittedError, naming it
    X = _coerce_input(X, therapy_col)
    if background is not None:
        background = _coerce_input(background, therapy_col)
    parts = _explain_parts(model, X, background)
    columns, values, base, margin, prob, routes = _assemble(parts, len(X))
    groups = [biomarker_of(c, therapy_col=therapy_col, aliases=aliases) for c in columns]
    grouped, labels = sum_by_group(values, groups)
    therapy = X[therapy_col].astype(str) if therapy_col in X.columns else None
    shown, shown_cols = _shown_values(X, columns, values, groups, labels, therapy, therapy_col)
    idx = X.index
    return Explanation(
        values=pd.DataFrame(grouped, index=idx, columns=labels),
        base_values=pd.Series(base, index=idx, name="base_value"),
        margin=pd.Series(margin, index=idx, name="margin"),
        prob=pd.Series(prob, index=idx, name="prob_response"),
        therapy_class=therapy,
        feature_values=shown,
        column_values=pd.DataFrame(values, index=idx, columns=columns),
        shown_columns=shown_cols,
        routes=pd.Series(routes, index=idx, name="route"),
    )
