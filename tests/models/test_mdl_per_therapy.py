"""PerTherapyClassifier: routing, pooled model, unknown classes, sklearn contract."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.utils.estimator_checks import (
    check_estimator_cloneable,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from irpredict.exceptions import CohortDataError, UnknownTherapyError
from irpredict.models import PerTherapyClassifier, make_model

SIZES = {"checkpoint_inhibitor": 90, "chemotherapy": 70, "cytokine": 12}


def _frame(sizes=SIZES, seed=0):
    n = sum(sizes.values())
    X, y = make_classification(n, 4, n_informative=3, n_redundant=0, random_state=seed)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"], index=[f"P{i:03d}" for i in range(n)])
    df["therapy_class"] = np.repeat(list(sizes), list(sizes.values()))
    return df, pd.Series(y, index=df.index)


def test_large_classes_get_their_own_model_and_small_ones_the_pooled_model():
    X, y = _frame()
    clf = PerTherapyClassifier(make_model("logistic")).fit(X, y)
    assert clf.therapies_ == ["checkpoint_inhibitor", "chemotherapy"]
    assert clf.pooled_therapies_ == ["cytokine"]
    assert set(clf.estimators_) == {"checkpoint_inhibitor", "chemotherapy"}
    assert clf.pooled_estimator_ is not None
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert clf.counts_.loc["cytokine", "n_patients"] == 12


def test_a_class_predicts_exactly_like_a_model_fitted_on_that_class_alone():
    X, y = _frame()
    clf = PerTherapyClassifier(make_model("logistic")).fit(X, y)
    mask = X["therapy_class"] == "chemotherapy"
    alone = make_model("logistic").fit(X.loc[mask, ["a", "b", "c", "d"]], y[mask])
    np.testing.assert_allclose(clf.predict_proba(X[mask]),
                               alone.predict_proba(X.loc[mask, ["a", "b", "c", "d"]]))


def test_pooled_model_is_fitted_on_everyone_with_therapy_indicators():
    X, y = _frame()
    clf = PerTherapyClassifier(make_model("logistic")).fit(X, y)
    pooled_X = X.drop(columns="therapy_class").copy()
    for cls in sorted(SIZES):
        pooled_X[f"therapy_class__{cls}"] = (X["therapy_class"] == cls).astype(float)
    pooled = make_model("logistic").fit(pooled_X, y)
    mask = (X["therapy_class"] == "cytokine").to_numpy()
    np.testing.assert_allclose(clf.predict_proba(X)[mask], pooled.predict_proba(pooled_X[mask]))
    est, is_pooled = clf.estimator_for("cytokine")
    assert is_pooled
    assert est is clf.pooled_estimator_


def test_rows_keep_their_order():
    X, y = _frame()
    clf = PerTherapyClassifier(make_model("logistic")).fit(X, y)
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(clf.predict_proba(X.iloc[order]), clf.predict_proba(X)[order])


def test_too_few_nonresponders_also_sends_a_class_to_the_pooled_model():
    X, y = _frame()
    mask = (X["therapy_class"] == "chemotherapy").to_numpy()
    y = y.copy()
    y[mask] = 1
    y.iloc[np.flatnonzero(mask)[:3]] = 0
    clf = PerTherapyClassifier(make_model("logistic")).fit(X, y)
    assert "chemotherapy" in clf.pooled_therapies_
    assert clf.counts_.loc["chemotherapy", "n_nonresponders"] == 3


def test_no_pooled_model_when_every_class_is_large():
    X, y = _frame({"checkpoint_inhibitor": 80, "chemotherapy": 80})
    clf = PerTherapyClassifier(make_model("logistic")).fit(X, y)
    assert clf.pooled_estimator_ is None
    assert clf.pooled_therapies_ == []


def test_unknown_class_names_the_known_classes():
    X, y = _frame()
    clf = PerTherapyClassifier(make_model("logistic")).fit(X, y)
    new = X.head(4).copy()
    new.loc[new.index[:2], "therapy_class"] = "adoptive_cell"
    with pytest.raises(UnknownTherapyError, match=r"\['adoptive_cell'\].*2 rows.*P000.*"
                                                  r"known classes: \['checkpoint_inhibitor'"):
        clf.predict_proba(new)


def test_missing_therapy_column_is_a_cohort_error():
    X, y = _frame()
    with pytest.raises(CohortDataError, match="Column 'therapy_class' is missing"):
        PerTherapyClassifier(make_model("logistic")).fit(X.drop(columns="therapy_class"), y)


def test_params_nest_and_clone():
    clf = PerTherapyClassifier(make_model("logistic"), min_patients=40)
    params = clf.get_params()
    assert params["estimator__classifier__C"] == 0.5
    assert params["min_patients"] == 40
    clf.set_params(estimator__classifier__C=0.1, min_responders=5)
    copy = clone(clf)
    assert copy.get_params()["estimator__classifier__C"] == 0.1
    assert copy.min_responders == 5
    assert copy.estimator is not clf.estimator


def test_shared_hyperparameters_reach_every_clone():
    X, y = _frame()
    clf = PerTherapyClassifier()
    clf.set_params(estimator=make_model("logistic")).set_params(estimator__classifier__C=0.01)
    clf.fit(X, y)
    assert all(e["classifier"].C == 0.01 for e in clf.estimators_.values())
    assert clf.pooled_estimator_["classifier"].C == 0.01


def test_default_estimator_is_xgboost_pipeline():
    X, y = _frame()
    clf = PerTherapyClassifier().fit(X, y)
    assert type(clf.estimators_["chemotherapy"]["classifier"]).__name__ == "XGBClassifier"


def test_invalid_parameter_is_rejected():
    X, y = _frame()
    with pytest.raises(ValueError, match="min_patients"):
        PerTherapyClassifier(min_patients=0).fit(X, y)


@pytest.mark.parametrize("check", [
    check_no_attributes_set_in_init, check_parameters_default_constructible,
    check_get_params_invariance, check_set_params, check_estimator_cloneable,
], ids=lambda c: c.__name__)
def test_applicable_sklearn_checks(check):
    # The array-based checks do not apply: the input must be a DataFrame with a
    # therapy column (see the Notes of PerTherapyClassifier).
    check("PerTherapyClassifier", PerTherapyClassifier(make_model("logistic")))


@pytest.mark.parametrize(("labels", "message"), [
    (lambda y: y + 1, r"0/1 response labels.*found 2"),
    (lambda y: np.where(y == 1, "yes", "no"), r"found 'no', 'yes'|found 'yes', 'no'"),
    (lambda y: y[:-1], r"labels for"),
    (lambda y: np.zeros_like(y), r"only non-responders .*needs both outcomes"),
])
def test_labels_must_be_one_0_1_label_per_row(labels, message):
    X, y = _frame()
    with pytest.raises(ValueError, match=message):
        PerTherapyClassifier(make_model("logistic")).fit(X, labels(np.asarray(y)))


def test_boolean_labels_fit_like_0_1_and_no_rows_is_an_error():
    X, y = _frame()
    y = np.asarray(y)
    as_int = PerTherapyClassifier(make_model("logistic")).fit(X, y)
    as_bool = PerTherapyClassifier(make_model("logistic")).fit(X, y.astype(bool))
    np.testing.assert_allclose(as_int.predict_proba(X), as_bool.predict_proba(X))
    with pytest.raises(ValueError, match="0 rows"):
        PerTherapyClassifier(make_model("logistic")).fit(X.iloc[:0], y[:0])


def test_a_model_saved_before_own_model_classes_existed_loads_clones_and_predicts():
    import pickle

    X, y = _frame()
    clf = PerTherapyClassifier(make_model("logistic")).fit(X, y)
    state = clf.__getstate__()
    del state["own_model_classes"]  # as pickled by the earlier version
    old = PerTherapyClassifier.__new__(PerTherapyClassifier)
    old.__setstate__(state)
    loaded = pickle.loads(pickle.dumps(old))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    copy = clone(loaded)
    assert copy.own_model_classes is None
    assert copy.fit(X, y).therapies_ == clf.therapies_


def test_the_cross_fit_routes_classes_as_the_registered_model_does():
    from types import SimpleNamespace

    from irpredict.training.crossfit import crossfit_scores

    X, y = _frame({"checkpoint_inhibitor": 60, "chemotherapy": 60, "cytokine": 34})
    # 34 patients: an own model on the whole cohort, pooled in every 5-fold training fold
    clf = PerTherapyClassifier(make_model("logistic"), min_patients=30, min_responders=2)
    clf.fit(X, y)
    assert "cytokine" in clf.therapies_
    fits = []
    original = PerTherapyClassifier.fit

    def recording_fit(self, X_, y_):
        fitted = original(self, X_, y_)
        fits.append(list(fitted.therapies_))
        return fitted

    model = SimpleNamespace(classifier=clf, input_columns=list(X.columns))
    PerTherapyClassifier.fit = recording_fit
    try:
        scores = crossfit_scores(model, X, y.astype(float))
    finally:
        PerTherapyClassifier.fit = original
    assert scores.notna().all()
    assert len(fits) == 5
    assert all(therapies == clf.therapies_ for therapies in fits)
