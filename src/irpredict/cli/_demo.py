"""`irpredict demo`: the main job end to end on a simulated cohort."""

from pathlib import Path

import typer

from irpredict.exceptions import ExperimentConfigError

__all__ = ["command"]

_EXPERIMENT = """\
# Written by `irpredict demo`: the simulated cohort in cohort/ is regenerated from this seed.
[study]
name = "demo"
description = "Simulated breast-cancer immunotherapy cohort ({patients} patients, seed {seed})"

[data]
simulate = {{ patients = {patients}, seed = {seed} }}
label = "response"
response_derived_biomarkers = ["tumor_size"]

[data.columns]
exclude = ["response_definition"]

[feature_sets]
baseline = [{columns}, "measurements:*"]
on_treatment = [{columns}, "measurements:*"]

[model]
# Small grids and two inner folds keep the demo to a minute or two; real studies use the
# built-in grids (see experiments/*.toml).
families = ["logistic", "xgboost"]
feature_set_landmarks = {{ baseline = 0 }}
landmark_days = 42
inner_folds = 2
n_bootstrap = 200
grids = {{ logistic = {{ C = [0.1, 1.0] }}, xgboost = {{ max_depth = [2, 3] }} }}
final_family = "xgboost"
final_feature_set = "on_treatment"

[monitoring]
# Landmark models for on-treatment monitoring: baseline and cycle 3 day 1.
days = [0, 42]
family = "logistic"
"""
_COLUMNS = ("setting", "line", "subtype", "age", "ecog", "liver_mets", "bone_only", "her2_ihc",
            "er_status", "pr_status", "pam50", "ldh_uln", "neoantigen_reactive",
            "act_dose_log10", "act_cd8_pct")


def _fresh_folder(out):
    from datetime import datetime

    if out is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path(f"irpredict-demo-{stamp}")
        suffix = 1
        while out.exists():
            suffix += 1
            out = Path(f"irpredict-demo-{stamp}-{suffix}")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExperimentConfigError(
            f"--out {out} exists and is not an empty folder; choose a new folder "
            "(or leave --out out to let the demo name one)"
        )
    out.mkdir(parents=True, exist_ok=True)
    return out.resolve()


def command(
    out: Path = typer.Option(
        None, "--out", "-o",
        help="Folder for everything the demo writes (default: a new irpredict-demo-<time> "
             "folder in the current directory)."),
    patients: int = typer.Option(1000, "--patients", "-n", min=300, max=100_000,
                                 help="Patients to simulate."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed."),
):
    """Run the main job on a simulated cohort: simulate, validate, train, track, report.

    Simulates a cohort with a known truth, validates and summarises it as a real
    cohort would be, trains per-therapy-class models on baseline and on-treatment
    (day-42) features with nested cross-validation, logs everything to an MLflow
    store inside the demo folder, registers the final model and writes the reviewer
    report (report.html), then trains day-0 and day-42 landmark models and shows one
    patient's monitoring trajectory. Everything goes
    into a fresh folder, printed at the end.

    Example: irpredict demo --patients 1000 --seed 0
    """
    from rich.console import Console

    from irpredict.cli._simulate import _summary
    from irpredict.cli._validate import _print_summary
    from irpredict.data.loaders import load_cohort
    from irpredict.data.simulator import simulate_cohort, write_cohort
    from irpredict.data.summary import summarize_cohort

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 130)
    folder = _fresh_folder(out)
    cohort_dir = folder / "cohort"

    console.rule("[bold]1. Simulate a cohort with a known truth")
    sim = simulate_cohort(n_patients=patients, seed=seed)
    write_cohort(sim, cohort_dir)
    console.print(_summary(sim))

    console.rule("[bold]2. Validate and summarise it, as for a real cohort")
    cohort = load_cohort(cohort_dir)
    _print_summary(summarize_cohort(cohort), cohort)

    console.rule("[bold]3. Train per-therapy-class models (nested CV, bootstrap CIs, MLflow)")
    experiment_file = folder / "demo.toml"
    columns = ", ".join(f'"{c}"' for c in _COLUMNS)
    experiment_file.write_text(_EXPERIMENT.format(patients=patients, seed=seed, columns=columns),
                               encoding="utf-8")
    tracking_uri = f"sqlite:///{folder / 'mlruns' / 'mlflow.db'}"
    result = _train(console, experiment_file, tracking_uri)

    console.rule("[bold]4. Reviewer report: performance, calibration, SHAP, TRIPOD+AI")
    report = _report(result, experiment_file, tracking_uri, folder)
    console.print(f"wrote {report} (one self-contained HTML file; also logged to the run)")

    console.rule("[bold]5. Monitoring: landmark models and one patient's trajectory")
    _monitor(console, experiment_file, tracking_uri, folder)

    console.rule("[bold]Done")
    console.print(f"Everything is in [bold]{folder}[/bold]/: cohort files in cohort/, the "
                  "experiment file demo.toml, the MLflow store in mlruns/, report.html.")
    console.print(f"Registered model: {result.registered} (run {result.run_id}).")
    console.print("Browse the runs: [bold]mlflow ui --backend-store-uri "
                  f"{tracking_uri}[/bold]")


def _monitor(console, experiment_file, tracking_uri, folder):
    """Train day-0 and day-42 landmark models and show one patient's trajectory."""
    from dataclasses import replace

    from irpredict.cli._landmarks import print_comparison
    from irpredict.cli._monitor import _write_patient, print_trajectory
    from irpredict.experiment import load_experiment
    from irpredict.monitoring import monitor_cohort
    from irpredict.monitoring.runner import train_landmarks
    from irpredict.training import default_jobs, model_settings

    exp = load_experiment(experiment_file)
    # a small budget for the demo: 3 outer folds and one fixed C (no inner search)
    settings = replace(model_settings(exp.raw.get("model"), n_jobs=default_jobs(exp)),
                       outer_folds=3, grids={"logistic": {"C": [0.3]}})
    with console.status("training landmark models (days 0 and 42)"):
        result = train_landmarks(exp, settings=settings, tracking_uri=tracking_uri)
    print_comparison(console, result.models, "Landmark models: out-of-fold AUC per landmark")
    console.print("(The demo's landmark models use 3 outer folds and one fixed C, so their day-0 "
                  "AUCs differ from step 3's, by several points for a small class: each is one "
                  "estimate with its own CI.)")
    cohort = exp.load_cohort()
    everyone = monitor_cohort(result.models, cohort)
    moved = everyone.table["prob_change"].abs().groupby(everyone.table["patient_id"]).max()
    pid = str(moved.idxmax()) if moved.notna().any() else everyone.patients[0]
    console.print(f"The patient whose predicted probability moved most between landmarks: {pid}")
    trajectory = everyone.for_patient(pid)
    print_trajectory(console, trajectory)
    _, png = _write_patient(trajectory, folder, 3)
    console.print(f"wrote {png}; any patient: [bold]irpredict monitor -m "
                  f"{result.registered} -d {experiment_file} -p <id> --tracking-uri "
                  f"{tracking_uri}[/bold]")


def _report(result, experiment_file, tracking_uri, folder):
    from irpredict.report import build_report, log_report

    html, _, _ = build_report(result.run_id, tracking_uri=tracking_uri,
                              experiment=experiment_file)
    path = folder / "report.html"
    path.write_text(html, encoding="utf-8")
    log_report(result.run_id, html, tracking_uri=tracking_uri)
    return path


def _train(console, experiment_file, tracking_uri):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from irpredict.cli._train import print_results
    from irpredict.experiment import load_experiment
    from irpredict.tracking import quiet_mlflow
    from irpredict.training import default_jobs, model_settings
    from irpredict.training.runner import results_table, train_study

    quiet_mlflow()
    exp = load_experiment(experiment_file)
    settings = model_settings(exp.raw.get("model"), n_jobs=default_jobs(exp))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        tasks = {}

        def progress(stage, done, total):
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = train_study(exp, settings=settings, tracking_uri=tracking_uri,
                             progress=progress)
    print_results(console, results_table(result.metrics),
                  "Out-of-fold performance per therapy class", repeats=settings.repeats)
    return result
