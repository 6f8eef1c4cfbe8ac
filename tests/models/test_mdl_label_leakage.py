"""A feature frame holding its own labels or ids is refused before any fit."""

import numpy as np
import pandas as pd
import pytest

from irpredict.exceptions import CohortDataError, LeakageError


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    n = 60
    X = pd.DataFrame({"therapy_class": ["cytokine"] * n, "age": rng.normal(60, 8, n),
                      "tmb": rng.gamma(2, 3, n)},
                     index=pd.Index([f"P{i}" for i in range(n)], name="patient_id"))
    y = pd.Series(rng.integers(0, 2, n), index=X.index, name="response")
    return X, y


def _fit_per_therapy(X, y):
    from irpredict.models import PerTherapyClassifier, make_model
    return PerTherapyClassifier(make_model("logistic")).fit(X, y)


def _nested_cv(X, y):
    from irpredict.evaluation import nested_cv
    return nested_cv(X, y, estimator="logistic", outer_folds=3, inner_folds=2,
                     param_grid={"logistic": {"C": [0.5]}})


@pytest.mark.parametrize("fit", [_fit_per_therapy, _nested_cv])
def test_the_label_column_among_the_features_is_refused(frame, fit):
    X, y = frame
    with pytest.raises(LeakageError, match="holds the label column 'response'"):
        fit(X.assign(response=y), y)


@pytest.mark.parametrize("coded", [lambda y: 1 - y, lambda y: y.map({0: "SD/PD", 1: "CR/PR"})])
def test_the_label_column_in_another_coding_is_refused(frame, coded):
    X, y = frame
    with pytest.raises(LeakageError, match="holds the label column 'response'"):
        _fit_per_therapy(X.assign(response=coded(y)), y)


def test_labels_named_after_the_measurement_they_were_cut_from_are_no_label_column(frame):
    X, y = frame
    y = (X["tmb"] > X["tmb"].median()).astype(int)  # keeps the name 'tmb'
    assert y.name == "tmb"
    model = _fit_per_therapy(X, y)
    assert "tmb" in model.feature_names_in_


def test_a_copy_of_the_labels_under_another_name_is_refused_for_a_cohort(frame):
    X, y = frame
    with pytest.raises(LeakageError, match="Column 'pcr_flag' .* equals the labels"):
        _nested_cv(X.assign(pcr_flag=y.to_numpy()), y.to_numpy())
    # a single fit (a cross-validation split) judges by name only: a strong 0/1 marker
    # can match a few patients' labels by chance
    model = _fit_per_therapy(X.assign(pcr_flag=y.to_numpy()), y.to_numpy())
    assert "pcr_flag" in model.feature_names_in_


@pytest.mark.parametrize("fit", [_fit_per_therapy, _nested_cv])
def test_an_id_column_is_refused_with_the_fix(frame, fit):
    X, y = frame
    with pytest.raises(CohortDataError, match=r"set_index\('patient_id'\)"):
        fit(X.reset_index(), y.to_numpy())


def test_a_feature_that_merely_agrees_with_most_labels_is_kept(frame):
    X, y = frame
    near = y.to_numpy().copy()
    near[0] = 1 - near[0]
    model = _fit_per_therapy(X.assign(marker=near), y)
    assert "marker" in model.feature_names_in_


def test_labels_named_otherwise_are_named_in_the_error(frame):
    X, y = frame
    with pytest.raises(CohortDataError, match="Column 'pcr': 1 patients have a label other"):
        _nested_cv(X, y.rename("pcr").astype(float).mask(y.index == "P3", 2.0))


def test_text_in_a_column_numeric_in_fit_is_named(frame):
    X, y = frame
    model = _fit_per_therapy(X, y)
    with pytest.raises(ValueError, match="in column 'tmb', which was numeric in fit"):
        model.predict_proba(X.assign(tmb="high"))


def test_an_unfitted_model_or_a_wrong_input_is_named_by_the_api(frame):
    from sklearn.exceptions import NotFittedError

    from irpredict.evaluation import summarize_predictions
    from irpredict.explain import explain, global_importance
    from irpredict.models import PerTherapyClassifier, make_model

    X, _ = frame
    with pytest.raises(NotFittedError, match="PerTherapyClassifier instance is not fitted"):
        explain(PerTherapyClassifier(make_model("xgboost")), X)
    with pytest.raises(TypeError, match=r"got str \(a saved file: read it first"):
        summarize_predictions("oof.csv")
    with pytest.raises(TypeError, match="takes the Explanation .* got DataFrame"):
        global_importance(X)


def test_the_ensemble_keeps_the_feature_names_of_its_members(frame):
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB

    from irpredict.models import AveragingClassifier

    X, y = frame
    model = AveragingClassifier([("lr", LogisticRegression()), ("nb", GaussianNB())])
    model.fit(X.drop(columns="therapy_class"), y)
    assert list(model.feature_names_in_) == ["age", "tmb"]
