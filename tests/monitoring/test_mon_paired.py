"""Paired differences between two models' out-of-fold predictions of the same patients."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from irpredict.monitoring import paired_auc_difference, paired_difference


def _oof(ids, y, probs):
    """Out-of-fold frame with one block of rows per repeat (``probs`` is a list)."""
    return pd.concat([pd.DataFrame({"patient_id": ids, "repeat": r, "y": y, "prob": p})
                      for r, p in enumerate(probs)], ignore_index=True)


@pytest.fixture
def two_models():
    rng = np.random.default_rng(3)
    n = 300
    ids = [f"P{i:04d}" for i in range(n)]
    signal = rng.normal(size=n)
    y = (signal + rng.logistic(size=n) > 0).astype(int)
    sharp = 1 / (1 + np.exp(-1.5 * signal))
    vague = 1 / (1 + np.exp(-(0.4 * signal + rng.normal(0, 1, n))))
    return ids, y, sharp, vague


def test_estimates_equal_the_plain_metric_differences(two_models):
    ids, y, sharp, vague = two_models
    auc = paired_difference(_oof(ids, y, [sharp]), _oof(ids, y, [vague]), metric="auc",
                            n_bootstrap=200)
    brier = paired_difference(_oof(ids, y, [sharp]), _oof(ids, y, [vague]), metric="brier",
                              n_bootstrap=200)
    assert auc[0] == pytest.approx(roc_auc_score(y, sharp) - roc_auc_score(y, vague))
    assert brier[0] == pytest.approx(brier_score_loss(y, sharp) - brier_score_loss(y, vague))
    assert auc[1] < auc[0] < auc[2]
    assert brier[1] < brier[0] < brier[2]


def test_a_clearly_better_model_has_an_interval_on_the_right_side_of_zero(two_models):
    ids, y, sharp, vague = two_models
    _, auc_low, _ = paired_difference(_oof(ids, y, [sharp]), _oof(ids, y, [vague]),
                                      metric="auc", n_bootstrap=300)
    _, _, brier_high = paired_difference(_oof(ids, y, [sharp]), _oof(ids, y, [vague]),
                                         metric="brier", n_bootstrap=300)
    assert auc_low > 0
    assert brier_high < 0  # lower Brier score is better


def test_the_same_predictions_differ_by_exactly_zero(two_models):
    ids, y, sharp, _ = two_models
    for metric in ("auc", "brier"):
        assert paired_difference(_oof(ids, y, [sharp]), _oof(ids, y, [sharp]), metric=metric,
                                 n_bootstrap=100) == (0.0, 0.0, 0.0)


def test_repeats_are_averaged_and_only_common_patients_compared(two_models):
    ids, y, sharp, vague = two_models
    a = _oof(ids, y, [sharp, vague])  # two repeats
    b = _oof(ids[:200], y[:200], [vague[:200]])  # a hundred patients fewer
    est, _, _ = paired_difference(a, b, metric="brier", n_bootstrap=0)
    expected = (np.mean([brier_score_loss(y[:200], sharp[:200]),
                         brier_score_loss(y[:200], vague[:200])])
                - brier_score_loss(y[:200], vague[:200]))
    assert est == pytest.approx(expected)


def test_auc_wrapper_matches_the_general_function(two_models):
    ids, y, sharp, vague = two_models
    a, b = _oof(ids, y, [sharp]), _oof(ids, y, [vague])
    assert paired_auc_difference(a, b, n_bootstrap=50) == paired_difference(
        a, b, metric="auc", n_bootstrap=50)


def test_one_label_only_gives_nan(two_models):
    ids, _, sharp, vague = two_models
    y = np.ones(len(ids), dtype=int)
    assert all(np.isnan(paired_difference(_oof(ids, y, [sharp]), _oof(ids, y, [vague]))))


def test_an_unknown_metric_is_refused(two_models):
    ids, y, sharp, vague = two_models
    with pytest.raises(ValueError, match="metric must be one of"):
        paired_difference(_oof(ids, y, [sharp]), _oof(ids, y, [vague]), metric="accuracy")
