"""Heavy-tailed labs reach linear models on a log scale, learned on the training rows only."""

import numpy as np
import pandas as pd
import pytest

from irpredict.explain import explain
from irpredict.models import make_model
from irpredict.models._skew import LogSkewed


@pytest.fixture
def labs():
    rng = np.random.default_rng(0)
    n = 400
    ctdna = np.exp(rng.normal(0, 1.5, n))
    ctdna[rng.random(n) < 0.2] = 0.0  # below the limit of detection
    return pd.DataFrame({
        "crp": np.exp(rng.normal(np.log(5), 1.0, n)),
        "ctdna": ctdna,
        "age": rng.normal(60, 10, n),            # symmetric
        "delta": rng.normal(0, 1, n) ** 3,       # skewed but signed
        "ecog": rng.integers(0, 2, n).astype(float),  # binary
    })


def test_only_skewed_non_negative_columns_are_logged(labs):
    step = LogSkewed().fit(labs)
    assert dict(zip(labs.columns, step.log_columns_.tolist(), strict=False)) == {
        "crp": True, "ctdna": True, "age": False, "delta": False, "ecog": False}
    out = step.transform(labs)
    np.testing.assert_allclose(out[:, 0], np.log(labs["crp"]))
    # zeros get half the smallest positive value as offset, so they stay finite and lowest
    positive = labs["ctdna"][labs["ctdna"] > 0]
    assert step.offsets_[1] == pytest.approx(positive.min() / 2)
    assert np.isfinite(out[:, 1]).all()
    assert out[labs["ctdna"].to_numpy() == 0, 1].max() < out[labs["ctdna"].to_numpy() > 0, 1].min()
    np.testing.assert_array_equal(out[:, 2:], labs[["age", "delta", "ecog"]].to_numpy())


def test_missing_stays_missing_and_new_out_of_range_values_stay_finite(labs):
    step = LogSkewed().fit(labs)
    new = pd.DataFrame({"crp": [np.nan, 0.0, -1.0], "ctdna": [np.nan, -3.0, 0.0],
                        "age": [50.0, 60.0, 70.0], "delta": [0.0, 1.0, 2.0],
                        "ecog": [0.0, 1.0, 0.0]})
    out = step.transform(new)
    assert np.isnan(out[0, 0])
    assert np.isnan(out[0, 1])
    assert np.isfinite(out[1:, :2]).all()
    # a crp of zero, never seen in training, maps to half the smallest training value
    assert out[1, 0] == pytest.approx(np.log(labs["crp"].min() / 2))


def test_choice_is_learned_on_training_rows(labs):
    # the same column is logged or not depending on what the training rows look like
    symmetric = labs.assign(crp=np.linspace(1, 10, len(labs)))
    assert LogSkewed().fit(labs).log_columns_[0]
    assert not LogSkewed().fit(symmetric).log_columns_[0]


def test_linear_families_log_and_trees_do_not():
    steps = make_model("logistic")["preprocess"].transformers[0][1].named_steps
    assert list(steps) == ["log", "impute", "scale"]
    assert "log" in make_model("ensemble")["preprocess"].transformers[0][1].named_steps
    assert list(make_model("xgboost")["preprocess"].transformers[0][1].named_steps) == ["impute"]


def test_log_scale_fits_a_log_linear_truth_and_shap_stays_additive(labs):
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    eta = -1.5 * np.log(labs["crp"] / 5) + 0.03 * (labs["age"] - 60)
    y = (rng.random(len(labs)) < 1 / (1 + np.exp(-eta))).astype(int)
    X = labs.assign(crp=labs["crp"].where(rng.random(len(labs)) > 0.1))  # some missing
    train, test = np.arange(300), np.arange(300, 400)
    model = make_model("logistic").fit(X.iloc[train], y[train])
    auc = roc_auc_score(y[test], model.predict_proba(X.iloc[test])[:, 1])
    oracle = roc_auc_score(y[test], eta.to_numpy()[test])
    assert auc > oracle - 0.05
    ex = explain(model, X.iloc[test])
    np.testing.assert_allclose(ex.values.sum(axis=1) + ex.base_values, ex.margin, atol=1e-8)
    assert ex.values.abs().mean().idxmax() == "crp"
