"""RECIST 1.1 / iRECIST response assessment and responder labels.

Pure pandas/numpy: time-point responses from tumour measurements
(:func:`timepoint_responses`, :func:`irecist_timepoints`), best overall
response with or without confirmation (:func:`best_overall_response`,
:func:`best_overall_iresponse`), both at once (:func:`assess_response`),
and binary labels for modelling (:func:`derive_labels`).

Examples
--------
>>> import pandas as pd
>>> from irpredict.response import assess_response
>>> ta = pd.DataFrame({"patient_id": ["p1"] * 3, "day": [-5, 56, 112],
...                    "target_sld_mm": [60.0, 40.0, 38.0]})
>>> assess_response(ta).bor["bor"].tolist()
['PR']
"""

from irpredict.response.bor import BOR_ORDER, best_overall_response
from irpredict.response.irecist import (
    IRECIST_ORDER,
    IRecistWindowWarning,
    best_overall_iresponse,
    irecist_timepoints,
)
from irpredict.response.labels import (
    CRITERIA,
    LABEL_ALIASES,
    LABEL_DEFINITIONS,
    ResponseAssessment,
    assess_response,
    derive_labels,
)
from irpredict.response.timepoint import (
    NONTARGET_VALUES,
    REL_TOL,
    RESPONSE_CODES,
    at_least,
    check_tumor_assessments,
    overall_response,
    target_response,
    timepoint_responses,
)

__all__ = [
    "BOR_ORDER",
    "CRITERIA",
    "IRECIST_ORDER",
    "LABEL_ALIASES",
    "LABEL_DEFINITIONS",
    "NONTARGET_VALUES",
    "REL_TOL",
    "RESPONSE_CODES",
    "IRecistWindowWarning",
    "ResponseAssessment",
    "assess_response",
    "at_least",
    "best_overall_iresponse",
    "best_overall_response",
    "check_tumor_assessments",
    "derive_labels",
    "irecist_timepoints",
    "overall_response",
    "target_response",
    "timepoint_responses",
]
