"""Render a training run into one self-contained HTML file and log it with the run."""

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from irpredict.report._analysis import CohortAnalysis, analyse_cohort
from irpredict.report._collect import collect_run
from irpredict.report.tripod import tripod_items

__all__ = ["REPORT_ARTIFACT", "build_report", "log_report", "render_report"]

#: Where the report is logged in the run's artifacts.
REPORT_ARTIFACT = "report/report.html"
_FIGURE_ORDER = ("calibration", "decision_curve", "roc")


def _ci(row, metric, digits=3):
    import math

    est = row.get(("estimate", metric))
    if est is None or math.isnan(est):
        return "n/a"
    low, high = row.get(("ci_low", metric)), row.get(("ci_high", metric))
    if low is None or math.isnan(low):
        return f"{est:.{digits}f}"
    sep = " to " if min(low, high) < 0 else "-"  # [-0.32 to -0.09], not [-0.32--0.09]
    return f"{est:.{digits}f} [{low:.{digits}f}{sep}{high:.{digits}f}]"


def _performance_rows(metrics):
    wide = metrics.pivot_table(index="therapy_class", columns="metric",
                               values=["estimate", "ci_low", "ci_high"], dropna=False)
    order = sorted(i for i in wide.index if i != "overall") + (
        ["overall"] if "overall" in wide.index else [])
    rows = []
    for group in order:
        row = wide.loc[group].to_dict()
        n, resp = row.get(("estimate", "n_patients")), row.get(("estimate", "n_responders"))
        rows.append({"therapy_class": group,
                     "n": f"{n:.0f} ({resp:.0f})" if n == n and resp == resp else "n/a",
                     "auc": _ci(row, "auc"), "pr_auc": _ci(row, "pr_auc"),
                     "brier": _ci(row, "brier"),
                     "intercept": _ci(row, "calibration_intercept", 2),
                     "slope": _ci(row, "calibration_slope", 2),
                     "sensitivity": _ci(row, "sensitivity"),
                     "specificity": _ci(row, "specificity"),
                     "net_benefit": _ci(row, "net_benefit"),
                     "treat_all": _ci(row, "net_benefit_treat_all")})
    return rows


def _children_context(record):
    final = record.params.get("final_model")
    out = []
    for child in record.children:
        figs = sorted(child["figures"].items(),
                      key=lambda kv: (_FIGURE_ORDER.index(kv[0]) if kv[0] in _FIGURE_ORDER
                                      else len(_FIGURE_ORDER), kv[0]))
        out.append({"name": child["name"], "final": child["name"] == final,
                    "rows": _performance_rows(child["metrics"]), "figures": figs,
                    "threshold": child["params"].get("threshold")})
    return out


def _cohort_rows(fingerprint):
    if not fingerprint or not fingerprint.get("patients"):
        return []
    rows = []
    responders = fingerprint.get("responders", {})
    labelled = fingerprint.get("labelled", {})

    def row(klass, n, r, known):
        known = n if known is None else known  # runs logged before label counts were kept
        shown = n if known == n else f"{n} ({known} labelled)"
        return {"therapy_class": klass, "patients": shown,
                "responders": "n/a" if r is None else r,
                "rate": "n/a" if r is None or not known else f"{r / known:.1%}"}

    for klass, n in sorted(fingerprint["patients"].items()):
        rows.append(row(klass, n, responders.get(klass), labelled.get(klass)))
    rows.append(row("all", fingerprint.get("n_patients"), fingerprint.get("n_responders"),
                    fingerprint.get("n_labelled")))
    return rows


def _subgroup_rows(analysis):
    if not analysis.available or analysis.subgroups is None:
        return []
    rows = []
    for r in analysis.subgroups.to_dict("records"):
        auc = ("n/a (fewer than 5 responders or non-responders)" if r["auc"] != r["auc"] else
               f"{r['auc']:.3f}" if r["ci_low"] != r["ci_low"] else  # no bootstrap: no CI
               f"{r['auc']:.3f} [{r['ci_low']:.3f}-{r['ci_high']:.3f}]")
        rows.append({**r, "auc": auc})
    return rows


def _top_table(analysis, k):
    if not analysis.available:
        return []
    imp = analysis.importance
    return [(therapy, list(block.sort_values("rank")["biomarker"].head(k)))
            for therapy, block in imp.groupby("therapy_class", sort=True)]


def render_report(record, analysis):
    """The report HTML of a collected run.

    Parameters
    ----------
    record : irpredict.report._collect.RunRecord
    analysis : irpredict.report._analysis.CohortAnalysis

    Returns
    -------
    str
        One HTML document: CSS inline, images as base64 ``data:`` URIs, no
        external references.
    """
    import jinja2

    from irpredict import __version__

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("irpredict.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined)
    top_n = 5
    context = {
        "study": record.study, "run_id": record.run_id, "version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "final_model": record.params.get("final_model", "not recorded"),
        "model_uri": record.model_uri, "cohort_rows": _cohort_rows(record.fingerprint),
        "children": _children_context(record), "analysis": analysis,
        "importance_figs": sorted(analysis.importance_png.items()),
        "top_table": _top_table(analysis, top_n), "top_n": top_n,
        "subgroup_rows": _subgroup_rows(analysis),
        "fingerprint": json.dumps(record.fingerprint, indent=2) if record.fingerprint else "",
        "experiment_toml": record.experiment_toml or "",
        "tripod": tripod_items(record, analysis),
    }
    return env.get_template("report.html.j2").render(**context)


def build_report(run_id, *, tracking_uri=None, experiment=None, n_bootstrap=200):
    """Build the report of a training run.

    Parameters
    ----------
    run_id : str
        Parent run id printed by ``irpredict train``.
    tracking_uri : str or None
    experiment : path-like or None
        Experiment file to read the cohort from for SHAP and subgroup
        results; ``None`` uses the copy logged with the run.
    n_bootstrap : int, default=200
        Resamples per subgroup AUC interval.

    Returns
    -------
    html : str
    record : irpredict.report._collect.RunRecord
    analysis : irpredict.report._analysis.CohortAnalysis

    Raises
    ------
    ExperimentConfigError
        When the run does not exist or is a child run.
    """
    with tempfile.TemporaryDirectory(prefix="irpredict-report-") as tmp:
        record = collect_run(run_id, tmp, tracking_uri=tracking_uri)
        analysis = (analyse_cohort(record, tracking_uri=tracking_uri, experiment=experiment,
                                   n_bootstrap=n_bootstrap)
                    if record.children else CohortAnalysis(reason="the run has no child runs"))
        return render_report(record, analysis), record, analysis


def log_report(run_id, html, *, tracking_uri=None):
    """Log the report HTML as the run's artifact :data:`REPORT_ARTIFACT`.

    Parameters
    ----------
    run_id : str
    html : str
    tracking_uri : str or None
    """
    from irpredict.tracking import get_client
    from irpredict.tracking.store import with_retry

    client = get_client(tracking_uri)
    folder, name = REPORT_ARTIFACT.split("/")
    with tempfile.TemporaryDirectory(prefix="irpredict-report-") as tmp:
        copy = Path(tmp, name)
        copy.write_text(html, encoding="utf-8")
        with_retry(client.log_artifact, run_id, str(copy), folder)
