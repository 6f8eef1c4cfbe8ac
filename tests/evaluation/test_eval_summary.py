"""Per-therapy summaries, external validation, decision-curve bands and plots."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score, roc_auc_score

from irpredict.evaluation import (
    OVERALL,
    decision_curve,
    decision_curves,
    evaluate_external,
    summarize_predictions,
    to_wide,
)
from irpredict.exceptions import UnknownTherapyError
from irpredict.models import PerTherapyClassifier, make_model


def _oof(n=240, n_repeats=1, seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(n)]
    therapy = rng.choice(["checkpoint_inhibitor", "cytokine"], n, p=[0.7, 0.3])
    truth = rng.beta(2, 3, n)
    y = (rng.random(n) < truth).astype(int)
    frames = []
    for r in range(n_repeats):
        noise = np.clip(truth + rng.normal(0, 0.05, n), 0.001, 0.999)
        frames.append(pd.DataFrame({"patient_id": ids, "repeat": r,
                                    "fold": rng.permutation(np.arange(n) % 4),
                                    "therapy_class": therapy, "y": y, "prob": noise,
                                    "model": "xgboost"}))
    return pd.concat(frames, ignore_index=True)


def test_one_row_per_group_and_metric():
    table = summarize_predictions(_oof(), n_bootstrap=50)
    assert set(table["therapy_class"]) == {"checkpoint_inhibitor", "cytokine", OVERALL}
    metrics = ["auc", "auc_mean_of_folds", "pr_auc", "brier", "calibration_intercept",
               "calibration_slope", "sensitivity", "specificity", "net_benefit",
               "net_benefit_treat_all"]
    assert table[table["therapy_class"] == OVERALL]["metric"].tolist() == metrics
    assert table.groupby("therapy_class")["n_patients"].first()[OVERALL] == 240


def test_headline_auc_pools_all_predictions_and_folds_mean_sits_beside_it():
    oof = _oof()
    table = summarize_predictions(oof, n_bootstrap=50).set_index(["therapy_class", "metric"])
    assert table.loc[(OVERALL, "auc"), "estimate"] == pytest.approx(
        roc_auc_score(oof["y"], oof["prob"]))
    sub = oof[oof["therapy_class"] == "cytokine"]
    assert table.loc[("cytokine", "pr_auc"), "estimate"] == pytest.approx(
        average_precision_score(sub["y"], sub["prob"]))
    per_fold = [roc_auc_score(g["y"], g["prob"]) for _, g in oof.groupby("fold")]
    assert table.loc[(OVERALL, "auc_mean_of_folds"), "estimate"] == pytest.approx(
        np.mean(per_fold))
    assert "mean of 4 per-fold AUCs" in table.loc[(OVERALL, "auc_mean_of_folds"), "note"]


def test_repeats_are_averaged():
    oof = _oof(n_repeats=3)
    table = summarize_predictions(oof, n_bootstrap=20).set_index(["therapy_class", "metric"])
    expected = np.mean([roc_auc_score(g["y"], g["prob"]) for _, g in oof.groupby("repeat")])
    assert table.loc[(OVERALL, "auc"), "estimate"] == pytest.approx(expected)
    assert (table["n_repeats"] == 3).all()


def test_intervals_bracket_the_estimates():
    table = summarize_predictions(_oof(), n_bootstrap=100)
    assert table[["ci_low", "ci_high"]].notna().all().all()  # the mean fold AUC's too
    assert (table["ci_low"] <= table["estimate"] + 1e-12).all()
    assert (table["estimate"] <= table["ci_high"] + 1e-12).all()


def test_the_mean_fold_auc_interval_resamples_patients_once_for_every_fold():
    oof = _oof()
    table = summarize_predictions(oof, n_bootstrap=200).set_index(["therapy_class", "metric"])
    row = table.loc[(OVERALL, "auc_mean_of_folds")]
    # by hand: resample patients within labels, then average the folds' AUCs over the resample
    rng = np.random.default_rng(1)
    means = []
    for _ in range(400):
        both = pd.concat([g.sample(len(g), replace=True, random_state=rng)
                          for _, g in oof.groupby("y")])
        means.append(np.mean([roc_auc_score(f["y"], f["prob"]) for _, f in both.groupby("fold")
                              if f["y"].nunique() == 2]))
    low, high = np.percentile(means, [2.5, 97.5])
    assert row["ci_low"] == pytest.approx(low, abs=0.02)
    assert row["ci_high"] == pytest.approx(high, abs=0.02)
    assert row["n_bootstrap"] == 200
    assert "CI: patients resampled" in row["note"]


def test_repeats_of_the_same_predictions_leave_every_interval_as_it_was():
    one = _oof()
    ten = pd.concat([one.assign(repeat=r) for r in range(10)], ignore_index=True)
    a, b = (summarize_predictions(o, n_bootstrap=200).set_index(["therapy_class", "metric"])
            for o in (one, ten))
    for metric in ("auc", "auc_mean_of_folds"):
        for end in ("ci_low", "ci_high"):
            assert b.loc[(OVERALL, metric), end] == pytest.approx(a.loc[(OVERALL, metric), end])


def test_weighted_auc_rows_match_scikit_learn_with_sample_weights():
    from irpredict.evaluation.summary import _weighted_auc_rows

    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 60), np.round(rng.random(60), 1)  # many ties
    weights = rng.integers(0, 3, (6, 60))
    expected = [roc_auc_score(y, p, sample_weight=w) for w in weights]
    np.testing.assert_allclose(_weighted_auc_rows(y, p, weights), expected)
    assert np.isnan(_weighted_auc_rows(y, p, weights * (y == 1))).all()  # no negatives left


def test_a_group_with_one_class_gets_nan_and_a_note():
    oof = _oof()
    oof.loc[oof["therapy_class"] == "cytokine", "y"] = 0
    table = summarize_predictions(oof, n_bootstrap=20).set_index(["therapy_class", "metric"])
    assert np.isnan(table.loc[("cytokine", "auc"), "estimate"])
    assert "one class only" in table.loc[("cytokine", "auc"), "note"]
    assert np.isfinite(table.loc[(OVERALL, "auc"), "estimate"])


def test_an_interval_from_many_undefined_resamples_is_noted_as_rough():
    oof = _oof()
    # cytokine: predictions that nearly separate the outcomes, so many resamples separate
    # them perfectly and the calibration slope is undefined there
    cytokine = oof["therapy_class"] == "cytokine"
    noise = np.random.default_rng(1).normal(0, 0.1, cytokine.sum())
    oof.loc[cytokine, "prob"] = np.clip(
        np.where(oof.loc[cytokine, "y"] == 1, 0.7, 0.3) + noise, 0.01, 0.99)
    table = summarize_predictions(oof, n_bootstrap=100).set_index(["therapy_class", "metric"])
    slope = table.loc[("cytokine", "calibration_slope")]
    assert slope["n_invalid"] > 10
    assert f"CI from {100 - slope['n_invalid']} of 100 resamples" in slope["note"]
    assert "rough" in slope["note"]
    assert "rough" not in table.loc[("cytokine", "brier"), "note"]  # always defined
    assert not table.loc[OVERALL, "note"].str.contains("rough").any()


def test_to_wide_has_one_row_per_group():
    wide = to_wide(summarize_predictions(_oof(), n_bootstrap=20))
    assert len(wide) == 3
    assert {"auc", "auc_ci_low", "auc_ci_high", "brier_ci_high"} <= set(wide.columns)


def _cohort(n, seed):
    X, y = make_classification(n, 4, n_informative=3, n_redundant=0, random_state=0,
                               shuffle=False)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    df = pd.DataFrame(X[order], columns=list("abcd"), index=[f"{seed}-{i}" for i in range(n)])
    df["therapy_class"] = rng.choice(["checkpoint_inhibitor", "chemotherapy"], n)
    return df, pd.Series(y[order], index=df.index)


def test_external_validation_scores_without_refitting():
    X_train, y_train = _cohort(200, 1)
    X_new, y_new = _cohort(200, 2)
    model = PerTherapyClassifier(make_model("logistic")).fit(X_train, y_train)
    coef = model.estimators_["chemotherapy"]["classifier"].coef_.copy()
    table = evaluate_external(model, X_new, y_new, n_bootstrap=50)
    prob = model.predict_proba(X_new)[:, 1]
    overall = table.set_index(["therapy_class", "metric"]).loc[OVERALL]
    assert overall.loc["auc", "estimate"] == pytest.approx(roc_auc_score(y_new, prob))
    assert overall.loc["auc_mean_of_folds", "estimate"] == pytest.approx(
        overall.loc["auc", "estimate"])
    np.testing.assert_array_equal(model.estimators_["chemotherapy"]["classifier"].coef_, coef)
    assert (table["model"] == "external").all()


def test_external_cohort_with_an_unseen_therapy_is_refused():
    X_train, y_train = _cohort(200, 1)
    X_new, y_new = _cohort(50, 2)
    X_new["therapy_class"] = "adoptive_cell"
    model = PerTherapyClassifier(make_model("logistic")).fit(X_train, y_train)
    with pytest.raises(UnknownTherapyError, match="adoptive_cell"):
        evaluate_external(model, X_new, y_new, n_bootstrap=10)


def test_decision_curve_bands_and_repeats():
    oof = _oof(n_repeats=2)
    y = oof[oof["repeat"] == 0]["y"].to_numpy()
    P = np.vstack([g["prob"].to_numpy() for _, g in oof.groupby("repeat")])
    curve = decision_curve(y, P, [0.2, 0.4], n_bootstrap=100)
    model = curve[curve["strategy"] == "model"]
    assert (model["ci_low"] <= model["net_benefit"]).all()
    assert (model["net_benefit"] <= model["ci_high"]).all()
    single = [decision_curve(y, p, [0.2, 0.4], n_bootstrap=0) for p in P]
    expected = np.mean([s[s["strategy"] == "model"]["net_benefit"] for s in single], axis=0)
    np.testing.assert_allclose(model["net_benefit"], expected)
    avoided = model["interventions_avoided"].to_numpy()
    treat_all = curve[curve["strategy"] == "treat_all"]["net_benefit"].to_numpy()
    odds = np.array([0.2 / 0.8, 0.4 / 0.6])
    np.testing.assert_allclose(avoided, (model["net_benefit"].to_numpy() - treat_all) / odds)


def test_plots_return_figures_and_write_png(tmp_path):
    from irpredict.evaluation.plots import plot_calibration, plot_decision_curve, plot_roc

    oof = _oof()
    paths = [tmp_path / name for name in ("roc.png", "cal.png", "dc.png")]
    figures = [
        plot_roc(oof, path=paths[0]),
        plot_calibration(oof["y"], oof["prob"], path=paths[1]),
        plot_decision_curve(decision_curve(oof["y"], oof["prob"], n_bootstrap=20), path=paths[2]),
    ]
    for fig, path in zip(figures, paths, strict=True):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert fig.axes
        assert fig.axes[0].get_xlabel()
    legend = [t.get_text() for t in figures[0].axes[0].get_legend().get_texts()]
    assert any(t.startswith("cytokine (AUC") for t in legend)


def test_decision_curves_per_therapy_class_match_the_single_curve():
    oof = _oof()
    curves = decision_curves(oof, [0.3], n_bootstrap=0)
    assert set(curves["therapy_class"]) == {"checkpoint_inhibitor", "cytokine", OVERALL}
    sub = oof[oof["therapy_class"] == "cytokine"].sort_values("patient_id")
    single = decision_curve(sub["y"], sub["prob"], [0.3], n_bootstrap=0)
    got = curves[curves["therapy_class"] == "cytokine"].drop(columns=["model", "therapy_class"])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), single)


def test_stacked_predictions_without_a_model_column_are_refused_not_dropped():
    a, b = _oof(seed=0), _oof(seed=1)
    with pytest.raises(ValueError, match="more than one prediction for the same model"):
        summarize_predictions(pd.concat([a, b]), n_bootstrap=0)
    with pytest.raises(ValueError, match="more than one prediction"):
        decision_curves(pd.concat([a, b]), [0.5], n_bootstrap=0)
    both = summarize_predictions(pd.concat([a.assign(model="a"), b.assign(model="b")]),
                                 n_bootstrap=0)
    assert set(both["model"]) == {"a", "b"}


def test_one_patient_with_two_labels_is_refused():
    oof = _oof(n_repeats=2)
    first = oof.index[(oof["repeat"] == 1)][0]
    oof.loc[first, "y"] = 1 - oof.loc[first, "y"]
    with pytest.raises(ValueError, match="different labels"):
        summarize_predictions(oof, n_bootstrap=0)


@pytest.mark.parametrize(("y", "p", "thresholds", "pattern"), [
    ([0, 1, 0, 1], [0.2, np.nan, 0.4, 0.9], [0.5], "missing or outside"),
    ([1, 2, 1, 2], [0.2, 0.3, 0.4, 0.9], [0.5], "labels must be 0 or 1"),
    (["no", "yes", "no", "yes"], [0.2, 0.3, 0.4, 0.9], [0.5], "'yes' -> 1"),
    ([0, 1, 0, 1], [0.2, 0.3, 0.4, 0.9], [20, 50], "write 0.2 for 20%"),
    ([0, 1, 0, 1], [0.2, 0.3, 0.4, 0.9], [1.0], "strictly between 0 and 1"),
    ([], [], [0.5], "no labels"),
])
def test_curves_refuse_what_no_metric_means(y, p, thresholds, pattern):
    from irpredict.evaluation import calibration_table

    with pytest.raises(ValueError, match=pattern):
        decision_curve(y, p, thresholds, n_bootstrap=0)
    if thresholds == [0.5]:
        with pytest.raises(ValueError, match=pattern):
            calibration_table(y, p, n_bins=2)
