"""`irpredict landmarks`: train landmark models for on-treatment monitoring."""

from pathlib import Path

import typer

__all__ = ["command", "print_comparison", "parse_days"]


def parse_days(text):
    """``"0,21,42"`` -> ``[0.0, 21.0, 42.0]`` (None stays None)."""
    import math

    from irpredict.exceptions import ExperimentConfigError

    if text is None:
        return None
    try:
        days = [float(t) for t in str(text).replace(" ", "").split(",") if t]
    except ValueError:
        days = []
    if not days or any(not math.isfinite(d) or d < 0 for d in days):
        raise ExperimentConfigError(
            f"--days must be comma-separated numbers of days >= 0 since the first dose, e.g. "
            f"0,21,42,63; got {text!r}")
    return days


def _ci(est, low, high):
    if est != est:  # NaN
        return "n/a"
    if low != low:
        return f"{est:.3f}"
    sep = " to " if min(low, high) < 0 else "-"  # [-0.32 to -0.09], not [-0.32--0.09]
    return f"{est:.3f} [{low:.3f}{sep}{high:.3f}]"


def _signed_ci(est, low, high):
    if est != est:
        return "n/a"
    if low != low:
        return f"{est:+.3f}"
    return f"{est:+.3f} [{low:+.3f},{high:+.3f}]"


def _same_model(row):
    """At day 0 the landmark model is the baseline model: its differences are exactly 0."""
    return row.landmark == 0 and row.delta_auc == row.delta_low == row.delta_high == 0 \
        and row.delta_brier == row.delta_brier_low == row.delta_brier_high == 0


def print_comparison(console, bundle, title):
    """Per landmark: population, landmark-model AUC, baseline AUC on the same patients, ΔAUC."""
    from rich.table import Table

    comp = bundle.evaluation.comparison
    pops = bundle.populations.set_index("landmark")
    if comp["therapy_class"].nunique() == 2:  # one class: "overall" repeats it
        comp = comp[comp["therapy_class"] == "overall"]
    out = Table(title=title, title_justify="left", header_style="bold")
    for col, just in (("day", "right"), ("therapy class", "left"), ("n (resp.)", "right"),
                      ("left out", "right"), ("landmark AUC [95% CI]", "right"),
                      ("baseline AUC [95% CI]", "right"), ("ΔAUC [95% CI]", "right"),
                      ("ΔBrier [95% CI]", "right")):
        out.add_column(col, justify=just, overflow="fold")
    for row in comp.itertuples():
        pop = pops.loc[row.landmark]
        left = (f"{int(pop['n_progressed'])} PD" if pop.get("progression_known", True)
                else "PD unknown (no scans)") + (
            f", {int(pop['n_off_treatment'])} off tx" if pop["n_off_treatment"] else "")
        out.add_row(f"{row.landmark:g}", row.therapy_class,
                    f"{row.n_patients} ({row.n_responders})",
                    left if row.therapy_class == "overall" else "",
                    _ci(row.auc, row.auc_low, row.auc_high),
                    _ci(row.baseline_auc, row.baseline_low, row.baseline_high),
                    *(("same model", "same model") if _same_model(row) else (
                        _signed_ci(row.delta_auc, row.delta_low, row.delta_high),
                        _signed_ci(row.delta_brier, row.delta_brier_low,
                                   row.delta_brier_high))))
    console.print(out)
    console.print("Landmark AUC: the model with features up to that day, trained and evaluated "
                  "on its landmark population (patients not progressed and still on treatment at "
                  "that day). Baseline AUC: the same family with day-0 features on the same "
                  "patients and folds. ΔAUC and ΔBrier (landmark minus baseline; a negative "
                  "ΔBrier means more accurate probabilities): paired bootstrap. All figures "
                  "out-of-fold (nested CV).")


def command(
    experiment: Path = typer.Argument(..., help="Experiment file, e.g. experiments/inspire.toml.",
                                      show_default=False),
    days: str = typer.Option(None, "--days",
                             help="Landmark days, comma-separated (default: the days of the "
                                  "file's monitoring section, else 0,21,42,63)."),
    family: str = typer.Option(None, "--family",
                               help="Model family (default: the family of the file's monitoring "
                                    "section, else its final_family)."),
    tracking_uri: str = typer.Option(
        None, "--tracking-uri",
        help="MLflow tracking URI (default sqlite:///mlruns/mlflow.db in the current folder, "
             "or MLFLOW_TRACKING_URI)."),
    log_patient_ids: bool = typer.Option(
        False, "--log-patient-ids",
        help="Log raw patient ids in MLflow artifacts (default: salted hashes)."),
    n_bootstrap: int = typer.Option(None, "--n-bootstrap", min=0,
                                    help="Bootstrap resamples per CI (default from the file)."),
    repeats: int = typer.Option(None, "--repeats", min=1,
                                help="Repeats of the nested CV (default from the file)."),
    seed: int = typer.Option(None, "--seed", min=0, help="Seed (default from the file)."),
    jobs: int = typer.Option(
        None, "--jobs", min=1,
        help="Model fits run side by side in this many processes (default: every CPU this "
             "process may use, at most 8); the results do not depend on it."),
    no_register: bool = typer.Option(False, "--no-register",
                                     help="Do not register the landmark models."),
):
    """Train landmark models (one per landmark day) for on-treatment monitoring.

    Each landmark model uses features up to its day only and is trained on the
    landmark population (not progressed, still on treatment at that day). Prints each
    population's size and responders, the landmark model's out-of-fold AUC and the
    baseline-only model's AUC on the same patients (bootstrap 95% CIs), logs everything
    to MLflow and registers the bundle as <study>-landmarks with alias champion.

    Example: irpredict landmarks experiments/inspire.toml --days 0,42

    Then: irpredict monitor -m models:/inspire-landmarks@champion -d experiments/inspire.toml
    -p INS-A-002
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from irpredict.experiment import load_experiment
    from irpredict.monitoring.runner import train_landmarks
    from irpredict.tracking import quiet_mlflow
    from irpredict.training import default_jobs, model_settings

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 140)
    exp = load_experiment(experiment)
    settings = model_settings(exp.raw.get("model"), where=f"{exp.path} [model]",
                              n_bootstrap=n_bootstrap, repeats=repeats, seed=seed,
                              n_jobs=jobs or default_jobs(exp))
    quiet_mlflow()
    console.print(f"[bold]{exp.name}[/bold]: landmark models for on-treatment monitoring")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        tasks = {}

        def progress(stage, done, total):
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = train_landmarks(exp, settings=settings, days=parse_days(days), family=family,
                                 tracking_uri=tracking_uri, log_patient_ids=log_patient_ids,
                                 progress=progress, register=not no_register)
    bundle = result.models
    print_comparison(console, bundle, f"{exp.name}: landmark models ({bundle.family}, feature "
                                      f"set {bundle.feature_set})")
    from rich.markup import escape

    for note in getattr(bundle, "notes", ()):
        console.print(f"note: {escape(note)}")
    console.print(f"run id: {result.run_id}")
    console.print(f"model URI: {result.model_uri}")
    if result.registered:
        console.print(f"registered: {result.registered} (version {result.version})")
