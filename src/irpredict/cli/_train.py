"""`irpredict train`: nested CV per feature set x model family, tracked in MLflow."""

from pathlib import Path

import typer

__all__ = ["command", "print_results"]


def print_results(console, table, title, repeats=1):
    """Print the therapy class x feature set x model results table."""
    import numpy as np
    from rich.table import Table

    with_ci = bool(np.isfinite(table["auc_low"].to_numpy(dtype=float)).any())
    out = Table(title=title, title_justify="left", header_style="bold")
    for col, just in (("therapy class", "left"), ("feature set", "left"), ("model", "left"),
                      ("n (resp.)", "right"), ("AUC [95% CI]" if with_ci else "AUC", "right"),
                      ("mean fold AUC", "right"), ("Brier", "right"), ("cal. slope", "right")):
        out.add_column(col, justify=just)
    if table["therapy_class"].nunique() == 2:  # one class: "overall" repeats it
        table = table[table["therapy_class"] != "overall"]
    def fmt(value, spec):  # an undefined figure (a class with one outcome) reads n/a
        return "n/a" if value is None or not np.isfinite(float(value)) else f"{value:{spec}}"

    for row in table.itertuples():
        auc = fmt(row.auc, ".3f")
        if with_ci and auc != "n/a":
            auc += f" [{fmt(row.auc_low, '.3f')}-{fmt(row.auc_high, '.3f')}]"
        out.add_row(row.therapy_class, row.feature_set, row.model,
                    f"{row.n} ({row.responders})", auc, fmt(row.auc_mean_of_folds, ".3f"),
                    fmt(row.brier, ".3f"), fmt(row.cal_slope, ".2f"))
    console.print(out)
    pooled = ("all out-of-fold predictions pooled" if repeats == 1 else
              f"all out-of-fold predictions of a repeat pooled, averaged over the {repeats} "
              "repeats")
    console.print(f"AUC: {pooled} (headline, "
                  + ("bootstrap 95% CI" if with_ci else "no CI: n_bootstrap = 0")
                  + "); mean fold AUC: the mean of per-fold AUCs, shown for comparison.")


def command(
    experiment: Path = typer.Argument(..., help="Experiment file, e.g. experiments/transneo.toml.",
                                      show_default=False),
    tracking_uri: str = typer.Option(
        None, "--tracking-uri",
        help="MLflow tracking URI (default sqlite:///mlruns/mlflow.db in the current folder, "
             "or MLFLOW_TRACKING_URI)."),
    log_patient_ids: bool = typer.Option(
        False, "--log-patient-ids",
        help="Log raw patient ids in MLflow artifacts (default: salted hashes)."),
    n_bootstrap: int = typer.Option(None, "--n-bootstrap", min=0,
                                    help="Bootstrap resamples per CI (default from the "
                                         "file; at most 200 for the decision-curve bands)."),
    repeats: int = typer.Option(None, "--repeats", min=1,
                                help="Repeats of the nested CV (default from the file)."),
    seed: int = typer.Option(None, "--seed", min=0, help="Seed (default from the file)."),
    jobs: int = typer.Option(
        None, "--jobs", min=1,
        help="Model fits run side by side in this many processes (default: every CPU this "
             "process may use, at most 8); the results do not depend on it."),
    no_register: bool = typer.Option(False, "--no-register",
                                     help="Do not register the final model."),
    results: Path = typer.Option(
        None, "--results",
        help="Also write the results as Markdown, e.g. experiments/results/<study>.md."),
):
    """Train per-therapy-class response models with honest evaluation.

    Runs nested cross-validation (outer folds stratified by therapy class x response,
    grouped by site where sites exist; inner grid search) for each feature set and model
    family of the experiment, prints AUC with bootstrap 95% CIs, Brier score and
    calibration slope, logs everything to MLflow, refits the declared final model on
    all patients and registers it as <study> with alias champion.

    Example: irpredict train experiments/transneo.toml

    Then: mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from irpredict.experiment import load_experiment
    from irpredict.monitoring.runner import check_monitoring_section
    from irpredict.tracking import quiet_mlflow
    from irpredict.training import default_jobs, model_settings
    from irpredict.training.runner import results_table, train_study

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 130)
    exp = load_experiment(experiment)
    if results is not None:
        _check_results_path(results, experiment, tracking_uri)  # before the training
    settings = model_settings(exp.raw.get("model"), where=f"{exp.path} [model]",
                              n_bootstrap=n_bootstrap, repeats=repeats, seed=seed,
                              n_jobs=jobs or default_jobs(exp))
    check_monitoring_section(exp, settings)  # a typo there is refused as validate does
    quiet_mlflow()
    console.print(f"[bold]{escape(exp.name)}[/bold]"
                  + (f": {escape(exp.description)}" if exp.description else ""))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        tasks = {}

        def progress(stage, done, total):
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"nested CV: {stage}" if stage != "final model"
                                            else "refit final model", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = train_study(exp, settings=settings, tracking_uri=tracking_uri,
                             log_patient_ids=log_patient_ids, progress=progress,
                             register=not no_register, command=_command_line())
    table = results_table(result.metrics)
    print_results(console, table, f"{exp.name}: out-of-fold performance per therapy class",
                  repeats=settings.repeats)
    console.print(escape(_data_used(exp, settings, table, result.on_treatment)))
    for note in result.notes:
        console.print(f"note: {escape(note)}")
    chosen = ("chosen by out-of-fold AUC, " if settings.final_family == "best" else "")
    console.print(f"final model: {result.final.feature_set}/{result.final.family} "
                  f"({chosen}refitted on all patients)")
    seconds = result.seconds
    console.print(f"time: {seconds['total']:.0f} s, of which MLflow logging "
                  f"{seconds['tracking']:.1f} s ({seconds['tracking'] / seconds['total']:.0%})")
    console.print(f"run id: {result.run_id}")
    console.print(f"model URI: {result.model_uri}")
    if result.registered:
        console.print(f"registered: {result.registered} (version {result.version})")
    if results is not None:
        _write_results(results, result, exp, settings, table)
        console.print(f"results: {results}")


def _check_results_path(path, experiment, tracking_uri):
    from irpredict.cli._outputs import (
        OutputError,
        cohort_input_files,
        refuse_overwriting_inputs,
        tracking_store_files,
    )

    refuse_overwriting_inputs({path: "--results"}, [*cohort_input_files(experiment),
                                       *tracking_store_files(tracking_uri)])

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (path.parent, *path.parent.parents) if p.is_file()), None)
        reason = f"{blocker} is a file, not a folder" if blocker else (exc.strerror or str(exc))
        raise OutputError(f"cannot write --results {path}: {reason}; choose another "
                          "path") from exc
    if path.is_dir():
        raise OutputError(f"cannot write --results {path}: it is a folder; give a file name")


def _command_line():
    import shlex
    import sys

    return "irpredict " + " ".join(shlex.quote(a) for a in sys.argv[1:])


#: A line in a results file below which hand-written notes are kept when ``train --results``
#: writes the file again.
KEPT_NOTES_MARKER = "<!-- notes below this line are kept when the file is written again -->"


def _write_results(path, result, exp, settings, table):
    from irpredict.cli._outputs import atomic_path
    from irpredict.training.results import results_markdown

    text = results_markdown(result, exp, settings, _command_line(), table)
    if path.is_file():  # notes written by hand below the marker outlive a rerun
        earlier = path.read_text(encoding="utf-8")
        if KEPT_NOTES_MARKER in earlier:
            text = (text.rstrip("\n") + "\n\n"
                    + earlier[earlier.index(KEPT_NOTES_MARKER):].rstrip("\n") + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _data_used(experiment, settings, table, on_treatment):
    """Which data each feature set read: baseline only, or results up to its landmark day."""
    parts = []
    for name in dict.fromkeys(table["feature_set"]):
        day = settings.landmark_for(name)
        declared = experiment.feature_sets.get(name)
        series = declared is None or any(str(e).startswith("measurements:")
                                          for e in declared)
        if not series:
            parts.append(f"{name}: patients-table columns only")
        elif day > 0 and on_treatment.get(name):
            parts.append(f"{name} up to day {day:g} (on-treatment kinetics)")
        elif day > 0:
            parts.append(f"{name} up to day {day:g}, though no result after day 0 reached "
                         "its features (baseline)")
        else:
            parts.append(f"{name} up to day 0 (baseline)")
    return ("data used per feature set: " + "; ".join(parts)
            + " ([model] landmark_days, feature_set_landmarks)")
