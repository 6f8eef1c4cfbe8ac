"""The reviewer report: one self-contained HTML file per training run.

:func:`build_report` reads a parent training run from MLflow (child-run
metrics with CIs, logged calibration and decision curves, the data
fingerprint and experiment file), recomputes SHAP summaries and subgroup
AUCs with the run's model on the study cohort, and renders everything with
a TRIPOD+AI checklist into one HTML document (CSS inline, images embedded
as base64 PNG, no external references). :func:`log_report` stores it with
the run as ``report/report.html``.

Examples
--------
>>> from irpredict.report import build_report, log_report  # doctest: +SKIP
>>> html, record, analysis = build_report("<run id>")        # doctest: +SKIP
>>> log_report("<run id>", html)                             # doctest: +SKIP
"""

from irpredict.report.build import REPORT_ARTIFACT, build_report, log_report, render_report
from irpredict.report.tripod import NOT_RECORDED, tripod_items

__all__ = [
    "NOT_RECORDED",
    "REPORT_ARTIFACT",
    "build_report",
    "log_report",
    "render_report",
    "tripod_items",
]
