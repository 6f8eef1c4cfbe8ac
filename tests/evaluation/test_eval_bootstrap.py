"""Stratified percentile bootstrap: coverage, determinism, agreement with a plain loop."""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from irpredict.evaluation import bootstrap_metrics, stratified_indices


def _binormal(n, d, seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(int)
    score = rng.normal(d * y, 1.0)
    return y, 1 / (1 + np.exp(-score))


def test_resamples_keep_the_number_of_responders():
    y = np.r_[np.zeros(30), np.ones(10)]
    idx = stratified_indices(y, n_bootstrap=50, random_state=0)
    assert idx.shape == (50, 40)
    assert np.all(y[idx].sum(axis=1) == 10)


def test_auc_interval_covers_the_true_auc_in_most_simulated_cohorts():
    d = 1.0
    truth = norm.cdf(d / np.sqrt(2))  # binormal AUC
    covered = 0
    for seed in range(40):
        y, p = _binormal(200, d, seed)
        row = bootstrap_metrics(y, p, n_bootstrap=300, random_state=seed).set_index("metric")
        covered += row.loc["auc", "ci_low"] <= truth <= row.loc["auc", "ci_high"]
    assert covered >= 34  # nominal 95%: 38 of 40 expected


def test_percentiles_equal_a_plain_loop_over_the_same_resamples():
    y, p = _binormal(150, 1.0, 7)
    idx = stratified_indices(y, n_bootstrap=200, random_state=3)
    loop = [roc_auc_score(y[i], p[i]) for i in idx]
    table = bootstrap_metrics(y, p, n_bootstrap=200, random_state=3).set_index("metric")
    assert table.loc["auc", "ci_low"] == pytest.approx(np.percentile(loop, 2.5))
    assert table.loc["auc", "ci_high"] == pytest.approx(np.percentile(loop, 97.5))
    assert table.loc["auc", "estimate"] == pytest.approx(roc_auc_score(y, p))


def test_deterministic_with_a_seed():
    y, p = _binormal(120, 1.0, 1)
    a = bootstrap_metrics(y, p, n_bootstrap=100, random_state=5)
    b = bootstrap_metrics(y, p, n_bootstrap=100, random_state=5)
    c = bootstrap_metrics(y, p, n_bootstrap=100, random_state=6)
    assert a.equals(b)
    assert not a["ci_low"].equals(c["ci_low"])


def test_every_metric_has_an_interval_around_its_estimate():
    y, p = _binormal(300, 1.0, 2)
    table = bootstrap_metrics(y, p, n_bootstrap=200)
    assert (table["ci_low"] <= table["estimate"] + 1e-12).all()
    assert (table["estimate"] <= table["ci_high"] + 1e-12).all()
    assert (table["n_invalid"] == 0).all()


def test_repeats_are_averaged_within_each_resample():
    y, p = _binormal(100, 1.0, 3)
    q = np.clip(p + 0.05, 0, 1)
    both = bootstrap_metrics(y, np.vstack([p, p]), n_bootstrap=50).set_index("metric")
    single = bootstrap_metrics(y, p, n_bootstrap=50).set_index("metric")
    assert both.loc["auc", "ci_low"] == pytest.approx(single.loc["auc", "ci_low"])
    mixed = bootstrap_metrics(y, np.vstack([p, q]), n_bootstrap=0).set_index("metric")
    from sklearn.metrics import brier_score_loss

    assert mixed.loc["brier", "estimate"] == pytest.approx(
        (brier_score_loss(y, p) + brier_score_loss(y, q)) / 2)


def test_one_class_gives_nan_intervals_without_crashing():
    table = bootstrap_metrics([1, 1, 1, 1], [0.2, 0.4, 0.6, 0.8], n_bootstrap=50)
    auc = table.set_index("metric").loc["auc"]
    assert np.isnan(auc["estimate"])
    assert np.isnan(auc["ci_low"])
    assert auc["n_invalid"] == 50


def test_calibration_intervals_cover_a_calibrated_model_as_often_as_they_say():
    # resampling within labels fixes the response rate and had covered the true intercept
    # (0 for calibrated probabilities) in about 55% of samples
    rng = np.random.default_rng(5)
    covered = 0
    for i in range(60):
        p = rng.beta(2, 3, 200)
        y = (rng.random(200) < p).astype(int)
        table = bootstrap_metrics(y, p, n_bootstrap=200, random_state=i).set_index("metric")
        low, high = table.loc["calibration_intercept", ["ci_low", "ci_high"]]
        covered += low <= 0 <= high
    assert covered / 60 >= 0.85


def test_auc_intervals_keep_resampling_within_labels():
    from irpredict.evaluation.bootstrap import STRATIFIED_METRICS

    assert {"auc", "sensitivity", "specificity"} == set(STRATIFIED_METRICS)
    y = np.array([0] * 30 + [1] * 10)
    p = np.linspace(0.1, 0.9, 40)
    table = bootstrap_metrics(y, p, n_bootstrap=100).set_index("metric")
    assert table.loc["auc", "n_invalid"] == 0  # never a resample with one outcome


def test_net_benefit_at_the_threshold_matches_the_decision_curve_with_free_intervals():
    from irpredict.evaluation import decision_curve

    y, p = _binormal(200, 1.0, 4)
    table = bootstrap_metrics(y, p, threshold=0.3, n_bootstrap=300).set_index("metric")
    curve = decision_curve(y, p, [0.3], n_bootstrap=0).set_index("strategy")
    assert table.loc["net_benefit", "estimate"] == pytest.approx(curve.loc["model", "net_benefit"])
    assert table.loc["net_benefit_treat_all", "estimate"] == pytest.approx(
        y.mean() - (1 - y.mean()) * 0.3 / 0.7)
    # treat-all depends on the response rate only: resampling within labels would make its
    # interval a single point
    low, high = table.loc["net_benefit_treat_all", ["ci_low", "ci_high"]]
    assert high - low > 0.05


@pytest.mark.parametrize("threshold", [0, 1, 1.5, True])
def test_a_threshold_that_is_no_probability_is_refused(threshold):
    y, p = _binormal(50, 1.0, 4)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        bootstrap_metrics(y, p, threshold=threshold, n_bootstrap=0)
