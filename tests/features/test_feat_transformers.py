"""The fitted builders: scikit-learn contract, Pipeline and cross-validation."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from irpredict.data import Cohort
from irpredict.features import CategoricalEncoder, ClearanceFlagger, build_features

_ARRAY_ONLY = {
    "check_transformer_preserve_dtypes":
        "DataFrame-native: transform returns a DataFrame (a dtype per column), while the check "
        "reads an array's .dtype",
}


def _expected_failed(estimator):
    return _ARRAY_ONLY


@parametrize_with_checks([CategoricalEncoder(), ClearanceFlagger()],
                         expected_failed_checks=_expected_failed)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _frame():
    return pd.DataFrame({
        "age": [50.0, 61.0, 44.0, 70.0],
        "pam50": ["Basal", "LumA", None, "Basal"],
        "her2_ihc": ["0", "3+", "2", None],
    }, index=pd.Index(["a", "b", "c", "d"], name="patient_id"))


def test_encoder_one_hot_ordinal_unknown_and_missing():
    enc = CategoricalEncoder().fit(_frame())
    assert enc.get_feature_names_out().tolist() == ["age", "pam50__Basal", "pam50__LumA",
                                                    "her2_ihc"]
    new = pd.DataFrame({"age": [1.0, 2.0], "pam50": ["Her2", None], "her2_ihc": ["1+", "1"]},
                       index=["x", "y"])
    out = enc.transform(new)
    assert out.index.tolist() == ["x", "y"]
    assert out[["pam50__Basal", "pam50__LumA"]].to_numpy().sum() == 0  # unknown and missing
    assert out["her2_ihc"].tolist() == [1.0, 1.0]
    assert enc.transform(_frame())["her2_ihc"].tolist()[:3] == [0.0, 3.0, 2.0]
    assert np.isnan(enc.transform(_frame())["her2_ihc"].iloc[3])


def test_encoder_refit_replaces_state():
    enc = CategoricalEncoder().fit(_frame())
    enc.fit(_frame().assign(pam50=["X", "X", "X", "Y"]))
    assert enc.categories_ == {"pam50": ["X", "Y"]}


def test_flagger_learns_limits_from_the_training_fold_only():
    train = pd.DataFrame({"ctdna__baseline": [5.0, 0.4, 0.0],
                          "ctdna__last_d42": [0.0, 0.8, 3.0]})
    flag = ClearanceFlagger().fit(train)
    assert flag.detection_limits_ == {"ctdna": 0.4}
    out = flag.transform(pd.DataFrame({"ctdna__baseline": [1.0, 1.0],
                                       "ctdna__last_d42": [0.3, 0.4]}))
    assert out["ctdna__cleared_d42"].tolist() == [1.0, 0.0]
    declared = ClearanceFlagger(detection_limits={"ctdna": 1.0}).fit(train)
    assert declared.transform(train)["ctdna__cleared_d42"].tolist() == [1.0, 1.0, 0.0]


def _simulated_cohort(n=80, seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"s{i:03d}" for i in range(n)]
    response = rng.integers(0, 2, n)
    pats = pd.DataFrame({"patient_id": ids, "therapy_class": "checkpoint_inhibitor",
                         "response": response, "age": rng.normal(55, 10, n).round(),
                         "pam50": rng.choice(["Basal", "LumA", "LumB", "Her2"], n),
                         "her2_ihc": rng.choice(["0", "1+", "2+", "3+"], n)})
    days = np.array([-3.0, 14.0, 28.0, 42.0])
    rows = []
    for pid, r in zip(ids, response, strict=True):
        base = rng.lognormal(2, 1)
        for d in days:
            trend = (-0.05 if r else 0.02) * max(d, 0)
            rows.append((pid, "ctdna", d, max(base * np.exp(trend + rng.normal(0, 0.3)) - 1, 0)))
    meas = pd.DataFrame(rows, columns=["patient_id", "biomarker", "day", "value"])
    return Cohort(pats, meas, feature_columns=["age", "pam50", "her2_ihc"],
                  categorical_columns=["pam50", "her2_ihc"])


def test_pipeline_cross_validates_with_pandas_output():
    fs = build_features(_simulated_cohort())
    X = fs.X.drop(columns=[c for c in fs.X if fs.X[c].isna().all()])
    pipe = make_pipeline(CategoricalEncoder(), ClearanceFlagger(),
                         SimpleImputer(strategy="median"), LogisticRegression(max_iter=500))
    pipe.set_output(transform="pandas")
    scores = cross_validate(pipe, X, fs.y.to_numpy(), cv=4, scoring="roc_auc",
                            return_estimator=True, error_score="raise")
    assert np.all(scores["test_score"] > 0.6)
    fitted = scores["estimator"][0]
    names = fitted[:-1].get_feature_names_out().tolist()
    assert "pam50__Basal" in names
    assert "ctdna__cleared_d42" in names
    assert names == fitted[:-1].transform(X).columns.tolist()


@pytest.mark.parametrize("est", [CategoricalEncoder(categorical="pam50"),
                                 ClearanceFlagger(detection_limits=[0.1])])
def test_invalid_parameters_are_rejected(est):
    with pytest.raises(ValueError, match="parameter of"):
        est.fit(_frame())
