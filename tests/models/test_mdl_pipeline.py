"""make_model pipelines, the estimator zoo and the averaging ensemble."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from irpredict.exceptions import ExperimentConfigError
from irpredict.models import (
    FAMILIES,
    AveragingClassifier,
    infer_columns,
    make_classifier,
    make_model,
    param_grid,
)


def _frame(n=120, seed=0):
    X, y = make_classification(n, 5, n_informative=3, random_state=seed)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)],
                      index=[f"P{i:03d}" for i in range(n)])
    df.loc[df.index[::6], "f1"] = np.nan
    rng = np.random.default_rng(seed)
    df["pam50"] = pd.Series(rng.choice(["Basal", "LumA", "<50"], n), index=df.index, dtype="str")
    df.loc[df.index[::9], "pam50"] = None
    df["her2_pos"] = rng.random(n) < 0.3
    return df, y


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_fits_and_predicts_probabilities(family):
    X, y = _frame()
    model = make_model(family).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_feature_names_are_readable_and_sanitised_with_a_mapping_back():
    X, y = _frame()
    model = make_model("xgboost").fit(X, y)
    original = list(model["preprocess"].get_feature_names_out())
    assert {"f0", "missingindicator_f1", "pam50__Basal", "pam50__<50", "pam50__missing",
            "her2_pos"} <= set(original)
    sanitised = list(model["sanitize"].get_feature_names_out())
    assert not any(ch in name for name in sanitised for ch in "[]<")
    assert [model["sanitize"].mapping_[s] for s in sanitised] == original
    # the classifier gets a plain matrix (no per-round feature-name checks in XGBoost)
    assert model["classifier"].get_booster().num_features() == len(sanitised)
    assert isinstance(model[:-1].transform(X), np.ndarray)


def test_unseen_category_at_prediction_is_ignored():
    X, y = _frame()
    model = make_model("logistic").fit(X, y)
    new = X.head(3).copy()
    new["pam50"] = "Her2"
    assert model.predict_proba(new).shape == (3, 2)


def test_columns_are_inferred_from_dtypes_or_taken_as_given():
    X, _ = _frame()
    numeric, categorical = infer_columns(X.assign(therapy_class="cytokine"),
                                         exclude=["therapy_class"])
    assert numeric == ["f0", "f1", "f2", "f3", "f4", "her2_pos"]
    assert categorical == ["pam50"]
    X, y = _frame()
    model = make_model("random_forest", numeric=["f0", "f2"], categorical=["pam50"]).fit(X, y)
    names = set(model["preprocess"].get_feature_names_out())
    assert names == {"f0", "f2", "pam50__<50", "pam50__Basal", "pam50__LumA", "pam50__missing"}


def test_only_logistic_families_are_scaled():
    assert "scale" in make_model("logistic")["preprocess"].transformers[0][1].named_steps
    assert "scale" not in make_model("xgboost")["preprocess"].transformers[0][1].named_steps


def test_unknown_family_names_the_choices():
    with pytest.raises(ExperimentConfigError, match="Unknown estimator family 'svm'.*xgboost"):
        make_model("svm")


@pytest.mark.parametrize("family", FAMILIES)
def test_family_grids_address_real_parameters(family):
    model = make_model(family)
    for key, values in param_grid(family).items():
        model.set_params(**{key: values[-1]})
        assert model.get_params()[key] == values[-1]


def test_logistic_is_elastic_net_with_saga():
    clf = make_classifier("logistic")
    assert clf.solver == "saga"
    assert 0 < clf.l1_ratio < 1


def test_ensemble_averages_its_members_log_odds_by_default():
    from scipy.special import expit

    X, y = _frame()
    Xt = make_model("ensemble")[:-1].fit_transform(X, y)
    ens = make_classifier("ensemble").fit(Xt, y)
    assert ens.average == "logit"
    members = [clone(est).fit(Xt, y) for _, est in ens.estimators]
    margins = [members[0].decision_function(Xt), members[1].predict(Xt, output_margin=True),
               members[2].predict(Xt, output_margin=True)]
    np.testing.assert_allclose(ens.decision_function(Xt), np.mean(margins, axis=0), rtol=1e-6)
    np.testing.assert_allclose(ens.predict_proba(Xt)[:, 1], expit(np.mean(margins, axis=0)),
                               rtol=1e-6)


def test_ensemble_averages_its_members_probabilities():
    X, y = _frame()
    Xt = make_model("ensemble")[:-1].fit_transform(X, y)
    ens = make_classifier("ensemble").set_params(average="probability").fit(Xt, y)
    assert not hasattr(ens, "decision_function")
    members = [clone(est).fit(Xt, y).predict_proba(Xt) for _, est in ens.estimators]
    np.testing.assert_allclose(ens.predict_proba(Xt), np.mean(members, axis=0))
    weighted = clone(ens).set_params(weights=[2, 1, 1]).fit(Xt, y)
    np.testing.assert_allclose(weighted.predict_proba(Xt),
                               (2 * members[0] + members[1] + members[2]) / 4)


def test_ensemble_is_cloneable_and_searchable():
    X, y = _frame()
    model = make_model("ensemble")
    params = model.get_params()
    assert params["classifier__logistic__C"] == 0.5
    assert "classifier__xgboost__max_depth" in params
    copy = clone(model.set_params(classifier__logistic__C=0.1))
    assert copy.get_params()["classifier__logistic__C"] == 0.1
    search = GridSearchCV(model, {"classifier__xgboost__max_depth": [2, 3]}, cv=2,
                          scoring="roc_auc").fit(X, y)
    assert search.best_params_["classifier__xgboost__max_depth"] in (2, 3)
    assert isinstance(search.best_estimator_["classifier"], AveragingClassifier)


def test_ensemble_rejects_duplicate_member_names():
    from sklearn.linear_model import LogisticRegression

    ens = AveragingClassifier([("a", LogisticRegression()), ("a", LogisticRegression())])
    with pytest.raises(ValueError, match="unique"):
        ens.fit([[0.0], [1.0]], [0, 1])


@pytest.mark.parametrize("weights", [[1.0], [1.0, -1.0], [0.0, 0.0], [1.0, 2.0, 3.0]])
def test_ensemble_checks_its_weights_when_fitted(weights):
    from sklearn.linear_model import LogisticRegression

    ens = AveragingClassifier([("a", LogisticRegression()), ("b", LogisticRegression(C=0.1))],
                              weights=weights)
    with pytest.raises(ValueError, match="one non-negative number per member .*not all zero"):
        ens.fit([[0.0], [1.0], [0.2], [0.9]], [0, 1, 0, 1])


def test_ensemble_says_it_is_binary_unless_it_averages_probabilities():
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils import get_tags

    members = [("a", LogisticRegression())]
    assert not get_tags(AveragingClassifier(members)).classifier_tags.multi_class
    assert get_tags(AveragingClassifier(members, average="probability")
                    ).classifier_tags.multi_class


@pytest.mark.parametrize("family", ["logistic", "xgboost"])
def test_a_pipeline_given_an_array_asks_for_a_frame(family):
    X, y = make_classification(n_samples=40, n_features=3, n_informative=2, n_redundant=0,
                               random_state=0)
    with pytest.raises(TypeError, match="need a pandas DataFrame of named feature columns"):
        make_model(family).fit(X, y)
