"""What the report recomputes on the study's cohort: SHAP summaries and subgroup metrics.

The run's out-of-fold predictions carry hashed patient ids, so they cannot
be joined back to patient attributes (site, HER2, ER). Subgroup metrics are
therefore recomputed from a cross-fit of the registered configuration
(:func:`irpredict.training.crossfit.crossfit_scores`): every patient is
scored by a copy of the model fitted without that patient's fold, so the
subgroup AUCs are out-of-fold, but they come from one 5-fold split of the
final configuration rather than from the nested CV of the run.
"""

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CohortAnalysis", "analyse_cohort", "SUBGROUP_COLUMNS"]

#: Subgroup label -> candidate patients-table columns (first present is used).
SUBGROUP_COLUMNS = {
    "site": ("site",),
    "HER2 status": ("her2_status", "her2", "HER2.status", "her2_ihc"),
    "ER status": ("er_status", "er", "ER.status"),
}


@dataclass
class CohortAnalysis:
    """Recomputed results, or the reason they are missing.

    Attributes
    ----------
    available : bool
    reason : str
        Why nothing was recomputed (empty when ``available``).
    importance : pandas.DataFrame or None
        :func:`irpredict.explain.global_importance` output.
    importance_png : dict of str to str
        Therapy class -> base64 PNG of the importance bar chart.
    waterfalls : list of dict
        ``label``, ``therapy_class``, ``prob``, ``png`` (base64) for 3
        example patients (lowest, median and highest predicted probability;
        no patient identifier, since the run's artifacts hold none).
    subgroups : pandas.DataFrame or None
        Columns ``subgroup``, ``level``, ``n``, ``n_responders``, ``auc``,
        ``ci_low``, ``ci_high``.
    n_patients : int
    calibrated : bool
        Whether the final model's probabilities are post-hoc calibrated (its
        SHAP values explain the log-odds before calibration).
    """

    available: bool = False
    reason: str = ""
    importance: object = None
    importance_png: dict = field(default_factory=dict)
    waterfalls: list = field(default_factory=list)
    subgroups: object = None
    n_patients: int = 0
    calibrated: bool = False


def _png(fig):
    import base64
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _examples(explanation):
    prob = explanation.prob.sort_values(kind="stable")
    picks = [prob.index[0], prob.index[len(prob) // 2], prob.index[-1]]
    return list(dict.fromkeys(picks))


_SUBGROUP_FIELDS = ["subgroup", "level", "n", "n_responders", "auc", "ci_low", "ci_high"]


def _subgroup_levels(patients, index):
    """(subgroup, level, mask) for every level of every subgroup column present."""
    import numpy as np

    levels = [("all patients", "all", np.ones(len(index), dtype=bool))]
    by_folded = {}
    for c in patients.columns:  # 'ER' or 'Site' as a table may write them
        by_folded.setdefault(str(c).casefold(), c)
    for label, candidates in SUBGROUP_COLUMNS.items():
        col = next((by_folded[c.casefold()] for c in candidates if c.casefold() in by_folded),
                   None)
        if col is None:
            continue
        values = patients[col].reindex(index).dropna().astype(str).reindex(index)
        counts = values.value_counts()
        shown = sorted(counts.index[:MAX_LEVELS])
        levels += [(f"{label} ({col})", level, (values == level).to_numpy()) for level in shown]
        rest = counts.index[MAX_LEVELS:]
        if len(rest):  # e.g. 150 sites: the largest, then the others together
            levels.append((f"{label} ({col})", f"{len(rest)} smaller levels together",
                           values.isin(rest).to_numpy()))
    return levels


#: Levels of one subgroup column shown one by one (the largest); the others are pooled.
MAX_LEVELS = 12
#: Fewest responders and non-responders for a subgroup's AUC (as for a therapy class).
MIN_OUTCOMES = 5


def _subgroup_rows(patients, y, scores, n_bootstrap, random_state):
    import numpy as np
    import pandas as pd

    from irpredict.evaluation.bootstrap import bootstrap_metrics

    levels = _subgroup_levels(patients, scores.index)
    if len(levels) == 1:  # no subgroup column: nothing to compare
        return pd.DataFrame(columns=_SUBGROUP_FIELDS)
    rows = []
    for name, level, in_level in levels:
        mask = in_level & y.notna().to_numpy()
        yy, pp = y[mask].astype(int).to_numpy(), scores[mask].to_numpy()
        row = dict(zip(_SUBGROUP_FIELDS, [name, level, int(mask.sum()), int(yy.sum()),
                                          np.nan, np.nan, np.nan], strict=True))
        if min(yy.sum(), len(yy) - yy.sum()) >= MIN_OUTCOMES:  # else a CI of width 0 at 1.000
            table = bootstrap_metrics(yy, pp, n_bootstrap=n_bootstrap,
                                      random_state=random_state).set_index("metric")
            row.update(auc=table.loc["auc", "estimate"], ci_low=table.loc["auc", "ci_low"],
                       ci_high=table.loc["auc", "ci_high"])
        rows.append(row)
    return pd.DataFrame(rows, columns=_SUBGROUP_FIELDS)


def analyse_cohort(record, *, tracking_uri=None, experiment=None, n_bootstrap=200,
                   random_state=0):
    """Recompute SHAP summaries and subgroup metrics with the run's model.

    Parameters
    ----------
    record : irpredict.report._collect.RunRecord
    tracking_uri : str or None
    experiment : path-like or None
        Experiment file to read the cohort from; ``None`` uses the run's
        logged copy (whose relative data paths may no longer resolve).
    n_bootstrap : int, default=200
        Resamples per subgroup AUC interval.
    random_state : int, default=0

    Returns
    -------
    CohortAnalysis
        ``available=False`` with a reason when the model or cohort cannot
        be loaded.
    """
    import matplotlib

    matplotlib.use("Agg")
    from irpredict.exceptions import IRPredictError
    from irpredict.experiment import load_experiment
    from irpredict.explain import explain, global_importance
    from irpredict.explain.plots import plot_importance, plot_waterfall
    from irpredict.tracking.fingerprint import cohort_fingerprint
    from irpredict.training.crossfit import cohort_sites, crossfit_scores
    from irpredict.training.publish import load_response_model

    source = experiment or record.experiment_path
    if record.model_uri is None:
        return CohortAnalysis(reason="the run has no logged model")
    if source is None:
        return CohortAnalysis(reason="the run has no logged experiment file")
    try:
        logged_dir = record.tags.get("irpredict.experiment_dir")
        folder = None
        if experiment is None and logged_dir and Path(logged_dir).is_dir():
            folder = logged_dir  # resolve the logged copy's data paths as training did
        cohort = load_experiment(source, folder=folder).load_cohort()
    except (IRPredictError, OSError) as exc:
        message = str(exc)
        if experiment is None:  # name the logged copy, not where it was downloaded
            message = message.replace(str(source), f"provenance/{source.name} of the run")
        return CohortAnalysis(reason=f"the cohort could not be loaded from the experiment file "
                                     f"({message}); rerun with --experiment pointing at a copy "
                                     "whose data paths resolve")
    trained_on = (record.fingerprint or {}).get("sha256")
    now = cohort_fingerprint(cohort)["sha256"]
    if trained_on and now != trained_on:
        return CohortAnalysis(reason=f"the cohort's data changed since the run (fingerprint "
                                     f"{trained_on[:12]} when trained, {now[:12]} now), so SHAP "
                                     "values and subgroup AUCs would describe other data; "
                                     "restore the files the run read, or train again")
    model = load_response_model(record.model_uri, tracking_uri=tracking_uri)
    X, y = model.frame_from_cohort(cohort)
    explanation = explain(model.classifier, X)
    import numpy as np

    implied = 1 / (1 + np.exp(-explanation.margin.to_numpy(dtype=float)))
    result = CohortAnalysis(available=True, n_patients=len(X), calibrated=bool(
        np.abs(implied - explanation.prob.to_numpy(dtype=float)).max() > 1e-3))
    result.importance = global_importance(explanation)
    for therapy in sorted(explanation.therapy_class.unique()):
        result.importance_png[therapy] = _png(plot_importance(explanation, therapy, top=10))
    labels = ("lowest predicted probability", "median predicted probability",
              "highest predicted probability")
    for label, pid in zip(labels, _examples(explanation), strict=False):
        fig = plot_waterfall(explanation, pid, max_display=10)
        fig.axes[0].set_title(f"Example patient: {label}")  # no identifier in the report
        result.waterfalls.append({
            "label": label, "therapy_class": str(explanation.therapy_class.loc[pid]),
            "prob": float(explanation.prob.loc[pid]), "png": _png(fig)})
    if y is not None and y.notna().any():
        scores = crossfit_scores(model, X, y, random_state=random_state,
                                 sites=cohort_sites(cohort, X))
        patients = cohort.patients.set_index("patient_id")
        result.subgroups = _subgroup_rows(patients, y, scores, n_bootstrap, random_state)
    return result
