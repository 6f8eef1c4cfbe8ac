"""The estimator families irpredict trains, and their small hyperparameter grids.

Each family is a name (``"logistic"``, ``"random_forest"``, ``"xgboost"``,
``"ensemble"``) mapped to a classifier factory, a flag saying whether its
inputs must be standardised, and a small grid searched by the inner loop of
nested cross-validation. Grid keys are relative to the classifier; use
:func:`param_grid` with a ``prefix`` to address it inside a Pipeline.
"""

from irpredict.exceptions import ExperimentConfigError

__all__ = ["FAMILIES", "make_classifier", "needs_scaling", "param_grid", "grid_problems"]

#: Model families in the order they are reported.
FAMILIES = ("logistic", "random_forest", "xgboost", "ensemble")

_GRIDS = {
    # elastic-net logistic regression: strength and L1/L2 mix
    "logistic": {"C": [0.05, 0.5], "l1_ratio": [0.2, 0.8]},
    # XGBoost's random forest: tree depth and the share of features per split
    "random_forest": {"max_depth": [4, 8], "colsample_bynode": [0.3, 0.6]},
    "xgboost": {"max_depth": [2, 4], "learning_rate": [0.05, 0.2]},
    # one knob per member keeps the joint grid small
    "ensemble": {"logistic__C": [0.05, 0.5], "xgboost__max_depth": [2, 4]},
}


def _check_family(name):
    if name not in FAMILIES:
        raise ExperimentConfigError(
            f"Unknown estimator family {name!r}; choose one of {', '.join(FAMILIES)}."
        )


def make_classifier(name, *, random_state=0, n_jobs=1):
    """Build an unfitted classifier of one family.

    Parameters
    ----------
    name : {"logistic", "random_forest", "xgboost", "ensemble"}
        The family.
    random_state : int, default=0
        Seed passed to the classifier.
    n_jobs : int, default=1
        Threads for random forest and XGBoost (1 is the safe default on
        shared machines).

    Returns
    -------
    estimator : sklearn classifier
        ``"random_forest"`` is XGBoost's random forest
        (:class:`xgboost.XGBRFClassifier`, bagged trees with row and column
        subsampling in one boosting round), whose output is a log-odds
        margin; ``"ensemble"`` returns an
        :class:`~irpredict.models.AveragingClassifier` over the three other
        families, averaging their log-odds.

    Raises
    ------
    ExperimentConfigError
        When ``name`` is not a known family.

    Examples
    --------
    >>> make_classifier("logistic").l1_ratio
    0.5
    """
    _check_family(name)
    if name == "logistic":
        from irpredict.models.linear import LogisticRegressionWithMean

        return LogisticRegressionWithMean(
            C=0.5, l1_ratio=0.5, solver="saga", max_iter=2000, tol=1e-3,
            random_state=random_state,
        )
    if name == "random_forest":
        # a random forest grown by XGBoost (one round of 200 bagged trees): its output
        # is a log-odds margin, so TreeSHAP explains it exactly in log-odds
        from xgboost import XGBRFClassifier

        return XGBRFClassifier(
            n_estimators=200, max_depth=6, subsample=0.8, colsample_bynode=0.5,
            min_child_weight=2, tree_method="hist", n_jobs=n_jobs,
            random_state=random_state, eval_metric="logloss",
        )
    if name == "xgboost":
        from xgboost import XGBClassifier

        return XGBClassifier(
            n_estimators=150, max_depth=3, learning_rate=0.1, subsample=0.9,
            tree_method="hist", n_jobs=n_jobs, random_state=random_state,
            eval_metric="logloss",
        )
    from irpredict.models.ensemble import AveragingClassifier

    return AveragingClassifier(
        estimators=[
            (member, make_classifier(member, random_state=random_state, n_jobs=n_jobs))
            for member in ("logistic", "random_forest", "xgboost")
        ]
    )


def needs_scaling(name):
    """Whether a family needs standardised numeric inputs.

    Parameters
    ----------
    name : str
        A family from :data:`FAMILIES`.

    Returns
    -------
    bool
        True for ``"logistic"`` and ``"ensemble"`` (which contains it).
    """
    _check_family(name)
    return name in ("logistic", "ensemble")


def param_grid(name, *, prefix="classifier__"):
    """The small hyperparameter grid of a family.

    Parameters
    ----------
    name : str
        A family from :data:`FAMILIES`.
    prefix : str, default="classifier__"
        Prepended to every key; the default addresses the classifier step of
        :func:`~irpredict.models.make_model`. Inside a
        :class:`~irpredict.models.PerTherapyClassifier` use
        ``"estimator__classifier__"``.

    Returns
    -------
    dict of str to list
        A grid for :class:`sklearn.model_selection.GridSearchCV`.

    Examples
    --------
    >>> sorted(param_grid("xgboost"))
    ['classifier__learning_rate', 'classifier__max_depth']
    """
    _check_family(name)
    return {f"{prefix}{key}": list(values) for key, values in _GRIDS[name].items()}


def _number(v):
    return isinstance(v, int | float) and not isinstance(v, bool)


#: Allowed values of common hyperparameters, by name (the part after the last ``__``).
_RULES = {
    "C": (lambda v: _number(v) and v > 0, "a number > 0"),
    "l1_ratio": (lambda v: _number(v) and 0 <= v <= 1, "a number from 0 to 1"),
    "penalty": (lambda v: v in ("l1", "l2", "elasticnet"), "'l1', 'l2' or 'elasticnet'"),
    "max_depth": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                  "a whole number >= 1"),
    "n_estimators": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                     "a whole number >= 1"),
    "max_iter": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                 "a whole number >= 1"),
    "learning_rate": (lambda v: _number(v) and 0 < v <= 1, "a number in (0, 1]"),
    **{name: (lambda v: _number(v) and 0 < v <= 1, "a number in (0, 1]")
       for name in ("subsample", "colsample_bytree", "colsample_bynode", "colsample_bylevel")},
    **{name: (lambda v: _number(v) and v >= 0, "a number >= 0")
       for name in ("min_child_weight", "gamma", "reg_alpha", "reg_lambda")},
}


def grid_problems(family, grid):
    """What is wrong with a hyperparameter grid of one family, before any training.

    Parameters
    ----------
    family : str
        A family from :data:`FAMILIES`.
    grid : dict of str to list
        Parameter names relative to the classifier, each with its candidate values.

    Returns
    -------
    list of str
        One message per unknown parameter or value out of its range (empty: the grid is fine).
    """
    _check_family(family)
    known = make_classifier(family).get_params()
    problems = []
    for name, values in grid.items():
        if name not in known:
            from difflib import get_close_matches

            close = get_close_matches(name, sorted(known), n=2)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            problems.append(f"{family} has no parameter {name!r}{hint}")
            continue
        rule = _RULES.get(name.rsplit("__", 1)[-1])
        if rule is None:
            continue
        check, allowed = rule
        bad = [v for v in values if not check(v)]
        if bad:
            problems.append(f"{family} {name} must be {allowed}; got {bad}")
    return problems
