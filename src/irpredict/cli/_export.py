"""`irpredict export`: a self-contained model folder with its model card."""

from pathlib import Path

import typer

__all__ = ["command"]

_CARD = """\
# Model card: {study} ({feature_set} / {family})

Exported by `irpredict export` from `{source}` on {date}.

## What it predicts
The probability that a patient responds ({label}) to the therapy class given in the
input, with each prediction's SHAP explanation in log-odds per original biomarker.
Therapy classes it can score: {therapies}.

## Inputs
The per-patient table: `therapy_class` and these {n_features} feature columns (before
imputation and encoding; categorical: {categorical}):

{features}

On-treatment features (if any) use data up to day {landmark:g} after the first dose only.

## Outputs
`prob_response`, `therapy_class`, `base_value`, `explained_log_odds` and one
`shap__<biomarker>` column per original biomarker; for each row the SHAP values plus
`base_value` equal `explained_log_odds`, the model's log-odds
({calibration_note}).

## Performance (out-of-fold, from the training run {run_id})
{performance}

## Use
    irpredict serve --model {folder}
    mlflow models serve -m {folder} --env-manager local

{portability}

## Limitations
Trained on the cohort of study `{study}` only. Therapy classes it was not trained on are
refused; values no patient can have, or beyond 1000 times the training range, are refused, and
values far outside the training range are scored with a warning (the model extrapolates).
Check calibration on your own cohort (`irpredict evaluate`) before any use; this is research
software, not a medical device.
"""


def command(
    model: str = typer.Option(..., "--model", "-m",
                              help="Model URI (models:/<study>@champion), run id or folder."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to create, e.g. models/<name>."),
    tracking_uri: str = typer.Option(None, "--tracking-uri", help="MLflow tracking URI."),
    force: bool = typer.Option(
        False, "--force", help="Replace an earlier export in --out (a folder with an MLmodel "
                               "file)."),
):
    """Export a registered model as a self-contained MLflow model folder with MODEL_CARD.md.

    The folder serves as it is: irpredict serve --model <folder>.

    Example: irpredict export --model models:/transneo@champion --out out/transneo-model
    """
    import shutil
    import tempfile

    from irpredict.cli._outputs import OutputError
    from irpredict.tracking import quiet_mlflow

    quiet_mlflow()
    _check_not_the_model(out, model)
    _check_replaceable(out, force)
    parent = out.absolute().parent
    if not parent.is_dir():
        what = "is a file, not a folder" if parent.exists() else "does not exist"
        raise OutputError(f"cannot create {out}: {parent} {what}")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        card = _download(model, tracking_uri, tmp / "model")
        staged = tmp / "model"
        (staged / "MODEL_CARD.md").write_text(card.format(folder=out), encoding="utf-8")
        if out.exists():
            _check_only_export_files(out, staged)
            out.rename(tmp / "previous")  # removed with tmp, only once the new export is in place
        staged.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    typer.echo(f"exported {model} to {out}/ (MLmodel, artifacts, MODEL_CARD.md)")


def _check_not_the_model(out, model):
    """A model folder cannot be exported into itself, a folder inside it or one holding it."""
    from irpredict.cli._outputs import OutputError

    source = Path(str(model))
    if source.name == "MLmodel":
        source = source.parent
    if not source.exists():
        return  # a models:/ or run URI
    source, target = source.resolve(), out.absolute().resolve()
    if source == target or source in target.parents or target in source.parents:
        raise OutputError(f"--out {out} is the model folder being exported ({model}), or holds "
                          "it or lies inside it; choose another folder")


def _check_replaceable(out, force):
    """--force replaces an earlier export or an empty folder, never anything else."""
    from irpredict.cli._outputs import OutputError

    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise OutputError(f"--out {out} is a file, not an earlier export; export into a new "
                          "folder (--force replaces only a folder written by 'irpredict "
                          "export')")
    if not any(out.iterdir()):
        return  # an empty folder made for the export
    if not force:
        raise OutputError(f"--out {out} exists; choose a new folder, or pass --force to "
                          "replace an earlier export")
    resolved = out.resolve()
    protected = {Path.cwd().resolve(), *Path.cwd().resolve().parents, Path.home().resolve()}
    if resolved in protected:
        raise OutputError(f"--out {out} is the current folder, one of its parents or the home "
                          "folder; export into a new folder such as models/<name>")
    if any(out.iterdir()) and not (out / "MLmodel").is_file():
        raise OutputError(f"--out {out} holds files but no MLmodel, so it is not an earlier "
                          "export; --force will not delete it. Choose a new folder")


#: What an export folder holds (MLflow's model files, irpredict's card and code).
EXPORT_ENTRIES = frozenset({
    "MLmodel", "MODEL_CARD.md", "_model_code.py", "artifacts", "code", "conda.yaml",
    "python_env.yaml", "requirements.txt", "input_example.json", "serving_input_example.json",
    "registered_model_meta", "metadata"})


def _check_only_export_files(out, staged):
    """--force deletes an earlier export, never files someone added to it."""
    from irpredict.cli._outputs import OutputError

    known = EXPORT_ENTRIES | {p.name for p in staged.iterdir()}
    added = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir()
                   if p.name not in known)
    if added:
        raise OutputError(
            f"--out {out} is an earlier export, but it also holds {', '.join(added[:5])}"
            f"{' ...' if len(added) > 5 else ''}, which no export writes; --force would delete "
            "them. Move them out of the folder, or export into a new folder")


def _download(model, tracking_uri, target):
    import shutil
    from datetime import date

    import mlflow

    from irpredict.tracking.registry import loading_from
    from irpredict.tracking.resolve import locate_model
    from irpredict.training.publish import load_response_model

    uri, store = locate_model(model, tracking_uri=tracking_uri)
    if Path(uri).is_dir():  # a model folder: MLflow would copy it into target/<its name>
        shutil.copytree(uri, target, ignore=shutil.ignore_patterns("MODEL_CARD.md"))
    else:
        with loading_from(store):
            mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(target))
    response_model = load_response_model(model, tracking_uri=tracking_uri)
    from irpredict.tracking import get_client

    if store is not None:
        run_id, performance = _performance(get_client(store), uri, str(model).strip())
    elif Path(uri, "MODEL_CARD.md").is_file():
        run_id, performance = _carried_performance(Path(uri, "MODEL_CARD.md"))
    else:
        run_id, performance = None, "Not recorded for this source."
    features = "\n".join(f"- `{c}`" for c in response_model.feature_columns)
    return _CARD.format(
        study=response_model.study, feature_set=response_model.feature_set,
        family=response_model.family, source=model, date=date.today().isoformat(),
        label=response_model.label_col, therapies=", ".join(response_model.therapies),
        n_features=len(response_model.feature_columns),
        categorical=", ".join(response_model.categorical_columns) or "none",
        features=features, landmark=response_model.landmark_days, run_id=run_id or "unknown",
        performance=performance, folder="{folder}",
        calibration_note=_calibration_note(response_model),
        portability=_PORTABLE if (target / "code" / "irpredict").is_dir() else _NOT_PORTABLE)


_PORTABLE = ("The folder carries the irpredict code the model was trained with (`code/`) and "
             "pins the packages it needs (`requirements.txt`): `mlflow.pyfunc.load_model` "
             "loads it where irpredict is not installed.")
_NOT_PORTABLE = ("This model was logged without its code: loading it needs irpredict "
                 "installed.")


def _calibration_note(response_model):
    from irpredict.models.calibrated import CalibratedModel

    def calibrated(estimator):
        if isinstance(estimator, CalibratedModel):
            return getattr(estimator, "method", None) not in (None, "none")
        return any(calibrated(e) for e in _children(estimator))

    if calibrated(response_model.classifier):
        return ("this model is calibrated after training: the SHAP values add up to its "
                "log-odds before calibration, which calibration maps to `prob_response`")
    return "not calibrated after training: `base_value` plus the SHAP values is "\
           "logit(`prob_response`)"


def _children(estimator):
    """Fitted sub-estimators of a meta-estimator (per-therapy models, pipeline steps)."""
    found = []
    for attr in ("estimators_", "pooled_estimator_", "steps"):
        value = getattr(estimator, attr, None)
        if isinstance(value, dict):
            found += list(value.values())
        elif isinstance(value, list):
            found += [v[1] if isinstance(v, tuple) else v for v in value]
        elif value is not None:
            found.append(value)
    return found


def _carried_performance(card):
    """Run id and performance section of the card of the folder being re-exported."""
    import re

    text = card.read_text(encoding="utf-8")
    match = re.search(r"^## Performance \(out-of-fold, from the training run (\S+)\)\n(.*?)"
                      r"(?=^## )", text, flags=re.S | re.M)
    if match is None:
        return None, "Not recorded for this source."
    run_id = None if match.group(1) == "unknown" else match.group(1)
    return run_id, match.group(2).strip()


def _interval(metrics, name, group, spec):
    """``estimate [low-high]`` of a logged metric, or n/a."""
    nan = float("nan")
    est = metrics.get(f"{name}__{group}", nan)
    if est != est:
        return "n/a"
    low = metrics.get(f"{name}_ci_low__{group}", nan)
    high = metrics.get(f"{name}_ci_high__{group}", nan)
    sep = " to " if low == low and low < 0 else "-"
    return f"{est:{spec}}" + (f" [{low:{spec}}{sep}{high:{spec}}]" if low == low else "")


def _performance(client, uri, ref=""):
    """AUC [CI] per therapy class of the child run that matches the exported model.

    ``ref`` is the model as the user named it: a bare run id is the training run itself.
    """
    import re

    try:
        from irpredict.tracking.store import with_retry

        if uri.startswith("models:/") and "@" in uri:
            name, alias = uri[len("models:/"):].split("@", 1)
            version = with_retry(client.get_model_version_by_alias, name, alias)
            run_id = version.tags.get("run_id") or version.run_id
        elif re.fullmatch(r"[0-9a-f]{32}", ref):
            run_id = ref
        else:
            return None, "Not recorded for this source."
        parent = with_retry(client.get_run, run_id)
        final = parent.data.params.get("final_model", "")
        children = client.search_runs([parent.info.experiment_id],
                                      f"tags.mlflow.parentRunId = '{run_id}'")
        for child in children:
            tags = child.data.tags
            if f"{tags.get('irpredict.feature_set')}/{tags.get('irpredict.family')}" == final:
                m = child.data.metrics
                groups = sorted({k.split("__", 1)[1] for k in m if k.startswith("auc__")})
                rows = [f"- {g}: AUC {_interval(m, 'auc', g, '.3f')}, calibration slope "
                        f"{_interval(m, 'calibration_slope', g, '.2f')}, Brier "
                        f"{_interval(m, 'brier', g, '.3f')}" for g in groups]
                return run_id, "\n".join(rows)
        return run_id, "Not recorded for this source."
    except Exception as exc:  # noqa: BLE001 - the card says what is missing
        return None, f"Not recorded ({type(exc).__name__})."
