"""Exactness: SHAP values plus base value equal the model's log-odds, for every
family and route, with missing values and categorical columns present."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from irpredict.exceptions import ExperimentConfigError, UnknownTherapyError
from irpredict.explain import explain
from irpredict.models import CalibratedModel, PerTherapyClassifier, make_model

FAMILIES = ["logistic", "random_forest", "xgboost", "ensemble"]
F32 = np.finfo(np.float32).eps


def one_value_column(tidy, patient, biomarker):
    rows = tidy[(tidy.patient_id == patient) & (tidy.biomarker == biomarker)]
    return rows["value_column"].item()


def _check_additive(ex, proba):
    """sum(SHAP) + base == margin (1e-5), and the margin is the model's log-odds.

    ``predict_proba`` of XGBoost is float32, so its logit is compared with a
    tolerance that grows as p nears 0 or 1 (the float32 rounding of p)."""
    total = ex.values.sum(axis=1) + ex.base_values
    np.testing.assert_allclose(total, ex.margin, rtol=0, atol=1e-5)
    p = np.clip(proba, 1e-12, 1 - 1e-12)
    tol = 1e-5 + 4 * F32 / (p * (1 - p))
    assert np.all(np.abs(logit(p) - total.to_numpy()) <= tol)
    np.testing.assert_allclose(expit(total), proba, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ex.prob, proba, rtol=0, atol=1e-6)


@pytest.mark.parametrize("family", FAMILIES)
def test_pipeline_additive(frame, family):
    X, y = frame
    X = X.drop(columns="therapy_class")
    model = make_model(family).fit(X, y)
    ex = explain(model, X)
    assert list(ex.values.index) == list(X.index)
    assert set(ex.biomarkers) == {"age", "crp", "ldh", "pam50", "her2_ihc"}
    _check_additive(ex, model.predict_proba(X)[:, 1])


@pytest.mark.parametrize("family", FAMILIES)
def test_per_therapy_additive_on_both_routes(frame, family):
    X, y = frame
    model = PerTherapyClassifier(make_model(family), min_patients=60).fit(X, y)
    assert model.pooled_therapies_ == ["chemotherapy"]
    ex = explain(model, X)
    assert set(ex.routes) == {"checkpoint_inhibitor", "cytokine", "pooled"}
    _check_additive(ex, model.predict_proba(X)[:, 1])
    pooled = (ex.routes == "pooled").to_numpy()
    # therapy indicators exist only in the pooled model's input
    assert np.all(ex.values.loc[~pooled, "therapy_class"] == 0.0)
    assert ex.feature_values.loc[pooled, "therapy_class"].eq("chemotherapy").all()


def test_per_therapy_rows_explained_by_their_own_model(frame):
    X, y = frame
    model = PerTherapyClassifier(make_model("xgboost"), min_patients=60).fit(X, y)
    ex = explain(model, X)
    rows = X["therapy_class"] == "cytokine"
    alone = explain(model.estimators_["cytokine"], X.loc[rows].drop(columns="therapy_class"))
    pd.testing.assert_frame_equal(ex.values.loc[rows, alone.biomarkers], alone.values)


def test_logistic_background_sets_base_to_mean_margin(frame):
    X, y = frame
    X = X.drop(columns="therapy_class")
    model = make_model("logistic").fit(X, y)
    train, test = X.iloc[:300], X.iloc[300:]
    ex = explain(model, test, background=train)
    base = model.decision_function(train).mean()
    np.testing.assert_allclose(ex.base_values, base, atol=1e-10)
    _check_additive(ex, model.predict_proba(test)[:, 1])


def test_calibrated_model_explains_underlying_margin(frame):
    X, y = frame
    inner = PerTherapyClassifier(make_model("xgboost"), min_patients=60)
    model = CalibratedModel(inner, method="sigmoid", cv=3).fit(X, y)
    ex = explain(model, X)
    np.testing.assert_allclose(ex.values.sum(axis=1) + ex.base_values, ex.margin, atol=1e-5)
    (calibrated,) = model.estimator_.calibrated_classifiers_  # one model, refitted on all
    refitted = explain(calibrated.estimator, X)
    np.testing.assert_allclose(ex.margin, refitted.margin, atol=1e-9)
    _check_additive(refitted, calibrated.estimator.predict_proba(X)[:, 1])
    # prob is the calibrated probability, not the sigmoid of the explained margin ...
    np.testing.assert_allclose(ex.prob, model.predict_proba(X)[:, 1])
    assert np.abs(ex.prob - 1 / (1 + np.exp(-ex.margin))).max() > 1e-3
    # ... but a monotone map of it: a patient with higher log-odds is never less likely
    order = np.argsort(ex.margin.to_numpy(), kind="stable")
    assert np.all(np.diff(ex.prob.to_numpy()[order]) >= -1e-12)


@pytest.mark.parametrize("method", ["none", "sigmoid"])
def test_a_calibrated_models_training_levels_are_found(frame, method):
    from irpredict.training.levels import training_levels

    class Model:  # what training_levels reads of a ResponseModel
        classifier = CalibratedModel(PerTherapyClassifier(make_model("logistic"),
                                                          min_patients=60), method=method)

    X, y = frame
    model = Model()
    model.classifier.fit(X, y)
    levels = training_levels(model)
    assert {"Basal", "Her2", "LumA", "LumB"} <= set(levels["pam50"])
    assert {"0", "1", "2", "3"} <= set(levels["her2_ihc"])


def test_probability_averaging_ensemble_is_refused(frame):
    X, y = frame
    X = X.drop(columns="therapy_class")
    model = make_model("ensemble")
    model.set_params(classifier__average="probability").fit(X, y)
    with pytest.raises(ExperimentConfigError, match="average='logit'"):
        explain(model, X)


def test_unknown_therapy_is_refused(frame):
    X, y = frame
    model = PerTherapyClassifier(make_model("logistic"), min_patients=60).fit(X, y)
    bad = X.iloc[:3].assign(therapy_class="adoptive_cell")
    with pytest.raises(UnknownTherapyError, match="adoptive_cell"):
        explain(model, bad)


def test_feature_set_input_and_tidy(frame):
    from irpredict.features import FeatureSet

    X, y = frame
    model = PerTherapyClassifier(make_model("logistic"), min_patients=60).fit(X, y)
    fs = FeatureSet(X=X.drop(columns="therapy_class"), therapy_class=X["therapy_class"], y=y)
    ex = explain(model, fs)
    tidy = ex.to_tidy()
    assert list(tidy.columns) == ["patient_id", "therapy_class", "biomarker", "value",
                                  "value_column", "shap", "base_value", "prob_response"]
    assert one_value_column(tidy, "P0007", "age") == "age"
    assert len(tidy) == ex.values.size
    one = tidy[(tidy.patient_id == "P0007") & (tidy.biomarker == "age")]
    assert one["value"].item() == pytest.approx(X.loc["P0007", "age"])
    assert one["shap"].item() == pytest.approx(ex.values.loc["P0007", "age"])
    per_patient = tidy.groupby("patient_id")["shap"].sum()
    np.testing.assert_allclose(per_patient.loc[X.index] + ex.base_values, ex.margin, atol=1e-9)


def test_uncalibrated_wrapper_is_transparent(frame):
    X, y = frame
    X = X.drop(columns="therapy_class")
    wrapped = CalibratedModel(make_model("random_forest"), method="none").fit(X, y)
    ex = explain(wrapped, X)
    bare = explain(wrapped.estimator_, X)
    pd.testing.assert_frame_equal(ex.values, bare.values)
    _check_additive(ex, wrapped.predict_proba(X)[:, 1])
