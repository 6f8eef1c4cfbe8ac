"""`irpredict monitor`: a patient's predicted response at each landmark, and what changed."""

import math
from pathlib import Path

import typer

__all__ = ["command", "print_trajectory", "load_monitored_cohort"]


def load_monitored_cohort(bundle, data):
    """Read ``data`` (experiment .toml, cohort folder or one table) for the bundle's models."""
    from irpredict.training.external import load_external_cohort

    return load_external_cohort(bundle.model_for(bundle.landmarks[0]), data)


def _fmt(value, fmt):
    if value != value:
        return ""
    text = format(value, fmt)
    return text.replace("-", "+", 1) if text.startswith("-") and float(text) == 0 else text


def print_trajectory(console, trajectory, top=3, as_of=None):
    """Print one patient's landmark table and the notes on landmarks not scored."""
    import pandas as pd
    from rich.table import Table

    table = trajectory.table
    pid, therapy = table["patient_id"].iloc[0], table["therapy_class"].iloc[0]
    movers = trajectory.movers_text(top)
    view = "as of day " + f"{as_of:g}" if as_of is not None else "with the data so far"
    out = Table(title=f"patient {pid} ({therapy}): predicted response at each landmark, {view}",
                title_justify="left", header_style="bold")
    for col, just in (("landmark day", "right"), ("reached", "left"), ("in population", "left"),
                      ("P(response)", "right"), ("change", "right"),
                      (f"what changed (top {top} SHAP movers, log-odds)", "left")):
        out.add_column(col, justify=just)
    for row in table.itertuples():
        member = "n/a" if pd.isna(row.in_population) else ("yes" if row.in_population else "no")
        if row.status == "scored":
            text = movers.get((row.patient_id, row.landmark), "")
            if not (isinstance(text, str) and text):
                text = ("(first scored landmark)" if pd.isna(row.prob_change)
                        else "(no biomarker's contribution moved)")
        else:
            text = f"[dim]{row.status}[/dim]"
        far = bool(getattr(row, "far_outside_training", ""))
        out.add_row(f"{row.landmark:g}", "yes" if row.reached else "no", member,
                    _fmt(row.prob_response, ".3f") + (" [red]![/red]" if far else ""),
                    _fmt(row.prob_change, "+.3f"), text)
    console.print(out)
    if "far_outside_training" in table.columns and table["far_outside_training"].astype(bool).any():
        console.print("[red]![/red]: a feature value far outside the landmark model's training "
                      "range (see the warning): the model extrapolates there.")
    skipped = table[table["status"].str.startswith("not in population")]
    for row in skipped.itertuples():
        why = row.status.removeprefix("not in population: ")
        console.print(f"note: day {row.landmark:g}: {why}, on or before this landmark, so the "
                      "patient is outside its population and is not scored there.")
    console.print("↑/↓: the biomarker's SHAP contribution rose/fell since the previous scored "
                  "landmark. (new result: a → b): a measurement or scan of it is dated since "
                  "then, its last value before and now, in the unit the model was trained on "
                  "(a scan's value is its target sum); a "
                  "move without one comes from the landmark's own model, trained on features up "
                  "to its day. model baseline: the change of the base value of the model that "
                  "scores the patient's therapy class (the log-odds it starts from before any "
                  "biomarker; each class's model has its own, and a class too small for its own "
                  "model at a landmark is scored by the pooled model).")
    if _calibrated(trajectory):
        console.print("note: the landmark models are calibrated after training: SHAP values add "
                      "up to their log-odds before calibration, so P(response) can move more, "
                      "less or the other way than the SHAP movers say.")


def _calibrated(trajectory):
    """Whether P(response) differs from what base value plus SHAP values give."""
    import numpy as np

    table, shap = trajectory.table, trajectory.shap
    scored = table[table["status"] == "scored"]
    if scored.empty or shap is None or shap.empty:
        return False
    sums = shap.groupby(["patient_id", "landmark"])["shap"].sum()
    keys = list(zip(scored["patient_id"], scored["landmark"], strict=True))
    from scipy.special import expit

    logit = scored["base_value"].to_numpy(float) + sums.reindex(keys).fillna(0).to_numpy(float)
    implied = expit(logit)
    return bool(np.nanmax(np.abs(implied - scored["prob_response"].to_numpy(float))) > 5e-4)


def _out_folder(out):
    """The output folder (created when absent); an OutputError when it cannot be."""
    from irpredict.cli._outputs import OutputError

    folder = Path(out) if out is not None else Path.cwd()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {folder}: {exc.strerror or exc}; "
                          "choose another --out") from exc
    return folder


def _write_patient(trajectory, folder, top):
    import matplotlib

    matplotlib.use("Agg")
    from irpredict.cli._explain import _safe
    from irpredict.cli._outputs import atomic_path
    from irpredict.monitoring.plots import plot_trajectory

    pid = trajectory.table["patient_id"].iloc[0]
    csv = folder / f"{_safe(pid)}_trajectory.csv"
    png = folder / f"{_safe(pid)}_trajectory.png"
    with atomic_path(csv) as tmp:
        _tidy(trajectory, top).to_csv(tmp, index=False)
    fig = plot_trajectory(trajectory, top=top)
    with atomic_path(png) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    return csv, png


def _tidy(trajectory, top):
    table = trajectory.table.copy()
    movers = trajectory.movers_text(top)
    keys = list(zip(table["patient_id"], table["landmark"], strict=True))
    table["what_changed"] = [movers.get(k, "") for k in keys]
    return table


def command(
    model: str = typer.Option(..., "--model", "-m",
                              help="Landmark models: models:/<study>-landmarks@champion, a run "
                                   "id or a model folder."),
    data: Path = typer.Option(..., "--data", "-d",
                              help="Cohort: an experiment .toml, a cohort folder or a table."),
    patient: str = typer.Option(None, "--patient", "-p", help="Patient id to monitor."),
    all_patients: bool = typer.Option(False, "--all",
                                      help="Write trajectories.csv and trajectory_shap.csv for "
                                           "every patient."),
    as_of: float = typer.Option(None, "--as-of", min=0,
                                help="Look from this day: later landmarks are not reached "
                                     "(default: each patient's last observed day)."),
    out: Path = typer.Option(None, "--out", "-o", help="Output folder (default: cwd)."),
    tracking_uri: str = typer.Option(None, "--tracking-uri", help="MLflow tracking URI."),
    top: int = typer.Option(3, "--top", min=1, help="Biomarkers named per landmark."),
):
    """Show a patient's predicted response probability at each landmark reached, and why it moved.

    Each landmark's model scores the patient from data up to that day only; a landmark the
    patient has not reached is not scored, and neither is one at which the patient had
    already progressed (outside that landmark's population). Prints the table and writes
    <patient>_trajectory.csv and <patient>_trajectory.png; with --all, writes
    trajectories.csv (patient x landmark) and trajectory_shap.csv (patient x landmark x
    biomarker) for every patient.

    Example: irpredict monitor -m models:/inspire-landmarks@champion -d experiments/inspire.toml
    -p INS-A-002
    """
    from rich.console import Console
    from rich.markup import escape

    from irpredict.exceptions import ExperimentConfigError
    from irpredict.explain import centred_on_explained_rows
    from irpredict.monitoring.publish import load_landmark_models
    from irpredict.monitoring.trajectory import monitor_patient

    if patient is None and not all_patients:
        raise ExperimentConfigError("give --patient ID to monitor one patient, or --all to "
                                    "write every patient's trajectory")
    if as_of is not None and not math.isfinite(as_of):
        raise ExperimentConfigError(f"--as-of must be a day (a finite number >= 0); got {as_of}")
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 140)
    bundle = load_landmark_models(model, tracking_uri=tracking_uri)
    cohort = load_monitored_cohort(bundle, data)
    folder = Path(out) if out is not None else Path.cwd()
    if folder.exists() and not folder.is_dir():
        from irpredict.cli._outputs import OutputError

        raise OutputError(f"--out {folder} is a file; give a folder")
    if cohort.n_patients < 20 and any(centred_on_explained_rows(m.classifier)
                                      for m in bundle.models.values()):
        console.print(f"[yellow]note:[/yellow] only {cohort.n_patients} patients in {data}; "
                      "linear (logistic) SHAP values are measured from the landmark population's "
                      "mean, so monitor a patient within a larger cohort")
    if patient is not None:
        trajectory = monitor_patient(bundle, cohort, patient, as_of=as_of)
        _warn_thin_data(cohort, str(trajectory.table["patient_id"].iloc[0]), trajectory)
        print_trajectory(console, trajectory, top, as_of)
        pid = str(trajectory.table["patient_id"].iloc[0])
        _say_unread(console, bundle, cohort, pid, as_of)
        _say_pending(console, bundle, cohort, trajectory, as_of)
        if _trained_on(bundle, cohort, pid):
            console.print(f"[yellow]note:[/yellow] patient {escape(pid)} was among the landmark "
                          "models' training patients, so these probabilities are in-sample "
                          "(optimistic); the honest estimates are the out-of-fold ones of the "
                          "landmarks run")
        _out_folder(folder)  # only now: an unknown patient leaves no empty folder behind
        for path in _write_patient(trajectory, folder, top):
            console.print(f"wrote {path}")
    if all_patients:
        _out_folder(folder)
        _write_all(console, bundle, cohort, folder, as_of, top)


def _trained_on(bundle, cohort, pid):
    """Whether a landmark model was trained on patient ``pid`` (its rows' fingerprints)."""
    import warnings

    from irpredict.monitoring.population import restrict_cohort
    from irpredict.training.overlap import training_patients

    one = restrict_cohort(cohort, [pid])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # said already when the patient was scored
        for model in bundle.models.values():
            X, _ = model.frame_from_cohort(one)
            seen = training_patients(model, X)
            if seen is not None and seen.any():
                return True
    return False


def _warn_thin_data(cohort, pid, trajectory):
    """Say when a patient's trajectory rests on imputed values or an assumed progression."""
    import warnings

    from irpredict.exceptions import DataWarning

    m, t = cohort.measurements, cohort.tumor_assessments
    mine = None if m is None else m[m["patient_id"].astype(str) == pid]
    if mine is None or mine.empty:
        warnings.warn(f"patient {pid} has no measurements: each landmark's prediction rests on "
                      "imputed biomarker values only", DataWarning, stacklevel=2)
    else:
        table = trajectory.table
        scored = table.loc[(table["status"] == "scored") & (table["landmark"] > 0), "landmark"]
        first = mine.loc[mine["day"] > 0, "day"].min()  # NaN: nothing on treatment
        blind = [f"{day:g}" for day in scored if not first <= day]
        if blind:
            warnings.warn(f"patient {pid} has no measurement on treatment up to day "
                          f"{blind[-1]} (landmarks {', '.join(blind)}): there the prediction "
                          "rests on baseline values and imputed on-treatment features",
                          DataWarning, stacklevel=2)
    if t is None or not (t["patient_id"].astype(str) == pid).any():
        from irpredict.monitoring.population import _off_treatment

        which, ended = _off_treatment(cohort)
        day = None if ended is None else ended.get(pid)
        if day is not None and day == day:  # a treatment-end day (e.g. a PFS event) tells
            warnings.warn(f"patient {pid} has no tumour assessments: progression is read from "
                          f"{which.get(pid)} (day {day:g}) only", DataWarning, stacklevel=2)
        else:
            warnings.warn(f"patient {pid} has no tumour assessments: progression cannot be "
                          "seen, so the patient counts as not progressed at every landmark",
                          DataWarning, stacklevel=2)


def _unread(bundle, measurements, as_of):
    from irpredict.monitoring.coverage import unread_results

    if measurements is None:
        return None
    if as_of is not None:
        measurements = measurements[measurements["day"] <= as_of]
    return unread_results(bundle, measurements)


def _say_unread(console, bundle, cohort, pid, as_of):
    """Name the patient's results that no landmark model reads (they move no prediction):
    a warning for a name close to one the models read, a note for the rest."""
    import warnings

    from rich.markup import escape

    from irpredict.exceptions import DataWarning

    m = cohort.measurements
    unread = _unread(bundle, None if m is None else m[m["patient_id"].astype(str) == pid],
                     as_of)
    if not unread:
        return
    for name, read in unread.misspelt().items():
        warnings.warn(f"patient {pid}: {_misspelt(name, read)}", DataWarning, stacklevel=2)
    for note in unread.notes():
        console.print(f"[yellow]note:[/yellow] {escape(note)}; these change no prediction")


def _say_pending(console, bundle, cohort, trajectory, as_of):
    """Results dated after the last landmark scored, before a later one: they count there."""
    from rich.markup import escape

    table = trajectory.table
    scored = table.loc[table["status"] == "scored", "landmark"]
    later = [d for d in bundle.landmarks if not len(scored) or d > scored.max()]
    status = dict(zip(table["landmark"], table["status"].astype(str), strict=True))
    left = [status[d] for d in later if status.get(d, "").startswith("not in population")]
    later = [d for d in later if not status.get(d, "").startswith("not in population")]
    m = cohort.measurements
    if not (later or left) or not len(scored) or m is None:
        return
    pid = str(table["patient_id"].iloc[0])
    mine = m[(m["patient_id"].astype(str) == pid) & (m["day"] > scored.max())
             & (m["day"] <= max(later or bundle.landmarks))]
    if as_of is not None:
        mine = mine[mine["day"] <= as_of]
    from irpredict.monitoring.coverage import read_on_treatment

    read = read_on_treatment(bundle)
    mine = mine[mine["biomarker"].astype(str).str.casefold().isin(read)]
    if mine.empty:
        return
    listed = "; ".join(f"{b} (day{'s' if len(g) > 1 else ''} "
                       f"{', '.join(f'{d:g}' for d in sorted(set(g['day'])))})"
                       for b, g in mine.groupby(mine["biomarker"].astype(str)))
    if not later:
        console.print(f"[yellow]note:[/yellow] results after day {scored.max():g}, the last "
                      f"landmark scored: {escape(listed)}; they change no prediction: the "
                      f"patient is out of the later landmarks' population, "
                      f"{escape(left[0].removeprefix('not in population: '))}")
        return
    nxt = min(d for d in later if d >= mine["day"].min())
    console.print(f"[yellow]note:[/yellow] results after day {scored.max():g}, the last "
                  f"landmark scored: {escape(listed)}; they count from landmark {nxt:g} on, "
                  "once it is reached")


def _misspelt(name, read, count=""):
    """The warning about results under a name close to one the landmark models read."""
    return (f"results of {name!r}{count} are read by no landmark model; the models read "
            f"{read!r}. If they are the same measurement, name it {read!r} in the measurements "
            "table (or map it).")


def _say_unread_cohort(console, bundle, cohort, as_of):
    """``--all``: the same, with the number of patients behind each biomarker."""
    import warnings

    from rich.markup import escape

    from irpredict.exceptions import DataWarning

    unread = _unread(bundle, cohort.measurements, as_of)
    if not unread:
        return
    m = cohort.measurements
    rows = m.assign(patient_id=m["patient_id"].astype(str), biomarker=m["biomarker"].astype(str))
    patients = rows.groupby("biomarker")["patient_id"].nunique()
    treated = rows[rows["day"] > 0].groupby("biomarker")["patient_id"].nunique()
    for name, read in unread.misspelt().items():
        warnings.warn(_misspelt(name, read, f" ({patients.get(name, 0)} patients)"),
                      DataWarning, stacklevel=2)
    others = sorted(set(unread.unknown) - set(unread.misspelt()))
    if others:
        what = ("biomarkers in the data are" if len(others) > 1 else
                "biomarker in the data is")
        console.print(f"[yellow]note:[/yellow] {len(others)} {what} not "
                      f"read by the landmark models (they read {', '.join(unread.read)}) and "
                      f"change no prediction: {escape(', '.join(others))}")
    for found, counts, what in (
            (unread.from_patients_table, patients, "measurements of biomarkers the landmark "
             "models read from the patients table instead"),
            (unread.baseline_only, treated, "on-treatment results of biomarkers the landmark "
             "models read at baseline only")):
        if found:
            named = ", ".join(f"{b} ({counts.get(b, 0)} patients)" for b in sorted(found))
            console.print(f"[yellow]note:[/yellow] {what} change no prediction: "
                          f"{escape(named)}")


def _warn_thin_cohort(cohort):
    """``--all``: say how many patients rest on imputed values or an assumed progression."""
    import warnings

    from irpredict.exceptions import DataWarning

    ids = cohort.patients["patient_id"].astype(str)
    for table, what in ((cohort.measurements, "no measurements: their predictions rest on "
                         "imputed biomarker values only"),
                        (cohort.tumor_assessments, "no tumour assessments: progression cannot "
                         "be seen, so they count as not progressed at every landmark")):
        present = set() if table is None else set(table["patient_id"].astype(str))
        missing = [p for p in ids if p not in present]
        if missing:
            warnings.warn(f"{len(missing)} of {len(ids)} patients have {what} "
                          f"({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''})",
                          DataWarning, stacklevel=2)


def _write_all(console, bundle, cohort, folder, as_of, top):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from irpredict.cli._outputs import atomic_path
    from irpredict.monitoring.trajectory import monitor_cohort

    with Progress(TextColumn("scoring landmarks"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("landmarks", total=len(bundle.landmarks))
        trajectory = monitor_cohort(
            bundle, cohort, as_of=as_of,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    paths = (folder / "trajectories.csv", folder / "trajectory_shap.csv")
    with atomic_path(paths[0]) as tmp:
        _tidy(trajectory, top).to_csv(tmp, index=False)
    with atomic_path(paths[1]) as tmp:
        trajectory.shap.to_csv(tmp, index=False)
    _warn_thin_cohort(cohort)
    _say_unread_cohort(console, bundle, cohort, as_of)
    n = trajectory.table["patient_id"].nunique()
    scored = (trajectory.table["status"] == "scored").sum()
    console.print(f"wrote {paths[0]} ({n} patients x {len(bundle.landmarks)} landmarks, "
                  f"{scored} scored) and {paths[1]}")
