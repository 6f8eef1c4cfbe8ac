"""A compiled scoring path for single XGBoost routes (used by the server only).

The fitted preprocessing of an irpredict model pipeline maps each input
column to its output columns independently: numeric columns are imputed
(``value`` or a constant when missing) with missingness indicators,
categorical ones are one-hot encoded. :class:`CompiledModel` reads that map
once, by probing the fitted transformers, as ``out = nan ? c : a + s * x``
per numeric output column and a lookup table per categorical input column,
then scores with the booster's ``pred_contribs`` and groups the values as
:func:`irpredict.explain.explain` does. It is verified against ``explain``
on probe rows when built and is not used if anything differs, or if a row
needs the pooled model; callers then take the general path.
"""

import numpy as np

__all__ = ["CompiledModel"]

_UNKNOWN = "\x00irpredict-unknown-category"


def _categories(preprocess, column):
    """Categories the fitted one-hot encoder knows for ``column`` (or None)."""
    for _, trans, cols in preprocess.transformers_:
        if column not in list(np.atleast_1d(cols)):
            continue
        for _, step in getattr(trans, "steps", [("", trans)]):
            cats = getattr(step, "categories_", None)
            if cats is not None:
                return list(cats[list(np.atleast_1d(cols)).index(column)])
    return None


class _Route:
    """One per-therapy pipeline as arrays (built by :meth:`CompiledModel.build`)."""

    def __init__(self, pipeline, numeric, categorical, frame_of):
        from irpredict.explain.explanation import _preprocessor, _split_pipeline, _transform
        from irpredict.explain.grouping import biomarker_of, input_columns

        transform, clf = _split_pipeline(pipeline)
        self.booster = clf.get_booster()
        inputs = [*numeric, *categorical]
        nan_out, names = _transform(transform, frame_of({}))
        self.sources = input_columns(_preprocessor(transform), inputs, names)
        base = np.asarray(nan_out, dtype=np.float64)[0]
        zero = np.asarray(_transform(transform, frame_of({c: 0.0 for c in numeric}))[0],
                          dtype=np.float64)[0]
        one = np.asarray(_transform(transform, frame_of({c: 1.0 for c in numeric}))[0],
                         dtype=np.float64)[0]
        num_index = {c: k for k, c in enumerate(numeric)}
        self.num_out = np.array([j for j, s in enumerate(self.sources) if s in num_index], int)
        self.num_src = np.array([num_index[self.sources[j]] for j in self.num_out], int)
        self.fill, self.offset = base[self.num_out], zero[self.num_out]
        self.slope = one[self.num_out] - zero[self.num_out]
        self.base_row = base
        self.tables = {}
        for c in categorical:
            out = np.array([j for j, s in enumerate(self.sources) if s == c], int)
            table = {}
            for v in [*(_categories(_preprocessor(transform), c) or []), _UNKNOWN]:
                row = np.asarray(_transform(transform, frame_of({c: v}))[0], dtype=np.float64)
                table[v] = row[0, out]
            self.tables[c] = (out, table, base[out])
        level1 = list(dict.fromkeys(self.sources))
        self.labels = list(dict.fromkeys(biomarker_of(c) for c in level1))
        where = {lab: k for k, lab in enumerate(self.labels)}
        self.grouping = np.zeros((len(self.sources), len(self.labels)))
        for j, src in enumerate(self.sources):
            self.grouping[j, where[biomarker_of(src)]] = 1.0

    def matrix(self, num, cats):
        """Preprocessed float32 matrix from numeric values and categorical columns."""
        n = len(num)
        Xt = np.tile(self.base_row, (n, 1))
        vals = num[:, self.num_src]
        Xt[:, self.num_out] = np.where(np.isnan(vals), self.fill, self.offset + self.slope * vals)
        for c, (out, table, missing) in self.tables.items():
            unknown = table[_UNKNOWN]
            Xt[:, out] = np.array([missing if v is None or v != v else table.get(v, unknown)
                                   for v in cats[c]]).reshape(n, len(out))
        return np.ascontiguousarray(Xt, dtype=np.float32)

    def explain(self, num, cats):
        """(grouped values, labels, base, margin) for rows all of this route."""
        import xgboost as xgb

        matrix = xgb.DMatrix(self.matrix(num, cats), missing=np.nan,
                             feature_names=self.booster.feature_names, nthread=1)
        contribs = self.booster.predict(matrix, pred_contribs=True)
        margin = self.booster.predict(matrix, output_margin=True).astype(np.float64)
        grouped = contribs[:, :-1].astype(np.float64) @ self.grouping
        return grouped, self.labels, contribs[:, -1].astype(np.float64), margin


class CompiledModel:
    """Arrays-only scoring of a per-therapy XGBoost :class:`ResponseModel`."""

    def __init__(self, model, routes, biomarkers):
        self.model = model
        self.routes = routes
        self.biomarkers = list(biomarkers)
        self.position = {b: k for k, b in enumerate(self.biomarkers)}

    @classmethod
    def build(cls, model, biomarkers, probe):
        """A verified compiled model, or None when the general path must be used.

        Parameters
        ----------
        model : irpredict.training.ResponseModel
        biomarkers : list of str
            The fixed SHAP column set.
        probe : pandas.DataFrame
            Checked input rows (``check_input``) to verify against ``explain``.
        """
        import pandas as pd
        from xgboost import XGBModel

        from irpredict.models.per_therapy import PerTherapyClassifier

        clf = model.classifier
        if not isinstance(clf, PerTherapyClassifier) or not clf.estimators_:
            return None
        categorical = [c for c in model.feature_columns if c in model.categorical_columns]
        numeric = [c for c in model.feature_columns if c not in model.categorical_columns]

        def frame_of(values):
            data = {c: [values.get(c, np.nan)] for c in model.feature_columns}
            frame = pd.DataFrame(data)
            for c in numeric:
                frame[c] = frame[c].astype(float)
            for c in categorical:
                frame[c] = frame[c].astype(object)
            return frame

        try:
            routes = {}
            for therapy, est in clf.estimators_.items():
                if not isinstance(getattr(est, "steps", [[None, None]])[-1][1], XGBModel):
                    return None
                routes[therapy] = _Route(est, numeric, categorical, frame_of)
            compiled = cls(model, routes, biomarkers)
            compiled._verify(probe)
        except Exception:  # noqa: BLE001 - any surprise means: use the general path
            return None
        return compiled

    def _verify(self, probe):
        from irpredict.explain import explain

        rows = probe[probe["therapy_class"].isin(list(self.routes))]
        if not len(rows):
            raise ValueError("no probe rows")
        expected = explain(self.model.classifier, rows)
        got = self.predict(rows)
        want = expected.values.reindex(columns=self.biomarkers, fill_value=0.0).to_numpy()
        if not (np.allclose(got[0], want, rtol=0, atol=1e-8)
                and np.allclose(got[1], expected.base_values.to_numpy(), rtol=0, atol=1e-9)
                and np.allclose(got[2], expected.prob.to_numpy(), rtol=0, atol=1e-12)):
            raise ValueError("compiled path differs from explain")

    def predict(self, X):
        """(shap matrix, base, prob) for checked rows, or None if a row needs the pooled model."""
        from scipy.special import expit

        therapy = X["therapy_class"].to_numpy(dtype=object)
        n = len(X)
        num = None
        shap = np.zeros((n, len(self.biomarkers)))
        base, margin = np.empty(n), np.empty(n)
        done = 0
        for name, route in self.routes.items():
            rows = np.flatnonzero(therapy == name)
            if not len(rows):
                continue
            if num is None:
                numeric = [c for c in X.columns[:-1] if c not in route.tables]
                num = X[numeric].to_numpy(dtype=np.float64, na_value=np.nan)
            cats = {c: X[c].to_numpy(dtype=object)[rows] for c in route.tables}
            grouped, labels, b, m = route.explain(num[rows], cats)
            cols = [self.position[lab] for lab in labels]
            shap[np.ix_(rows, cols)] = grouped
            base[rows], margin[rows] = b, m
            done += len(rows)
        if done != n:
            return None
        return shap, base, expit(margin)
