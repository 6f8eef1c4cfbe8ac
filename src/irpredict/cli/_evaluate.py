"""`irpredict evaluate`: score a trained model on an external cohort."""

from contextlib import contextmanager
from pathlib import Path

import typer

__all__ = ["command"]


def _open_unit_interval(value):
    if value is not None and not 0 < value < 1:
        raise typer.BadParameter(f"{value} is not a probability strictly between 0 and 1 "
                                 "(e.g. 0.5).")
    return value


def command(
    model: str = typer.Option(..., "--model", "-m",
                              help="Model URI (models:/<study>@champion), run id or folder."),
    data: Path = typer.Option(..., "--data", "-d",
                              help="External cohort: a table with the training columns "
                                   "(label present), a table of the model's feature columns "
                                   "(as 'irpredict features' writes it), an experiment .toml "
                                   "or a cohort folder."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for metrics.json and plots."),
    tracking_uri: str = typer.Option(None, "--tracking-uri", help="MLflow tracking URI."),
    n_bootstrap: int = typer.Option(1000, "--n-bootstrap", min=0,
                                    help="Bootstrap resamples per CI (at most 200 for "
                                         "the decision-curve bands)."),
    threshold: float = typer.Option(None, "--threshold", callback=_open_unit_interval,
                                    help="Probability, strictly between 0 and 1, for "
                                         "sensitivity, specificity and net benefit. "
                                         "[default: the threshold the model was trained "
                                         "with, its experiment's [model] threshold]"),
    seed: int = typer.Option(0, "--seed", min=0, help="Bootstrap seed."),
):
    """Score a registered model on an external cohort (never refitting it).

    Writes metrics.json (per therapy class and overall: AUC, PR AUC, Brier,
    calibration intercept and slope, sensitivity, specificity and net benefit
    at --threshold, each with a bootstrap 95% CI, and the warnings shown), predictions.csv,
    decision_curves.csv (net benefit per therapy class at thresholds 0.05 to
    0.95, with CIs), roc.png, calibration.png and decision_curve.png into --out.

    Example: irpredict evaluate --model models:/transneo@champion --data validation.csv --out eval/
    """
    from rich.console import Console

    from irpredict.cli._outputs import check_output_folder, staged_folder
    from irpredict.tracking.resolve import model_provenance
    from irpredict.training.external import external_frame, score_frame
    from irpredict.training.publish import load_response_model

    check_output_folder(out)  # a wrong --out is said now, not after the scoring
    from irpredict.cli._outputs import cohort_input_files, refuse_overwriting_inputs

    refuse_overwriting_inputs([Path(out) / name for name in _OUTPUTS],
                              [data, *cohort_input_files(data)])

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    response_model = load_response_model(model, tracking_uri=tracking_uri)
    source = model_provenance(model, tracking_uri=tracking_uri)  # an alias moves on
    if threshold is None:
        threshold = float(getattr(response_model, "threshold", 0.5))
    with _recorded_warnings() as said:  # kept in metrics.json beside the figures they qualify
        name, X, y, n_patients = external_frame(response_model, data)
        predictions, metrics = score_frame(response_model, X, y, name=name,
                                           threshold=threshold, n_bootstrap=n_bootstrap,
                                           random_state=seed)
        _print(console, metrics, response_model, name)
        _print_source(console, model, source, threshold)
        _warn_undefined(predictions, name, int(y.isna().sum()) if y is not None else 0)
    _note_rough_intervals(console, metrics)
    earlier = [n for n in _OUTPUTS if (Path(out) / n).exists()]
    with staged_folder(out) as tmp:
        _write(tmp, response_model, predictions, metrics, n_bootstrap, seed, model, data,
               threshold=threshold, left_out=_left_out(response_model, X), warned=said,
               source=source)
    console.print(f"wrote metrics.json, predictions.csv and plots to {out}/")
    if earlier:
        console.print(f"note: this replaced an earlier evaluation's {', '.join(earlier)} in "
                      f"{out}/", markup=False)


@contextmanager
def _recorded_warnings():
    """The text of irpredict's warnings shown inside the block, in order."""
    import warnings

    from irpredict.exceptions import DataWarning, MissingFeatureWarning, SparseTrajectoryWarning

    said, show = [], warnings.showwarning

    def record(message, category, *args, **kwargs):
        if issubclass(category, (DataWarning, MissingFeatureWarning, SparseTrajectoryWarning)):
            said.append(str(message))
        show(message, category, *args, **kwargs)

    warnings.showwarning = record
    try:
        yield said
    finally:
        warnings.showwarning = show


def _left_out(response_model, X):
    """How many of the cohort's patients were the model's training patients (left out)."""
    from irpredict.training.overlap import training_patients

    seen = training_patients(response_model, X)
    return 0 if seen is None else int(seen.sum())


#: The files evaluate writes into --out.
_OUTPUTS = ("metrics.json", "predictions.csv", "decision_curves.csv", "roc.png",
            "calibration.png", "decision_curve.png")


def _note_rough_intervals(console, metrics):
    from rich.markup import escape

    from irpredict.evaluation.summary import rough_interval

    for _, row in metrics[rough_interval(metrics)].iterrows():  # the summary's own note
        console.print(f"note: {escape(str(row['therapy_class']))} "
                      f"{escape(str(row['metric']))}: {escape(str(row['note']))}")


def _warn_undefined(predictions, name, unlabelled):
    """Say what was left out or cannot be measured, instead of a bare n/a."""
    import warnings

    from irpredict.exceptions import DataWarning

    if unlabelled > 0:
        warnings.warn(f"{unlabelled} patient(s) of {name} have no label and were not "
                      "scored", DataWarning, stacklevel=2)
    if predictions["y"].nunique() < 2:
        responders = predictions["y"].iloc[0] == 1
        warnings.warn(
            f"{name}: all {len(predictions)} labelled patients are "
            f"{'responders' if responders else 'non-responders'}, so no AUC, PR AUC, "
            f"calibration intercept or slope, or {'specificity' if responders else 'sensitivity'}"
            " can be computed: this cohort cannot validate the model's discrimination (only its "
            "Brier score and the predicted probabilities are shown)", DataWarning, stacklevel=2)
        return
    for therapy, group in predictions.groupby("therapy_class", sort=True):
        if group["y"].nunique() < 2:
            outcome = "responders" if group["y"].iloc[0] == 1 else "non-responders"
            warnings.warn(f"{name}, {therapy}: all {len(group)} labelled patients are "
                          f"{outcome}; AUC, PR AUC and the calibration slope are undefined "
                          "there", DataWarning, stacklevel=2)


def _write(folder, response_model, predictions, metrics, n_bootstrap, seed, model, data,
           threshold=0.5, left_out=0, warned=(), source=None):
    import json

    import numpy as np

    from irpredict.evaluation import decision_curve, decision_curves
    from irpredict.evaluation.plots import plot_calibration, plot_decision_curve, plot_roc
    from irpredict.training.runner import CURVE_THRESHOLDS

    payload = {"model": model, **(source or {}), "data": str(data),
               "study": response_model.study,
               "feature_set": response_model.feature_set, "family": response_model.family,
               "n_bootstrap": n_bootstrap, "seed": seed,
               # sensitivity, specificity and net benefit are read at this threshold
               "threshold": threshold,
               "training_patients_left_out": left_out,
               "warnings": list(warned),
               # one external set has no folds: the mean of per-fold AUCs is a CV figure only
               "metrics": json.loads(metrics[metrics["metric"] != "auc_mean_of_folds"]
                                     .to_json(orient="records"))}
    (folder / "metrics.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    predictions.drop(columns=["repeat", "fold", "model"]).to_csv(folder / "predictions.csv",
                                                                 index=False)
    y, p = predictions["y"].to_numpy(), predictions["prob"].to_numpy()
    plot_roc(predictions, path=folder / "roc.png")
    plot_calibration(y, p, path=folder / "calibration.png")
    curve = decision_curve(y, p, np.asarray(CURVE_THRESHOLDS), n_bootstrap=min(n_bootstrap, 200),
                           random_state=seed)  # the thresholds of decision_curves.csv
    plot_decision_curve(curve, path=folder / "decision_curve.png")
    decision_curves(predictions, CURVE_THRESHOLDS, n_bootstrap=min(n_bootstrap, 200),
                    random_state=seed).to_csv(folder / "decision_curves.csv", index=False)


def _fmt(value, spec):
    import math

    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else (
        format(value, spec))


def _print_source(console, model, source, threshold):
    from rich.markup import escape

    if source.get("model_path"):  # a folder: where it was exported from, if it says
        resolved = (f" (exported from {source['model_version']})"
                    if source.get("model_version") else "")
    else:
        parts = [source[k] for k in ("model_version",) if source.get(k)]
        if source.get("run_id"):
            parts.append(f"run {source['run_id']}")
        resolved = f" = {', '.join(parts)}" if parts else ""
    console.print(escape(f"model: {model}{resolved}; sensitivity, specificity and net "
                         f"benefit at threshold {threshold:g}"))


def _print(console, metrics, response_model, name):
    from rich.table import Table

    table = Table(title=f"{response_model.study} model ({response_model.feature_set}/"
                        f"{response_model.family}) on {name}", title_justify="left",
                  header_style="bold")
    for col in ("therapy class", "n (resp.)", "AUC [95% CI]", "Brier", "cal. slope"):
        table.add_column(col, justify="left" if col == "therapy class" else "right")
    wide = metrics.pivot_table(index=["therapy_class", "n_patients", "n_responders"],
                               columns="metric", values=["estimate", "ci_low", "ci_high"])
    for (therapy, n, resp), row in wide.iterrows():
        def get(stat, metric, row=row):
            return row.get((stat, metric), float("nan"))

        auc = _fmt(get("estimate", "auc"), ".3f")
        if auc != "n/a":
            auc += f" [{_fmt(get('ci_low', 'auc'), '.3f')}-{_fmt(get('ci_high', 'auc'), '.3f')}]"
        table.add_row(therapy, f"{n} ({resp})", auc, _fmt(get("estimate", "brier"), ".3f"),
                      _fmt(get("estimate", "calibration_slope"), ".2f"))
    console.print(table)
