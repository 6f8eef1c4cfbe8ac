"""Grouping transformed features back to biomarkers, checked by hand."""

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from irpredict.explain import biomarker_of, explain
from irpredict.explain.grouping import input_columns, sum_by_group
from irpredict.models import make_model

# every transformed feature of the fixture frame and the biomarker it belongs to,
# written out by hand
EXPECTED = {
    "age": "age",
    "crp__baseline": "crp", "crp__log2fc_d42": "crp", "missingindicator_crp__baseline": "crp",
    "ldh__baseline": "ldh", "missingindicator_ldh__baseline": "ldh",
    "ldh_uln_ratio__baseline": "ldh",
    "pam50__Basal": "pam50", "pam50__Her2": "pam50", "pam50__LumA": "pam50",
    "pam50__LumB": "pam50", "pam50__missing": "pam50",
    "her2_ihc__0": "her2_ihc", "her2_ihc__1": "her2_ihc", "her2_ihc__2": "her2_ihc",
    "her2_ihc__3": "her2_ihc",
}


def test_xgboost_values_are_pred_contribs_grouped(frame):
    X, y = frame
    X = X.drop(columns="therapy_class")
    model = make_model("xgboost").fit(X, y)
    Xt = model[:-1].transform(X)
    booster = model[-1].get_booster()
    contribs = booster.predict(xgb.DMatrix(Xt), pred_contribs=True).astype(np.float64)
    sanitize = model.named_steps["sanitize"]
    original = [sanitize.mapping_[c] for c in sanitize.get_feature_names_out()]
    assert sorted(original) == sorted(EXPECTED)
    expected = pd.DataFrame(0.0, index=X.index, columns=sorted(set(EXPECTED.values())))
    for j, name in enumerate(original):
        expected[EXPECTED[name]] += contribs[:, j]
    ex = explain(model, X)
    pd.testing.assert_frame_equal(ex.values[expected.columns], expected, atol=1e-6)
    np.testing.assert_allclose(ex.base_values, contribs[:, -1], atol=1e-6)


def test_logistic_grouping_matches_hand_computation():
    X = pd.DataFrame({
        "crp__baseline": [1.0, np.nan, 3.0, 4.0, 2.0, np.nan],
        "grade": ["a", "b", "a", None, "b", "a"],
    }, index=list("uvwxyz"))
    y = [0, 1, 0, 1, 1, 0]
    model = make_model("logistic").fit(X, y)
    clf = model[-1]
    w = dict(zip(model.named_steps["sanitize"].mapping_.values(), clf.coef_[0], strict=True))
    Xt = pd.DataFrame(model[:-1].transform(X), index=X.index,
                      columns=list(model.named_steps["sanitize"].mapping_.values()))
    centred = Xt - Xt.mean()
    crp = (w["crp__baseline"] * centred["crp__baseline"]
           + w["missingindicator_crp__baseline"] * centred["missingindicator_crp__baseline"])
    grade = sum(w[f"grade__{c}"] * centred[f"grade__{c}"] for c in ("a", "b", "missing"))
    ex = explain(model, X)
    np.testing.assert_allclose(ex.values["crp"], crp, atol=1e-12)
    np.testing.assert_allclose(ex.values["grade"], grade, atol=1e-12)
    # the raw value shown is the input column, missing stays missing
    assert pd.isna(ex.feature_values.loc["x", "grade"])
    assert np.isnan(ex.feature_values.loc["v", "crp"])


def test_onehot_children_found_by_categories_not_by_name():
    # "a__b__c" is the one-hot child of column "a" (category "b__c"), although a
    # numeric column "a__b" is a longer matching name prefix
    X = pd.DataFrame({"a__b": [1.0, 2.0, 3.0, 4.0], "a": ["b__c", "d", "d", "b__c"]})
    model = make_model("logistic").fit(X, [0, 1, 0, 1])
    ct = model.named_steps["preprocess"]
    names = list(ct.get_feature_names_out())
    assert names == ["a__b", "a__b__c", "a__d"]
    assert input_columns(ct, list(X.columns), names) == ["a__b", "a", "a"]


def test_sum_by_group_keeps_row_totals():
    values = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.25, 0.0]])
    summed, labels = sum_by_group(values, ["x", "y", "x", "z"])
    assert labels == ["x", "y", "z"]
    np.testing.assert_array_equal(summed, [[4.0, 2.0, 4.0], [-0.75, 0.5, 0.0]])
    np.testing.assert_allclose(summed.sum(axis=1), values.sum(axis=1))


@pytest.mark.parametrize(("column", "biomarker"), [
    ("nlr__baseline", "nlr"),
    ("ldh_uln_ratio__baseline", "ldh"),
    ("ldh_uln", "ldh"),
    ("ctdna__log2fc_d42", "ctdna"),
    ("tumor_size__pctchg_d42", "tumor_size"),
    ("therapy_class__adoptive_cell", "therapy_class"),
    ("pam50", "pam50"),
    ("act_dose_log10", "act_dose_log10"),
])
def test_biomarker_of(column, biomarker):
    assert biomarker_of(column) == biomarker


def test_aliases_can_be_switched_off(frame):
    X, y = frame
    X = X.drop(columns="therapy_class")
    model = make_model("logistic").fit(X, y)
    ex = explain(model, X, aliases={})
    assert {"ldh", "ldh_uln_ratio"} <= set(ex.biomarkers)
    both = explain(model, X)
    np.testing.assert_allclose(both.values["ldh"], ex.values["ldh"] + ex.values["ldh_uln_ratio"])


def test_bare_xgboost_on_raw_columns_in_any_order(frame):
    from xgboost import XGBClassifier

    X, y = frame
    X = X[["age", "crp__baseline", "crp__log2fc_d42", "ldh__baseline"]]
    clf = XGBClassifier(n_estimators=30, max_depth=2).fit(X, y)
    ex = explain(clf, X[X.columns[::-1]])
    contribs = clf.get_booster().predict(xgb.DMatrix(X), pred_contribs=True)
    np.testing.assert_allclose(ex.values["crp"], contribs[:, 1] + contribs[:, 2], atol=1e-6)
    np.testing.assert_allclose(ex.values["age"], contribs[:, 0], atol=1e-6)


def test_ratio_group_shows_the_ratio_not_its_strongest_count():
    rng = np.random.default_rng(0)
    anc = rng.lognormal(1.5, 0.4, 200)
    alc = rng.lognormal(0.5, 0.4, 200)
    X = pd.DataFrame({"anc__baseline": anc, "alc__baseline": alc,
                      "nlr__baseline": anc / alc})
    y = (anc + rng.normal(0, 0.5, 200) > np.median(anc)).astype(int)  # signal on the count
    ex = explain(make_model("logistic").fit(X, y), X)
    assert ex.biomarkers == ["nlr"]
    strength = ex.column_values.abs().mean()
    assert strength["anc__baseline"] > strength["nlr__baseline"]
    assert ex.shown_columns["nlr"] == "nlr__baseline"
    np.testing.assert_allclose(ex.feature_values["nlr"], X["nlr__baseline"])


def test_shown_value_is_a_column_that_moved_the_prediction_not_a_draw_count():
    rng = np.random.default_rng(1)
    ratio = rng.lognormal(0, 0.4, 200)
    X = pd.DataFrame({"ldh_uln_ratio__baseline": ratio, "ldh__n_draws_d42": 0.0,
                      "age": rng.normal(60, 10, 200)})
    y = (ratio + rng.normal(0, 0.3, 200) > 1).astype(int)
    ex = explain(make_model("logistic").fit(X, y), X)
    assert ex.shown_columns["ldh"] == "ldh_uln_ratio__baseline"
    np.testing.assert_allclose(ex.feature_values["ldh"], ratio)
