"""`irpredict validate`: check a cohort and print what it holds."""

from pathlib import Path
from typing import Annotated

import typer

from irpredict.exceptions import CohortDataError

_TOP_MISSING = 20


def command(
    source: Annotated[Path, typer.Argument(
        help="A cohort folder (patients.csv, measurements.csv, tumor_assessments.csv), an "
             "experiment .toml file, or one table file.", show_default=False)],
    id_col: Annotated[str | None, typer.Option(
        "--id", help="Single table file: the patient id column.")] = None,
    label: Annotated[str | None, typer.Option(
        "--label", help="Single table file: the 0/1 response column.")] = None,
    therapy_class: Annotated[str | None, typer.Option(
        "--therapy-class", help="Single table file: the therapy class of every patient "
                                "(e.g. checkpoint_inhibitor).")] = None,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="Also write the summary as JSON to this file.")] = None,
):
    """Validate a cohort and summarise it: patients and responders per therapy class,
    biomarkers with units and baseline coverage, missing values.

    Problems are named with their file, column, rows and a fix; the checks of the tables'
    values (types, ranges, allowed levels) and their missing columns are reported together,
    while a problem that stops the cohort being read further (repeated ids in a mapped table,
    an unmapped therapy) is reported alone: fix it and run validate again. The exit status is 1
    when the cohort is not valid.

    Examples:

    \b
        irpredict simulate --out cohort/ && irpredict validate cohort/
        irpredict validate experiments/transneo.toml --json summary.json
        irpredict validate trial.csv --id ID --label pCR --therapy-class cytokine
    """
    from irpredict.cli._outputs import (
        check_output_file,
        cohort_input_files,
        refuse_overwriting_inputs,
    )
    from irpredict.data.loaders import load_cohort
    from irpredict.data.summary import summarize_cohort

    if json_path is not None:
        check_output_file(json_path)
        # a folder's every file, truth.json too: it says which series are response-derived
        refuse_overwriting_inputs({json_path: "--json"}, cohort_input_files(source))
    mapping = _mapping(source, id_col, label, therapy_class)
    if source.suffix.lower() == ".toml" and source.is_file():
        cohort = _checked_experiment(source)
    else:
        cohort = load_cohort(source, mapping=mapping)
    if json_path is not None:
        refuse_overwriting_inputs({json_path: "--json"}, [source, *cohort.sources.values()])
    summary = summarize_cohort(cohort)
    _warn_worth_knowing(summary, cohort)
    _print_summary(summary, cohort)
    if json_path is not None:
        _write_json(summary, json_path)


def _checked_experiment(path):
    """The experiment's cohort, after checking the sections train and landmarks read.

    A typo in [model] or [monitoring] (where the file has one) fails here too. Every
    problem found is reported at once: the [model] and [monitoring] sections and the
    cohort's data are checked apart.
    """
    from irpredict.exceptions import ExperimentConfigError, IRPredictError
    from irpredict.experiment import load_experiment
    from irpredict.monitoring.runner import check_monitoring_section
    from irpredict.training.design import check_feature_set_names
    from irpredict.training.settings import ModelSettings, check_folds, model_settings

    experiment = load_experiment(path)  # the rest can only be read from a readable file
    problems = []
    try:
        settings = model_settings(experiment.raw.get("model"),
                                  where=f"{experiment.path} [model]")
        check_feature_set_names(settings, experiment.feature_sets,
                                where=f"{experiment.path} [model]",
                                sensitivity=experiment.sensitivity_sets or ())
    except ExperimentConfigError as exc:
        problems.append(exc)
        settings = ModelSettings()
    try:
        check_monitoring_section(experiment, settings)
    except ExperimentConfigError as exc:
        problems.append(exc)
    cohort = None
    try:
        cohort = experiment.load_cohort()
    except IRPredictError as exc:
        problems.append(exc)
    if cohort is not None and not problems:
        try:
            check_folds(settings, cohort, where=f"{experiment.path} [model]")
        except ExperimentConfigError as exc:
            problems.append(exc)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ExperimentConfigError(f"{len(problems)} problems in {path}:\n"
                                    + "\n".join(f"- {p}" for p in problems))
    return cohort


def _mapping(source, id_col, label, therapy_class):
    if id_col is None and label is None and therapy_class is None:
        return None
    if source.is_dir() or source.suffix.lower() == ".toml":
        raise CohortDataError(
            "--id, --label and --therapy-class apply to a single table file only; "
            f"{source} is a folder or an experiment file"
        )
    from irpredict.data import THERAPY_CLASSES
    from irpredict.data.mapping import ColumnMapping

    if therapy_class is not None and therapy_class not in THERAPY_CLASSES:
        raise CohortDataError(
            f"--therapy-class '{therapy_class}' is not a therapy class; use one of "
            f"{', '.join(THERAPY_CLASSES)} (or an experiment file for a per-patient rule)"
        )
    return ColumnMapping(id=id_col or "patient_id", label=label, therapy_class=therapy_class)


_HEADERS = {"response_rate": "response rate", "day_min": "from day", "day_max": "to",
            "baseline_patients": "base n", "baseline_share": "base %", "missing_share": "missing %"}


def _table(title, frame, formats=None):
    from rich.table import Table

    formats = formats or {}
    table = Table(title=title, title_justify="left", header_style="bold")
    for col in frame.columns:
        numeric = frame[col].dtype.kind in "iuf" or str(frame[col].dtype) in ("Int64", "Int8")
        table.add_column(_HEADERS.get(col, str(col)), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell(v, formats.get(c)) for c, v in zip(frame.columns, row, strict=True)])
    return table


def _cell(value, fmt):
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "-"
    if fmt:
        return format(value, fmt)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _warn_worth_knowing(summary, cohort):
    """What does not make the cohort invalid but changes what can be done with it."""
    import warnings

    from irpredict.exceptions import DataWarning

    for row in summary.therapy.itertuples():
        labelled, responders = int(row.labelled), row.responders
        if row.therapy_class == "all" or labelled == 0 or responders is None:
            continue
        if int(responders) in (0, labelled):
            outcome = "responders" if int(responders) else "non-responders"
            warnings.warn(f"{row.therapy_class}: all {labelled} labelled patients are "
                          f"{outcome}; a model cannot learn response there, and its AUC is "
                          "undefined", DataWarning, stacklevel=2)
    total = summary.therapy[summary.therapy["therapy_class"] == "all"]
    if len(total) and int(total["labelled"].iloc[0]) < int(total["patients"].iloc[0]):
        missing = int(total["patients"].iloc[0]) - int(total["labelled"].iloc[0])
        named = ""
        if cohort.has_label:
            ids = cohort.patients.loc[cohort.patients[cohort.label_col].isna(), "patient_id"]
            named = f" ({', '.join(map(str, ids[:5]))}{' ...' if len(ids) > 5 else ''})"
        warnings.warn(f"{missing} patients have no label{named}; train and evaluate leave them "
                      "out", DataWarning, stacklevel=2)
    for table in ("measurements", "tumor_assessments"):
        frame = getattr(cohort, table)
        if table in cohort.sources and (frame is None or len(frame) == 0):
            warnings.warn(f"{cohort.sources[table]}: the {table.replace('_', ' ')} table has "
                          "no rows", DataWarning, stacklevel=2)
    scans = cohort.tumor_assessments
    if scans is not None and len(scans) and "target_sld_mm" in scans.columns:
        from irpredict.response._lesions import warn_implausible_sums

        optional = [c for c in ("nontarget", "new_lesion") if c not in scans.columns]
        warn_implausible_sums(scans.assign(**dict.fromkeys(optional)),
                              cohort.sources.get("tumor_assessments", "tumour table"))


def _print_summary(summary, cohort):
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    sources = ", ".join(f"{t}: {p}" for t, p in summary.sources.items()) or "in memory"
    console.print(f"[bold]{escape(summary.name)}[/bold]: {summary.n_patients} patients, valid "
                  f"({escape(sources)})", markup=True)
    console.print(_table("Patients and responders per therapy class", summary.therapy,
                         {"response_rate": ".1%"}))
    if len(summary.biomarkers):
        console.print(_table("Biomarkers (base = patients with a draw on days -30..0)",
                             summary.biomarkers,
                             {"baseline_share": ".0%", "day_min": "g", "day_max": "g"}))
    else:
        console.print("No measurements table.")
    features = summary.features.head(_TOP_MISSING)
    if len(features):
        console.print(_table(f"Missing values (top {min(_TOP_MISSING, len(summary.features))} of "
                             f"{len(summary.features)} feature columns)", features,
                             {"missing_share": ".1%"}))
    if summary.units:
        console.print("Units: " + ", ".join(f"{b} [{u}]" for b, u in sorted(summary.units.items())),
                      markup=False)
    if len(summary.tumor_assessments):
        counts = summary.tumor_assessments["assessments"]
        console.print(f"Tumour assessments: {int(counts.sum())} visits, "
                      f"{int((counts > 0).sum())} patients with any, median {counts.median():g} "
                      "per patient")


def _write_json(summary, path):
    import json

    from irpredict.cli._outputs import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf-8")
