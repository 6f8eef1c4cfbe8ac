"""``make_model``: the one place where preprocessing and classifier are wired."""

import numpy as np

from irpredict.models.zoo import make_classifier, needs_scaling

__all__ = ["make_model", "onehot_name", "infer_columns"]


def onehot_name(feature, category):
    """Name of a one-hot column: ``"{feature}__{category}"`` (e.g. ``pam50__Basal``).

    Parameters
    ----------
    feature : str
        Original column name.
    category : object
        The category value.

    Returns
    -------
    str
    """
    return f"{feature}__{category}"


def infer_columns(X, *, exclude=()):
    """Split the columns of a frame into numeric and categorical ones.

    Numeric means a numeric or boolean dtype; everything else (strings,
    categoricals, objects) is categorical.

    Parameters
    ----------
    X : pandas.DataFrame
        Per-patient feature frame.
    exclude : iterable of str, default=()
        Columns to leave out of both lists (e.g. ``therapy_class``).

    Returns
    -------
    numeric, categorical : list of str
    """
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"the model pipelines need a pandas DataFrame of named feature columns "
                        f"(one row per patient); got {type(X).__name__}. Wrap an array as "
                        "pd.DataFrame(X, columns=[...])")
    exclude = set(exclude)
    numeric, categorical = [], []
    for col in X.columns:
        if col in exclude:
            continue
        dtype = X[col].dtype
        is_num = pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        (numeric if is_num else categorical).append(col)
    return numeric, categorical


class _DtypeSelector:
    """Picklable column selector resolved on the training frame."""

    def __init__(self, numeric):
        self.numeric = numeric

    def __call__(self, X):
        numeric, categorical = infer_columns(X)
        return numeric if self.numeric else categorical


def _numeric_steps(scale):
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler

    from irpredict.models._skew import LogSkewed

    # linear models see heavy-tailed labs (ctDNA, CRP, IL-6, LDH, cell counts) on a log
    # scale; trees are indifferent to monotone transforms and keep raw values
    steps = [("log", LogSkewed())] if scale else []
    steps.append(("impute", SimpleImputer(strategy="median", add_indicator=True,
                                          keep_empty_features=True)))
    if scale:
        steps.append(("scale", StandardScaler()))
    return steps


def _categorical_steps():
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    return [
        # pandas string / categorical columns become plain objects first
        ("as_object", FunctionTransformer(_to_object, feature_names_out="one-to-one")),
        ("impute", SimpleImputer(strategy="constant", fill_value="missing",
                                  keep_empty_features=True)),
        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False,
                                 feature_name_combiner=onehot_name)),
    ]


def _to_object(X):
    if hasattr(X, "astype") and hasattr(X, "columns"):
        return X.astype(object).where(X.notna(), np.nan)
    return np.asarray(X, dtype=object)


def make_model(estimator="xgboost", *, numeric=None, categorical=None, random_state=0,
               n_jobs=1):
    """Build the unfitted model pipeline: preprocessing then one classifier.

    Numeric columns are median-imputed with missingness indicators; when
    the classifier needs standardised inputs (logistic, ensemble), right-
    skewed non-negative columns are first put on a log scale
    (:class:`~irpredict.models._skew.LogSkewed`, learned on the training
    rows) and everything is standardised after imputation. Categorical columns are
    imputed with the constant ``"missing"`` and one-hot encoded, ignoring
    categories unseen in training. Column names are kept readable
    (``age``, ``missingindicator_ldh``, ``pam50__Basal``) and then
    sanitised for XGBoost (see ``pipeline["sanitize"].mapping_``).

    Parameters
    ----------
    estimator : {"xgboost", "logistic", "random_forest", "ensemble"}, default="xgboost"
        Classifier family (see :mod:`irpredict.models.zoo`).
    numeric, categorical : list of str or None, default=None
        Columns of each kind; ``None`` infers both from the dtypes of the
        training frame (numeric/bool vs anything else). Give both to make
        the pipeline ignore any other column.
    random_state : int, default=0
        Seed of the classifier.
    n_jobs : int, default=1
        Threads of the classifier.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``preprocess`` (ColumnTransformer), ``sanitize`` and
        ``classifier``; hyperparameters are addressed as
        ``classifier__<name>``.

    Examples
    --------
    >>> model = make_model("logistic")
    >>> list(model.named_steps)
    ['preprocess', 'sanitize', 'classifier']
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    from irpredict.models._sanitize import FeatureNameSanitizer

    num_cols = _DtypeSelector(True) if numeric is None else list(numeric)
    cat_cols = _DtypeSelector(False) if categorical is None else list(categorical)
    preprocess = ColumnTransformer(
        [
            ("num", Pipeline(_numeric_steps(needs_scaling(estimator))), num_cols),
            ("cat", Pipeline(_categorical_steps()), cat_cols),
        ],
        remainder="drop",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    return Pipeline([
        ("preprocess", preprocess),
        ("sanitize", FeatureNameSanitizer()),
        ("classifier", make_classifier(estimator, random_state=random_state, n_jobs=n_jobs)),
    ])
