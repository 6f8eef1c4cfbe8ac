"""TRIPOD+AI checklist items filled from what a training run recorded.

The items follow the reporting topics of TRIPOD+AI (Collins et al., BMJ
2024;385:e078378) that a reviewer of a prediction model looks for. Each is
filled from the run (params, child-run settings and metrics, the logged
experiment file, the data fingerprint) or marked ``"not recorded"``: a run
cannot know, for instance, the study dates or whether patients were involved.
"""

import tomllib

__all__ = ["NOT_RECORDED", "tripod_items"]

NOT_RECORDED = "not recorded"


def _toml(record):
    if not record.experiment_toml:
        return {}
    try:
        return tomllib.loads(record.experiment_toml)
    except tomllib.TOMLDecodeError:
        return {}


def _item(topic, text):
    return {"topic": topic, "text": text or NOT_RECORDED, "recorded": bool(text)}


def _source(config, record):
    data = config.get("data", {})
    study = config.get("study", {})
    parts = []
    if "simulate" in data:
        parts.append(f"simulated cohort ({data['simulate']})")
    if data.get("source"):
        parts.append(f"table {data['source']}")
    if study.get("reference"):
        parts.append(f"reference: {study['reference']}")
    if study.get("description"):
        parts.append(study["description"])
    if record.fingerprint:
        parts.append(f"data SHA-256 {record.fingerprint.get('sha256', '')[:16]}...")
    return "; ".join(parts)


def _eligibility(record):
    fp = record.fingerprint or {}
    if not fp.get("patients"):
        return ""
    classes = ", ".join(f"{k} {v}" for k, v in fp["patients"].items())
    return (f"{fp.get('n_patients')} patients with a therapy class ({classes}); eligibility "
            "criteria and dates of the source study are not recorded in the run")


def _outcome(config, record):
    data = config.get("data", {})
    label = data.get("label")
    derived = record.params.get("data.label_definition")
    if not label and not derived:
        return ""
    text = (f"binary response: {derived}" if derived else
            f"binary response from column {label!r}")
    if data.get("label_map"):
        text += f" mapped {data['label_map']}"
    fp = record.fingerprint or {}
    if fp.get("n_responders") is not None:
        known = fp.get("n_labelled", fp.get("n_patients"))
        text += f"; {fp['n_responders']} responders of {known}"
        if known != fp.get("n_patients"):
            text += (f" patients with a label ({fp.get('n_patients') - known} of "
                     f"{fp.get('n_patients')} have none and were left out)")
    return text


def _predictors(config, children):
    sets = config.get("feature_sets", {})
    if not sets and not children:
        return ""
    landmarks = {c["feature_set"]: c["params"].get("landmark_days") for c in children}
    widths = {c["feature_set"]: c["params"].get("n_features") for c in children}
    lines = []
    # the sets this run trained (its child runs); the file's other sets were not
    for name in sorted(set(landmarks) or set(sets)):
        entries = sets.get(name)
        if isinstance(entries, dict):  # a table: columns, sensitivity, description
            entries = entries.get("columns")
        shown = (", ".join(entries[:12]) + (" ..." if len(entries) > 12 else "")
                 if entries else "")
        day = landmarks.get(name)
        # a set of patients-table columns reads no measurement, whatever its landmark
        series = entries is None or any(str(e).startswith("measurements:") for e in entries)
        width = f"; {widths[name]} input columns" if widths.get(name) else ""
        if day and series and float(day) > 0:
            lines.append(f"{name}: {shown} (measurements up to landmark day {float(day):g}"
                         f"{width})")
        elif series and day is not None:
            lines.append(f"{name}: {shown} (baseline values of measurements{width})")
        else:
            lines.append(f"{name}: {shown} (patients-table columns only{width})")
    return "; ".join(lines)


def _sample_size(record):
    fp = record.fingerprint or {}
    if not fp.get("responders"):
        return ""
    per = ", ".join(f"{k}: {fp['patients'].get(k, '?')} patients / {v} responders"
                    for k, v in fp["responders"].items())
    return per + ". No formal sample-size calculation is recorded."


def _model_type(record, children):
    if not children:
        return ""
    params = children[0]["params"]
    families = sorted({c["family"] for c in children})
    return (f"families {', '.join(families)}, {_routing(record, params)}; hyperparameters tuned in "
            f"{params.get('inner_folds')}-fold inner CV; post-hoc calibration "
            f"{params.get('calibration')}; final model {record.params.get('final_model', '?')}")


def _routing(record, params):
    """Which classes had a model of their own, from the data fingerprint's counts."""
    import numpy as np

    from irpredict.models.per_therapy import own_model_classes

    limits = (f"min {params.get('min_patients')} patients, {params.get('min_responders')} "
              "responders and non-responders")
    fp = record.fingerprint or {}
    responders = fp.get("responders") or {}
    labelled = {k: (fp.get("labelled") or {}).get(k, fp.get("patients", {}).get(k))
                for k in responders}
    try:
        counts = {k: (int(labelled[k]), int(responders[k])) for k in responders}
        own = own_model_classes(
            np.repeat(list(counts), [n for n, _ in counts.values()]),
            np.concatenate([np.r_[np.ones(r), np.zeros(n - r)] for n, r in counts.values()]),
            min_patients=int(params.get("min_patients")),
            min_responders=int(params.get("min_responders")))
    except (TypeError, ValueError):  # counts or limits not recorded
        return f"one classifier per therapy class (pooled model for small classes: {limits})"
    pooled = [k for k in counts if k not in own]
    if not own:
        return f"one pooled model with therapy-class indicators for every class ({limits})"
    return (f"one classifier per therapy class for {', '.join(own)}"
            + (f"; the pooled model with therapy-class indicators for {', '.join(pooled)} "
               f"({limits})" if pooled else ""))


def _validation(children):
    if not children:
        return ""
    p = children[0]["params"]
    return (f"nested cross-validation: {p.get('outer_folds')} outer folds x "
            f"{p.get('repeats')} repeat(s), {p.get('inner_folds')} inner folds, split by patient "
            f"(grouped by site: {p.get('grouped_by_site')}); all metrics out-of-fold; no "
            "external validation in this run")


def _performance(children):
    if not children:
        return ""
    metrics = sorted({m for c in children for m in c["metrics"]["metric"]})
    shown = [m for m in ("auc", "pr_auc", "brier", "sensitivity", "specificity", "net_benefit")
             if m in metrics]
    return (f"{', '.join(shown)} per therapy class and overall, with percentile bootstrap 95% "
            "CIs (see Performance)")


def _calibration(children):
    if not children:
        return ""
    has = any("calibration_slope" in set(c["metrics"]["metric"]) for c in children)
    return ("calibration intercept and slope with bootstrap CIs; calibration and decision curves "
            "of out-of-fold predictions (see Calibration)") if has else ""


def _subgroups(analysis):
    if analysis is None or not analysis.available or analysis.subgroups is None \
            or analysis.subgroups.empty:
        return ""
    names = sorted(analysis.subgroups["subgroup"].unique())
    return (f"AUC with CI by {', '.join(names)} from a 5-fold cross-fit of the final model's "
            "configuration (see Subgroups)")


def _missing(children):
    if not children:
        return ""
    return ("missing predictor values are imputed inside the model pipeline, refitted in every "
            "cross-validation fold (no complete-case exclusion of patients with a label); the "
            "extent of missingness per predictor is not recorded in the run")


def tripod_items(record, analysis=None):
    """The checklist rows of the report.

    Parameters
    ----------
    record : irpredict.report._collect.RunRecord
    analysis : irpredict.report._analysis.CohortAnalysis or None

    Returns
    -------
    list of dict
        ``item`` (row number; TRIPOD+AI's own item numbers are not
        claimed), ``topic``, ``text`` and ``recorded`` (False when the text
        is :data:`NOT_RECORDED`).
    """
    config = _toml(record)
    children = record.children
    env = record.environment or {}
    limitations = ("internal validation only; performance may not transport to other sites, "
                   "lines of therapy or assays; per-class probabilities are associations among "
                   "similar treated patients, not causal effects")
    if analysis is not None and not analysis.available:
        limitations += f"; SHAP and subgroup results missing: {analysis.reason}"
    items = [
        _item("Source of data (and dates)", _source(config, record)),
        _item("Eligibility and setting", _eligibility(record)),
        _item("Outcome definition and timing", _outcome(config, record)),
        _item("Predictors and their timing relative to the landmark",
              _predictors(config, children)),
        _item("Sample size", _sample_size(record)),
        _item("Missing data handling", _missing(children)),
        _item("Model type and hyperparameter tuning", _model_type(record, children)),
        _item("Internal validation", _validation(children)),
        _item("Performance measures with CIs", _performance(children)),
        _item("Calibration", _calibration(children)),
        _item("Class imbalance handling",
              "natural prevalence kept; no resampling" if children else ""),
        _item("Fairness: performance in subgroups", _subgroups(analysis)),
        _item("Model availability",
              f"MLflow model {record.model_uri} (run {record.run_id})"
              if record.model_uri else ""),
        _item("Code and software versions", _code_versions(env) if env else ""),
        _item("Protocol / registration", ""),
        _item("Patient and public involvement", ""),
        _item("Limitations and generalisability", limitations),
    ]
    for number, item in enumerate(items, start=1):
        item["item"] = number
    return items


def _code_versions(env):
    """Versions and commits, saying when the code or the experiment file had uncommitted
    changes (the commit alone would not reproduce the run)."""
    def commit(prefix):
        sha = env.get(f"{prefix}git_commit")
        if not sha:
            return NOT_RECORDED
        dirty = env.get(f"{prefix}git_dirty")
        return sha + (" with uncommitted changes" if dirty in (True, "true") else "")

    text = (f"irpredict {env.get('versions', {}).get('irpredict', '?')}, Python "
            f"{env.get('python', '?')}, git {commit('')}")
    if env.get("experiment.git_commit"):
        text += f"; experiment file's repository: git {commit('experiment.')}"
    return text
