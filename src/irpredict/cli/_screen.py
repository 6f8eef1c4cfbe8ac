"""`irpredict screen`: enrichment and trial-size trade-offs of enrollment rules."""

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from irpredict.exceptions import CohortDataError, ExperimentConfigError

#: ``frame.attrs`` key: the unit each biomarker of the cohort is read in.
UNITS = "irpredict.units"


def command(
    source: Annotated[Path, typer.Argument(
        help="An experiment .toml file, a cohort folder, or one table file.",
        show_default=False)],
    out: Annotated[Path, typer.Option(
        "--out", help="Folder for screening.csv and tradeoff.png (created if needed).",
        show_default=False)],
    p0: Annotated[float, typer.Option(
        "--p0", help="Uninteresting response rate of the single-arm designs.",
        show_default=False)],
    criteria: Annotated[list[str] | None, typer.Option(
        "--criteria", help="Enrollment criteria, e.g. \"pdl1_cps >= 10 and not (ecog >= 2)\"; "
                           "repeat for several.")] = None,
    thresholds: Annotated[str | None, typer.Option(
        "--thresholds", help="Fixed score thresholds: start:stop:step (inclusive) or a comma "
                             "list, applied as SCORE >= t.")] = None,
    score_column: Annotated[str, typer.Option(
        "--score-column", help="Column with OUT-OF-FOLD predicted response probabilities.")
    ] = "prob_response",
    model: Annotated[str | None, typer.Option(
        "--model", help="Score SOURCE with a registered model (models:/<name>@champion, ...) "
                        "into --score-column. The model's own training patients are "
                        "cross-fitted (5 folds), never scored in-sample.")] = None,
    tracking_uri: Annotated[str | None, typer.Option(
        "--tracking-uri", help="MLflow tracking URI for --model.")] = None,
    p_comparator: Annotated[float | None, typer.Option(
        "--p-comparator", help="Comparator-arm response rate for the two-arm size.")] = None,
    alpha: Annotated[float, typer.Option(
        "--alpha", help="Type I error (one-sided for single-arm, see --sided for two-arm).")
    ] = 0.05,
    power: Annotated[float, typer.Option("--power", help="Power (1 - beta).")] = 0.8,
    sided: Annotated[int, typer.Option(
        "--sided", help="Sides of the two-arm (Fleiss) test: 1 or 2.")] = 2,
    cost_screen: Annotated[float | None, typer.Option(
        "--cost-screen", min=0, help="Cost per screened patient.")] = None,
    cost_patient: Annotated[float | None, typer.Option(
        "--cost-patient", min=0, help="Cost per enrolled patient.")] = None,
    therapy_class: Annotated[str | None, typer.Option(
        "--therapy-class", help="Screen only this therapy class (for one table file with "
                                "--id: the class of every patient).")] = None,
    simon_max_n: Annotated[int, typer.Option(
        "--simon-max-n", min=10, max=500,
        help="Largest Simon two-stage trial searched; a design needing more (or an "
             "optimal design that might) shows 'none'.")
    ] = 100,
    missing: Annotated[str, typer.Option(
        "--missing", help="Patients whose eligibility is unknown (missing values): exclude "
                          "or include.")] = "exclude",
    n_bootstrap: Annotated[int, typer.Option(
        "--n-bootstrap", min=0, help="Bootstrap resamples for the 95% CIs (0: no CIs; "
                                     "at least 200 for CIs worth reading).")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0,
                                      help="Random seed of the bootstrap.")] = 0,
    id_col: Annotated[str | None, typer.Option(
        "--id", help="One table file: the patient id column.")] = None,
    label: Annotated[str | None, typer.Option(
        "--label", help="One table file: the 0/1 response column.")] = None,
    markdown: Annotated[Path | None, typer.Option(
        "--markdown", help="Also write a markdown report (command, settings, table) here.")
    ] = None,
    note: Annotated[list[str] | None, typer.Option(
        "--note", help="A paragraph for the markdown report (e.g. why these thresholds); "
                       "repeat for several.")] = None,
):
    """Screen patients by enrollment criteria or score thresholds: eligible fraction,
    response rate among eligible with bootstrap CIs, enrichment, responders turned away,
    numbers needed to screen, exact single-arm / Simon two-stage / Fleiss two-arm sizes,
    patients to screen and cost.

    Scores given with --score-column must be out-of-fold (or external) predictions; with
    --model, SOURCE is scored by a registered model; on the model's own study the scores are
    out-of-fold, from a 5-fold cross-fit of the model's configuration.
    The bootstrap resamples patients and never refits a model. Criteria may name any column
    of the patients table or a baseline biomarker (x or x__baseline).

    Example:

    \b
        irpredict screen experiments/ispy2.toml \\
            --therapy-class checkpoint_inhibitor \\
            --criteria "Chemokine12_score >= 0" --score-column STAT1_sig \\
            --thresholds=-1:1:0.5 --p0 0.30 --p-comparator 0.17 \\
            --out screening/ --markdown screening/report.md
    """
    if not criteria and thresholds is None:
        raise ExperimentConfigError("nothing to screen: give at least one --criteria or "
                                    "--thresholds")
    from irpredict.cli._screen_outputs import markdown_text, print_table, write_outputs
    from irpredict.screening._rules import parse_thresholds, unique_rules
    from irpredict.screening.criteria import parse_criteria
    from irpredict.screening.enrichment import enrichment_table, threshold_rules

    _check_costs(cost_screen, cost_patient)
    missing = missing.strip().lower()
    if missing not in ("exclude", "include"):
        raise ExperimentConfigError(f"--missing must be exclude or include; got {missing!r}")
    _check_outputs(out, markdown, source, tracking_uri)
    rules = list(criteria or [])
    for text in rules:
        parse_criteria(text)  # syntax errors before the cohort is read
    if thresholds is not None:
        rules += threshold_rules(score_column, parse_thresholds(thresholds))
    rules = unique_rules(rules)
    if thresholds is not None and id_col is not None and score_column == id_col:
        raise ExperimentConfigError(f"--score-column '{score_column}' is the patient id column "
                                    "(--id); name a column of out-of-fold scores")
    said = []  # warnings go to the markdown report as well as the terminal
    with _also_into(said):
        frame = _patient_frame(source, id_col, label, therapy_class, model, tracking_uri,
                               score_column, rules=rules, criteria=list(criteria or []),
                               scored=thresholds is not None)
    if thresholds is not None and score_column not in frame.columns \
            and f"{score_column}__baseline" in frame.columns:  # a biomarker, as in criteria
        score_column = f"{score_column}__baseline"
    if thresholds is not None and model is None and score_column not in frame.columns:
        raise ExperimentConfigError(
            f"--thresholds compare the score column '{score_column}', which {source} does not "
            "have: pass --model to score the cohort with a registered model, or --score-column "
            "to name a column of out-of-fold scores it holds")
    if thresholds is not None and score_column in frame.columns:
        _refuse_text_scores(frame[score_column], score_column, source)
    read_in = _units_read(frame, criteria or [],
                          [score_column] if thresholds is not None else [])
    if read_in:
        said.append(read_in)
        typer.echo(f"note: {read_in}")
    with _also_into(said):
        table = _run_with_progress(
            enrichment_table, frame, rules, p0=p0, p_comparator=p_comparator, alpha=alpha,
            power=power, sided=sided, cost_screen=cost_screen, cost_patient=cost_patient,
            missing=missing, n_bootstrap=n_bootstrap, random_state=seed,
            simon_nmax=simon_max_n)
    print_table(table, simon_max_n)
    report_text = None
    if markdown is not None:
        settings = {"p0": p0, "p_comparator": p_comparator, "alpha": alpha, "power": power,
                    "two-arm sides": sided, "simon_max_n": simon_max_n, "missing": missing,
                    "n_bootstrap": n_bootstrap, "seed": seed, "cost_screen": cost_screen,
                    "cost_patient": cost_patient}
        if model is not None:
            from irpredict.tracking.resolve import model_provenance

            known = model_provenance(model, tracking_uri=tracking_uri)
            settings["model"] = " = ".join(dict.fromkeys(
                [model, *(str(known[k]) for k in ("model_version", "run_id") if k in known)]))
        report_text = markdown_text(table, settings, [*(note or []),
                                                         *(w if w == read_in else
                                                           f"Warning: {w}" for w in said)])
    write_outputs(table, out, markdown, report_text)


def _units_read(frame, criteria, scores):
    """Which unit each biomarker the rules (criteria and score columns) read is compared in
    (None when none has one)."""
    from irpredict.screening.criteria import parse_criteria

    units = frame.attrs.get(UNITS, {})
    names = dict.fromkeys(n.removesuffix("__baseline") for n in
                          [*(n for t in criteria for n in parse_criteria(t).names), *scores])
    shown = [f"{n} in {units[n]}" for n in names if units.get(n)]
    return (f"thresholds are compared with the cohort's values in these units: "
            f"{', '.join(shown)}") if shown else None


@contextlib.contextmanager
def _also_into(said):
    """Warnings shown while inside also appended (as text) to ``said``."""
    import warnings

    shown = warnings.showwarning

    def show(message, *args, **kwargs):
        said.append(str(message))
        shown(message, *args, **kwargs)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = shown


def _check_costs(cost_screen, cost_patient):
    import math

    given = {"--cost-screen": cost_screen, "--cost-patient": cost_patient}
    if (cost_screen is None) != (cost_patient is None):
        have, lack = sorted(given, key=lambda name: given[name] is None)
        raise ExperimentConfigError(
            f"{have} needs {lack} too: a trial's cost is its enrolled patients times the cost "
            "per patient plus the patients screened times the cost per screen; give both "
            "(0 for a cost not counted)")
    for name, value in given.items():
        if value is not None and not math.isfinite(value):
            raise ExperimentConfigError(f"{name} must be a finite number; got {value}")


def _refuse_text_scores(scores, score_column, source):
    """--thresholds compare numbers: a score column of text would select nobody in silence."""
    import pandas as pd

    present = scores.dropna()
    numbers = pd.to_numeric(present, errors="coerce")
    if len(present) and numbers.isna().any():
        shown = ", ".join(repr(str(v)) for v in present[numbers.isna()].unique()[:5])
        raise ExperimentConfigError(
            f"--score-column '{score_column}' of {source} holds text ({shown}), not scores: "
            "--thresholds compare numbers. Name a column of out-of-fold probabilities, or "
            "write a rule on this column with --criteria")


def _check_outputs(out, markdown, source, tracking_uri=None):
    """Say a wrong --out or --markdown before the bootstrap, not after it."""
    from irpredict.cli._outputs import (
        check_output_file,
        check_output_folder,
        cohort_input_files,
        refuse_overwriting_inputs,
        tracking_store_files,
    )
    from irpredict.cli._screen_outputs import inside

    check_output_folder(out)
    refuse_overwriting_inputs({markdown: "--markdown", Path(out) / "screening.csv": "--out",
                               Path(out) / "tradeoff.png": "--out"},
                              [*cohort_input_files(source), *tracking_store_files(tracking_uri)])
    if markdown is not None and not inside(markdown, out):
        check_output_file(markdown)




def _run_with_progress(fn, *args, **kwargs):
    from rich.console import Console

    with Console(stderr=True).status("bootstrapping the screening table ..."):
        return fn(*args, **kwargs)


def _patient_frame(source, id_col, label, therapy_class, model=None, tracking_uri=None,
                   score_column="prob_response", rules=(), criteria=(), scored=False):
    """Patients-table columns plus baseline features (and model scores), by patient_id;
    ``criteria`` (and the score column when ``scored``) may not read the outcome."""
    from irpredict.data import THERAPY_CLASSES
    from irpredict.data.loaders import load_cohort
    from irpredict.exceptions import UnknownTherapyError
    from irpredict.features import build_features
    from irpredict.screening._evaluate import NOT_SCREENABLE, ON_TREATMENT_ONLY
    from irpredict.screening._rules import (
        check_rules_on_every_patient,
        follow_up_columns,
        has_column,
        has_therapy_column,
        on_treatment_only,
        outcome_columns,
        refuse_outcome_columns,
    )

    mapping = None
    if model is not None and (id_col is not None or label is not None):
        raise CohortDataError("--model reads SOURCE the way the model's training data was "
                              "read; drop --id and --label")
    if id_col is not None or label is not None:
        if source.is_dir() or source.suffix.lower() == ".toml":
            raise CohortDataError(f"--id and --label apply to one table file only; {source} is "
                                  "a folder or an experiment file")
        from irpredict.data.mapping import ColumnMapping

        # a table with its own therapy_class column is filtered by --therapy-class below;
        # only a table without one takes it as every patient's class
        # without --label the table's own response column is the label, as without --id
        if label is None and has_column(source, "response"):
            label = "response"
        mapping = ColumnMapping(id=id_col or "patient_id", label=label,
                                therapy_class=None if has_therapy_column(source)
                                else therapy_class)
    scores = None
    if model is not None:
        from irpredict.cli._screen_model import model_scores

        cohort, scores, mapping = model_scores(model, tracking_uri, source, score_column)
    else:
        cohort = load_cohort(source, mapping=mapping)
        if source.suffix.lower() == ".toml":
            from irpredict.experiment import load_experiment

            mapping = load_experiment(source).data.mapping
    patients = cohort.patients.set_index(cohort.patients["patient_id"].astype(str))
    features = build_features(cohort, landmark_days=0).X
    extra = [c for c in features.columns if c not in patients.columns]
    frame = patients.join(features[extra]) if extra else patients
    if scores is not None:
        taken = [c for c in (score_column, f"{score_column}__baseline") if c in frame.columns]
        if taken:
            raise CohortDataError(f"--score-column '{score_column}' is already a column or "
                                  f"biomarker of {source} ({taken[0]}); name the model's "
                                  "scores differently (e.g. --score-column prob_response)")
        frame = frame.join(scores)
    if cohort.label_col != "response" and cohort.label_col in frame:
        frame = frame.rename(columns={cohort.label_col: "response"})
    # before the rules are checked: a rule on the label is refused as such, not as unknown
    refused = {**follow_up_columns(cohort, frame), **outcome_columns(cohort, frame, mapping)}
    refuse_outcome_columns(criteria, score_column if scored else None, refused)
    frame.attrs[ON_TREATMENT_ONLY] = on_treatment_only(cohort)
    frame.attrs[NOT_SCREENABLE] = tuple(refused)  # never offered as a close name
    frame.attrs[UNITS] = dict(cohort.units or {})
    check_rules_on_every_patient(frame, rules)
    if therapy_class is not None:
        present = sorted(frame["therapy_class"].astype(str).unique())
        # written as a person would: 'Cytokine', 'monoclonal antibody'
        spelled = {c.casefold().replace(" ", "_").replace("-", "_"): c for c in present}
        therapy_class = spelled.get(
            therapy_class.strip().casefold().replace(" ", "_").replace("-", "_"), therapy_class)
        if therapy_class not in present:
            known = "" if therapy_class in THERAPY_CLASSES else " (not a therapy class)"
            raise UnknownTherapyError(
                f"--therapy-class '{therapy_class}'{known}: cohort '{cohort.name}' has no such "
                f"patients; it holds {', '.join(present)}. Pick one of those")
        frame = frame[frame["therapy_class"].astype(str) == therapy_class]
    return frame
