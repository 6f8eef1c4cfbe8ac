"""Metric values against sklearn, closed forms and published check values."""

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, logit
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    roc_auc_score,
)

from irpredict.evaluation import (
    brier,
    calibration_intercept,
    calibration_slope,
    compute_metrics,
    decision_curve,
    net_benefit,
    pr_auc,
    roc_auc,
    sensitivity_specificity,
)


def _data(seed, n=300, ties=False):
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 3, n)
    if ties:
        p = np.round(p, 1)
    y = (rng.random(n) < p).astype(int)
    return y, p


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_discrimination_and_brier_match_sklearn(seed, ties):
    y, p = _data(seed, ties=ties)
    assert roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert pr_auc(y, p) == pytest.approx(average_precision_score(y, p), abs=1e-12)
    assert brier(y, p) == pytest.approx(brier_score_loss(y, p), abs=1e-12)


def _nll(a, b, y, lp):
    eta = a + b * lp
    return float(np.sum(np.logaddexp(0, eta) - y * eta))


@pytest.mark.parametrize("seed", range(3))
def test_calibration_slope_and_intercept_match_direct_maximum_likelihood(seed):
    y, p = _data(seed)
    lp = logit(p)
    ref = minimize(lambda ab: _nll(ab[0], ab[1], y, lp), x0=[0.0, 1.0], method="BFGS",
                   options={"gtol": 1e-9})
    assert calibration_slope(y, p) == pytest.approx(ref.x[1], abs=1e-4)
    ref_a = minimize_scalar(lambda a: _nll(a, 1.0, y, lp)).x
    assert calibration_intercept(y, p) == pytest.approx(ref_a, abs=1e-5)


@pytest.mark.parametrize("shift", [-3.0, -2.2, 2.2, 3.0])
def test_calibration_is_found_for_predictions_off_by_several_log_odds(shift):
    # a full Newton step from 0 overshoots here and cycles; the maximum still exists
    rng = np.random.default_rng(5)
    for _ in range(20):
        true = expit(rng.normal(0, 0.5, 60))
        y = (rng.random(60) < true).astype(int)
        p = expit(logit(true) - shift + 0.3 * rng.normal(size=60))
        lp = logit(p)
        ref_a = minimize_scalar(lambda a, y=y, lp=lp: _nll(a, 1.0, y, lp)).x
        assert calibration_intercept(y, p) == pytest.approx(ref_a, abs=1e-5)
        ref = minimize(lambda ab, y=y, lp=lp: _nll(ab[0], ab[1], y, lp), x0=[0.0, 1.0],
                       method="BFGS", options={"gtol": 1e-9})
        assert calibration_slope(y, p) == pytest.approx(ref.x[1], abs=1e-3)


def test_constant_predictions_get_an_intercept_but_no_slope():
    for y in ([0, 1, 0, 1, 1], [0, 1, 0, 1, 1, 0, 0, 1], [0, 1] * 5):
        p = np.full(len(y), 0.4 if len(y) != 10 else 0.1)
        assert np.isnan(calibration_slope(y, p))
        assert calibration_intercept(y, p) == pytest.approx(logit(np.mean(y)) - logit(p[0]))
        values, note = compute_metrics(y, p)
        assert np.isnan(values["calibration_slope"])
        assert "calibration slope undefined" in note


def test_well_calibrated_probabilities_have_slope_one_and_intercept_zero():
    rng = np.random.default_rng(1)
    p = expit(rng.normal(-0.5, 1.2, 20_000))
    y = (rng.random(len(p)) < p).astype(int)
    assert calibration_slope(y, p) == pytest.approx(1.0, abs=0.06)
    assert calibration_intercept(y, p) == pytest.approx(0.0, abs=0.05)


def test_overconfident_probabilities_have_slope_below_one():
    rng = np.random.default_rng(2)
    true = expit(rng.normal(-0.5, 1.2, 20_000))
    y = (rng.random(len(true)) < true).astype(int)
    overconfident = expit(2 * logit(true))
    assert calibration_slope(y, overconfident) == pytest.approx(0.5, abs=0.05)


def test_overestimated_risk_has_negative_intercept():
    rng = np.random.default_rng(3)
    true = expit(rng.normal(-1, 1, 20_000))
    y = (rng.random(len(true)) < true).astype(int)
    assert calibration_intercept(y, expit(logit(true) + 1.0)) == pytest.approx(-1.0, abs=0.06)


def test_sensitivity_and_specificity_match_the_confusion_matrix():
    y, p = _data(4)
    tn, fp, fn, tp = confusion_matrix(y, (p >= 0.4).astype(int)).ravel()
    sens, spec = sensitivity_specificity(y, p, threshold=0.4)
    assert sens == pytest.approx(tp / (tp + fn))
    assert spec == pytest.approx(tn / (tn + fp))


def test_net_benefit_check_value():
    # tp_rate 0.524 and fp_rate 0.436 at pt 0.05 give NB 0.50105 (dcurves)
    y = np.r_[np.ones(524), np.zeros(436), np.zeros(40)]
    p = np.r_[np.full(524, 0.9), np.full(436, 0.9), np.full(40, 0.01)]
    assert net_benefit(y, p, [0.05])[0] == pytest.approx(0.50105, abs=1e-5)


def test_decision_curve_treat_all_and_treat_none():
    y, p = _data(5)
    curve = decision_curve(y, p, [0.1, 0.3], n_bootstrap=0).set_index(["strategy", "threshold"])
    prev = y.mean()
    for pt in (0.1, 0.3):
        assert curve.loc[("treat_all", pt), "net_benefit"] == pytest.approx(
            prev - (1 - prev) * pt / (1 - pt))
        assert curve.loc[("treat_none", pt), "net_benefit"] == 0.0
        assert curve.loc[("model", pt), "net_benefit"] == pytest.approx(
            net_benefit(y, p, [pt])[0])


def test_one_class_gives_nan_with_a_reason_not_a_crash():
    values, note = compute_metrics([0, 0, 0, 0], [0.1, 0.2, 0.3, 0.9])
    assert np.isnan(values["auc"])
    assert np.isnan(values["calibration_slope"])
    assert np.isnan(values["sensitivity"])
    assert values["specificity"] == pytest.approx(0.75)
    assert values["brier"] == pytest.approx(np.mean(np.square([0.1, 0.2, 0.3, 0.9])))
    assert "only non-responders" in note


def test_separated_data_gives_nan_slope_with_a_reason():
    values, note = compute_metrics([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert values["auc"] == 1.0
    assert np.isnan(values["calibration_slope"])
    assert "separated" in note


@pytest.mark.parametrize(("y", "p", "message"), [
    ([0, 0, 1, 1], [0.3], r"got \(4,\) labels and \(1,\) probabilities"),
    ([0, 1, 2], [0.1, 0.5, 0.9], r"labels must be 0 or 1 .*\[2\.0\]"),
    ([0, 1], [0.2, np.nan], r"1 probabilities are missing or outside \[0, 1\] \(e\.g\. nan\)"),
    ([0, 1], [0.2, 1.5], r"outside \[0, 1\] \(e\.g\. 1\.5\)"),
])
def test_metrics_refuse_inputs_they_would_get_wrong(y, p, message):
    from irpredict.evaluation import bootstrap_metrics

    for metric in (roc_auc, pr_auc, brier, calibration_slope,
                   lambda y, p: sensitivity_specificity(y, p, 0.5),
                   lambda y, p: net_benefit(y, p, [0.2]), compute_metrics,
                   lambda y, p: bootstrap_metrics(y, p, n_bootstrap=10)):
        with pytest.raises(ValueError, match=message):
            metric(y, p)


def test_bootstrap_ci_is_a_coverage_between_0_and_1():
    from irpredict.evaluation import bootstrap_metrics

    with pytest.raises(ValueError, match="between 0 and 1 .*got 90"):
        bootstrap_metrics([0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6], ci=90)
