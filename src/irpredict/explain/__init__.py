"""SHAP explanations in terms of the original biomarkers.

:func:`explain` computes exact SHAP values in log-odds for every model
family irpredict fits (TreeSHAP for XGBoost and its random forest, linear
SHAP for logistic regression, the weighted mean of the members' values for
the log-odds averaging ensemble), routes rows of a per-therapy model like
``predict_proba`` does, and sums the values back to the biomarkers a
clinician knows (one-hot children, missingness indicators and kinetic
statistics of one biomarker together). For each patient the values plus the
base value equal the model's log-odds (for a
:class:`~irpredict.models.CalibratedModel`, the mean log-odds of the models it
calibrates, before calibration). :func:`global_importance` summarises
them per therapy class; :mod:`irpredict.explain.plots` draws them.
"""

from irpredict.explain.centring import centred_on_explained_rows
from irpredict.explain.explanation import Explanation, explain
from irpredict.explain.grouping import ALIASES, biomarker_of
from irpredict.explain.importance import global_importance, top_biomarkers

__all__ = [
    "ALIASES",
    "Explanation",
    "biomarker_of",
    "centred_on_explained_rows",
    "explain",
    "global_importance",
    "top_biomarkers",
]
