"""Honest evaluation: nested CV, metrics with bootstrap CIs, calibration, decision curves.

Every number comes from out-of-fold (:func:`nested_cv`) or external
(:func:`evaluate_external`) predictions and is returned as a tidy pandas
DataFrame, per therapy class and overall. Plots live in
:mod:`irpredict.evaluation.plots` (imported on demand: it loads matplotlib).
"""

from irpredict.evaluation.bootstrap import bootstrap_metrics, percentile_ci, stratified_indices
from irpredict.evaluation.calibration import calibration_table, smooth_calibration
from irpredict.evaluation.cv import NestedCVResult, make_strata, nested_cv, outer_splits
from irpredict.evaluation.decision_curve import DEFAULT_THRESHOLDS, decision_curve
from irpredict.evaluation.metrics import (
    METRICS,
    brier,
    calibration_intercept,
    calibration_slope,
    compute_metrics,
    net_benefit,
    pr_auc,
    roc_auc,
    sensitivity_specificity,
)
from irpredict.evaluation.summary import (
    OVERALL,
    decision_curves,
    evaluate_external,
    predict_frame,
    summarize_predictions,
    to_wide,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "METRICS",
    "NestedCVResult",
    "OVERALL",
    "bootstrap_metrics",
    "brier",
    "calibration_intercept",
    "calibration_slope",
    "calibration_table",
    "compute_metrics",
    "decision_curve",
    "decision_curves",
    "evaluate_external",
    "make_strata",
    "nested_cv",
    "net_benefit",
    "outer_splits",
    "percentile_ci",
    "pr_auc",
    "predict_frame",
    "roc_auc",
    "sensitivity_specificity",
    "smooth_calibration",
    "stratified_indices",
    "summarize_predictions",
    "to_wide",
]
