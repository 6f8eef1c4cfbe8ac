"""A patient's explanation does not depend on who else is explained with them: linear SHAP
values are measured from the training mean the logistic model kept."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from irpredict.explain import centred_on_explained_rows, explain
from irpredict.models import CalibratedModel, PerTherapyClassifier, make_model
from irpredict.models.linear import LogisticRegressionWithMean


def _models():
    return {
        "logistic": make_model("logistic"),
        "ensemble": make_model("ensemble"),
        "per-therapy logistic": PerTherapyClassifier(make_model("logistic"), min_patients=60),
        "calibrated logistic": CalibratedModel(make_model("logistic"), method="sigmoid"),
    }


@pytest.mark.parametrize("name", list(_models()))
def test_one_patient_alone_is_explained_as_within_the_cohort(frame, name):
    X, y = frame
    model = _models()[name]
    features = X if isinstance(model, PerTherapyClassifier) else X.drop(columns="therapy_class")
    model.fit(features, y)
    assert not centred_on_explained_rows(model)
    cohort = explain(model, features)
    for position in (0, 7, 123):
        alone = explain(model, features.iloc[[position]])
        # per therapy class, other classes' models may add biomarkers (0 for this patient)
        within = cohort.values.iloc[[position]]
        pd.testing.assert_frame_equal(alone.values.reindex(columns=within.columns,
                                                           fill_value=0.0),
                                      within, check_exact=False, atol=1e-9)
        np.testing.assert_allclose(alone.base_values, cohort.base_values.iloc[[position]],
                                   atol=1e-9)
    # measured from the training mean, a single patient's values are not all zero
    assert np.abs(explain(model, features.iloc[[0]]).values.to_numpy()).sum() > 0


def test_training_mean_is_the_mean_of_the_fitted_rows():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    weights = rng.uniform(0.5, 2, 50)
    np.testing.assert_allclose(LogisticRegressionWithMean().fit(X, y).training_mean_,
                               X.mean(axis=0))
    np.testing.assert_allclose(
        LogisticRegressionWithMean().fit(X, y, sample_weight=weights).training_mean_,
        np.average(X, axis=0, weights=weights))


def test_a_plain_logistic_regression_is_still_centred_on_the_explained_rows(frame):
    X, y = frame
    features = X.drop(columns=["therapy_class", "pam50", "her2_ihc"]).fillna(0)
    model = LogisticRegression().fit(features, y)
    assert centred_on_explained_rows(model)
    explanation = explain(model, features)
    np.testing.assert_allclose(explanation.values.sum(axis=0), 0, atol=1e-8)
    total = explanation.values.sum(axis=1) + explanation.base_values
    np.testing.assert_allclose(total, explanation.margin, atol=1e-8)
