"""`irpredict explain`: why the model predicts what it does for one patient."""

import math
from pathlib import Path

import typer

__all__ = ["command"]


def command(
    model: str = typer.Option(..., "--model", "-m",
                              help="Model URI (models:/<study>@champion), run id or folder."),
    data: Path = typer.Option(..., "--data", "-d",
                              help="Cohort: an experiment .toml, a cohort folder or a table "
                                   "with the training columns."),
    patient: str = typer.Option(None, "--patient", "-p", help="Patient id to explain."),
    all_patients: bool = typer.Option(False, "--all",
                                      help="Write explanations.csv (patient_id, biomarker, "
                                           "value, shap, base value, probability) for every "
                                           "patient."),
    out: Path = typer.Option(None, "--out", "-o",
                             help="Folder for the waterfall PNG / CSV (default: cwd)."),
    tracking_uri: str = typer.Option(None, "--tracking-uri", help="MLflow tracking URI."),
    top: int = typer.Option(10, "--top", min=1, help="Biomarkers shown."),
):
    """Explain one patient's predicted response in log-odds, per original biomarker.

    Prints the predicted probability, therapy class, base value and the top
    biomarkers (the patient's value, direction and size of the SHAP value),
    and writes <patient>_waterfall.png. With --all, writes explanations.csv
    for every patient instead (or as well, with --patient).

    Example: irpredict explain -m models:/transneo@champion -d experiments/transneo.toml -p T017
    """
    from rich.console import Console

    from irpredict.exceptions import ExperimentConfigError

    if patient is None and not all_patients:
        raise ExperimentConfigError("give --patient ID to explain one patient, or --all to "
                                    "write every patient's explanation")
    from rich.markup import escape

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    from irpredict.training.support import warn_far_outside_training

    folder = Path(out) if out is not None else Path.cwd()
    if all_patients:  # said before the work, not after it
        from irpredict.cli._outputs import cohort_input_files, refuse_overwriting_inputs

        refuse_overwriting_inputs([folder / "explanations.csv"], cohort_input_files(data))
    explanation, centred_on_rows, far, trained_on = explain_cohort(model, data,
                                                                   tracking_uri=tracking_uri)
    pid = _find_patient(explanation, patient, data) if patient is not None else None
    warn_far_outside_training(far if all_patients else far[far["patient_id"] == pid],
                              where=str(data))
    if out is not None:
        _make_folder(folder)
    if centred_on_rows and len(explanation.values) < 20:
        console.print(f"[yellow]note:[/yellow] only {len(explanation.values)} patients in {data}; "
                      "linear (logistic) SHAP values are measured from these patients' mean, so "
                      "explain a patient within a larger cohort")
    if patient is not None:
        path = folder / f"{_safe(pid)}_waterfall.png"
        _write_waterfall(explanation, pid, path, top)
        _print_patient(console, explanation, pid, top)
        if pid in trained_on:
            console.print(f"[yellow]note:[/yellow] patient {escape(str(pid))} was among the "
                          "model's training patients, so this probability is in-sample "
                          "(optimistic); its honest estimate is the out-of-fold one of the "
                          "training run")
        console.print(f"wrote {path}")
    if all_patients:
        path = folder / "explanations.csv"
        _write_tidy(explanation, path)
        console.print(f"wrote {path} ({len(explanation.values)} patients)")
        if trained_on:
            console.print(f"[yellow]note:[/yellow] {len(trained_on)} of these patients were "
                          "among the model's training patients: their probabilities are "
                          "in-sample (optimistic)")


def explain_cohort(model, data, *, tracking_uri=None):
    """Explanation of every patient of ``data`` by the model ``model`` (a URI).

    Returns the :class:`~irpredict.explain.Explanation` (as the in-process call
    ``explain(rm.classifier, rm.frame_from_cohort(cohort)[0])`` gives it),
    whether its linear SHAP values are measured from this cohort's mean (models
    fitted before irpredict kept training means) rather than the training mean,
    the feature values far outside the training range
    (:func:`~irpredict.training.support.far_outside_training`), and the ids of
    the patients the model was trained on (their probabilities are in-sample).
    """
    from irpredict.explain import centred_on_explained_rows, explain
    from irpredict.training.external import checked_input, model_frame, warn_outside_training
    from irpredict.training.publish import load_response_model
    from irpredict.training.support import far_outside_training

    response_model = load_response_model(model, tracking_uri=tracking_uri)
    name, X, _ = model_frame(response_model, data)
    X = checked_input(response_model, X, name, numbers_only=True)
    shifted = warn_outside_training(response_model, X, name)
    from irpredict.training.overlap import training_patients

    classifier = response_model.classifier
    seen = training_patients(response_model, X)
    trained_on = set() if seen is None else set(X.index[seen])
    far = far_outside_training(response_model, X)
    far = far[~far["feature"].isin(shifted)]  # said once, for the whole column
    return (explain(classifier, X), centred_on_explained_rows(classifier), far, trained_on)


def _make_folder(folder):
    from irpredict.cli._outputs import OutputError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the --out folder {folder}: {exc.strerror or exc}; "
                          "choose another --out") from exc


def _safe(pid):
    """A file-name stem for patient ``pid``: the id itself when it is safe, else a readable
    form plus a short hash of the id, so that ``a/b`` and ``a?b`` never share a file."""
    import hashlib
    import re

    text = str(pid)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip(".") or "patient"
    if safe == text:
        return safe
    return f"{safe}-{hashlib.blake2b(text.encode('utf-8'), digest_size=4).hexdigest()}"


def _find_patient(explanation, patient, data):
    from irpredict.exceptions import CohortDataError

    ids = [str(i) for i in explanation.values.index]
    for candidate in (patient, patient.strip()):  # a pasted id's spaces
        if candidate in ids:
            return explanation.values.index[ids.index(candidate)]
    close = _close_matches(patient, ids)
    hint = (f"close matches: {', '.join(close)}" if close
            else f"e.g. {', '.join(ids[:3])}")
    raise CohortDataError(f"patient {patient!r} is not in {data} ({len(ids)} patients; {hint}); "
                          "check the id (as written in the cohort's id column)")


def _close_matches(query, ids, n=5):
    """Ids most similar to ``query``; ties go to the longest common prefix."""
    import difflib
    import os

    def key(candidate):
        ratio = difflib.SequenceMatcher(None, query, candidate).ratio()
        return -round(ratio, 6), -len(os.path.commonprefix([query, candidate])), candidate

    ranked = sorted(ids, key=key)[:n]
    return [c for c in ranked if difflib.SequenceMatcher(None, query, c).ratio() >= 0.5]


def _write_waterfall(explanation, pid, path, top):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from irpredict.cli._outputs import atomic_path
    from irpredict.explain.plots import plot_waterfall

    fig = plot_waterfall(explanation, pid, max_display=top)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)


def _write_tidy(explanation, path):
    from irpredict.cli._outputs import atomic_path

    tidy = explanation.to_tidy()
    # base_value + the patient's SHAP values = explained_log_odds; for a model calibrated
    # after training that is the log-odds before calibration, not logit(prob_response)
    tidy["explained_log_odds"] = tidy["patient_id"].map(explanation.margin)
    with atomic_path(path) as tmp:
        tidy[["patient_id", "therapy_class", "biomarker", "value", "value_column", "shap",
              "base_value", "explained_log_odds", "prob_response"]].to_csv(tmp, index=False)


def patient_rows(explanation, pid, top):
    """The ``top`` biomarkers of one patient by |SHAP|: (biomarker, value, shap) tuples."""
    import numpy as np

    row = explanation.values.loc[pid]
    order = np.argsort(-np.abs(row.to_numpy(dtype=float)), kind="stable")[:top]
    return [(row.index[j], explanation.feature_values.loc[pid, row.index[j]], float(row.iloc[j]))
            for j in order]


def _fmt(value):
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "missing"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _print_patient(console, explanation, pid, top):
    from rich.table import Table

    therapy = (explanation.therapy_class.loc[pid] if explanation.therapy_class is not None
               else "n/a")
    console.print(f"patient {pid}: probability of response {explanation.prob.loc[pid]:.3f} "
                  f"(therapy class {therapy}); base value {explanation.base_values.loc[pid]:.3f}"
                  f" log-odds, model log-odds {explanation.margin.loc[pid]:.3f}")
    before = float(1 / (1 + math.exp(-float(explanation.margin.loc[pid]))))
    if abs(before - float(explanation.prob.loc[pid])) > 5e-4:
        console.print(f"note: the model is calibrated after training: the SHAP values add up "
                      f"to its log-odds before calibration (probability {before:.3f}), which "
                      f"calibration maps to {explanation.prob.loc[pid]:.3f}.")
    table = Table(title=f"Top {top} biomarkers (SHAP, log-odds)", title_justify="left",
                  header_style="bold")
    for col, justify in (("biomarker", "left"), ("value", "right"), ("as column", "left"),
                         ("direction", "left"), ("log-odds", "right")):
        table.add_column(col, justify=justify)
    for name, value, shap in patient_rows(explanation, pid, top):
        direction = "↑ response" if shap > 0 else ("↓ response" if shap < 0 else "none")
        table.add_row(str(name), _fmt(value), str(explanation.shown_columns.get(name, name)),
                      direction, f"{shap:+.4f}")
    console.print(table)
