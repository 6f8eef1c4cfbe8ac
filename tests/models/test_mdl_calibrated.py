"""``CalibratedModel``: what calibration after training may and may not claim."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from irpredict.models import CalibratedModel


def _separable(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def test_isotonic_calibration_never_claims_certainty():
    X, y = _separable()
    model = CalibratedModel(LogisticRegression(), method="isotonic").fit(X, y)
    raw = model.estimator_.predict_proba(X)[:, 1]
    assert (raw == 0).any()  # pure isotonic bins at both ends
    assert (raw == 1).any()
    proba = model.predict_proba(X)
    assert proba[:, 1].min() == pytest.approx(0.5 / len(y))
    assert proba[:, 1].max() == pytest.approx(1 - 0.5 / len(y))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    inside = (raw > 0.5 / len(y)) & (raw < 1 - 0.5 / len(y))
    np.testing.assert_array_equal(proba[inside, 1], raw[inside])  # only the ends move
    np.testing.assert_array_equal(model.predict(X), (proba[:, 1] > 0.5).astype(int))


@pytest.mark.parametrize("method", ["none", "sigmoid"])
def test_other_methods_leave_probabilities_as_the_model_gives_them(method):
    X, y = _separable()
    model = CalibratedModel(LogisticRegression(), method=method).fit(X, y)
    assert model.probability_margin_ == 0.0
    np.testing.assert_array_equal(model.predict_proba(X), model.estimator_.predict_proba(X))
