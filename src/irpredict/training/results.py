"""A study's results as Markdown (``experiments/results/<study>.md``)."""

from datetime import date

__all__ = ["results_markdown"]


def _fmt(value, spec=".3f"):
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def _oracle(experiment):
    """Oracle AUC per therapy class of a simulated study (from the simulator's truth)."""
    spec = getattr(experiment.data, "simulate", None) if experiment is not None else None
    if not spec or getattr(experiment.data, "response_label", None):
        return {}  # the oracle is of the simulator's own label, not one derived otherwise
    truth = experiment.simulate().truth
    return {name: info.get("oracle_auc") for name, info in truth["classes"].items()}


def _published(experiment):
    evaluation = (experiment.raw.get("evaluation") or {}) if experiment is not None else {}
    return evaluation.get("published_auc") or {}, evaluation.get("published_note", "")


def results_markdown(result, experiment, settings, command, table):
    """Render the results of one ``train`` as Markdown.

    Parameters
    ----------
    result : irpredict.training.runner.TrainResult
    experiment : irpredict.experiment.Experiment
    settings : irpredict.training.ModelSettings
    command : str
        The command line that produced it.
    table : pandas.DataFrame
        :func:`irpredict.training.runner.results_table` output.

    Returns
    -------
    str
    """
    published, note = _published(experiment)
    oracle = _oracle(experiment)
    lines = [
        f"# {experiment.name}: out-of-fold performance",
        "",
        f"{experiment.description}",
        "",
        f"Produced on {date.today().isoformat()} by `{command}` (MLflow run `{result.run_id}`).",
        "",
        *([f"Label: {result.final.label_definition}.", ""]
          if getattr(result.final, "label_definition", "") else []),
        f"Nested cross-validation: {settings.outer_folds} outer x {settings.inner_folds} inner "
        f"folds, {settings.repeats} repeat(s), seed {settings.seed}; families "
        f"{', '.join(settings.families)}; calibration candidates "
        f"{', '.join(settings.calibration)}. Every figure comes from out-of-fold predictions; "
        + (f"95% CIs from {settings.n_bootstrap} bootstrap resamples of patients (within "
           "responders and non-responders for AUC, sensitivity and specificity; freely for the "
           "rest, whose values depend on the response rate). " if settings.n_bootstrap else
           "no CIs (n_bootstrap = 0: no bootstrap resamples). ")
        + "AUC is the AUC of all pooled out-of-fold predictions"
        + (" of a repeat, averaged over the repeats (every metric is)"
           if settings.repeats > 1 else "")
        + "; 'mean fold AUC' is the mean of the per-fold AUCs, shown beside it.",
        "",
        (f"Registered model: `{result.registered}` (version {result.version}) = "
         if result.registered else
         f"Final model (logged, not registered: `--no-register`): `{result.model_uri}` = ")
        + f"feature set `{result.final.feature_set}`, family `{result.final.family}`, "
        + ("chosen after training for the highest pooled out-of-fold AUC (`final_family = "
           "\"best\"`: its AUC is optimistic, see the notes)"
           if settings.final_family == "best" else "declared in the experiment file before "
           "training") + " and refitted on all patients.",
        "",
    ]
    header = ["therapy class", "feature set", "model", "n (resp.)",
              "AUC [95% CI]" if settings.n_bootstrap else "AUC",
              "mean fold AUC", "Brier", "cal. slope"]
    if published:
        header.append("published AUC")
    if oracle:
        header.append("oracle AUC")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table.itertuples():
        cells = [row.therapy_class, row.feature_set, row.model, f"{row.n} ({row.responders})",
                 f"{_fmt(row.auc)} [{_fmt(row.auc_low)}-{_fmt(row.auc_high)}]"
                 if settings.n_bootstrap else _fmt(row.auc),
                 _fmt(row.auc_mean_of_folds), _fmt(row.brier), _fmt(row.cal_slope, ".2f")]
        if published:
            cells.append(_fmt(published.get(row.feature_set)) if row.therapy_class == "overall"
                         else "")
        if oracle:
            cells.append(_fmt(oracle.get(row.therapy_class)))
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    if oracle:
        lines += ["", "Oracle AUC: the AUC of each simulated patient's true response probability "
                  "(truth.json) against the observed label: the ceiling for a model of "
                  "pre-treatment data. On-treatment kinetics follow each patient's latent "
                  "response depth, which includes the response noise the oracle cannot know, "
                  "so on-treatment feature sets can exceed it."]
    if note:
        lines += ["", note.strip()]
    if result.notes:
        lines += ["", *[f"- {n}" for n in result.notes]]
    return "\n".join(lines) + "\n"
