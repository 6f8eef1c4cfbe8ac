"""`irpredict features`: one row of model inputs per patient, up to landmark days."""

from pathlib import Path

import typer

from irpredict.exceptions import ExperimentConfigError

__all__ = ["command", "parse_window"]


def parse_window(text):
    """Parse ``"-30:0"`` into ``(-30.0, 0.0)``.

    Raises
    ------
    ExperimentConfigError
        When the text is not ``first:last`` with two numbers.
    """
    first, sep, last = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return float(first), float(last)
    except ValueError:
        raise ExperimentConfigError(
            f"--baseline-window {text!r} is not FIRST:LAST in days; write e.g. -30:0"
        ) from None


_OUT_FORMATS = (".csv", ".parquet", ".pq")


def _write(frame, out):
    """Write CSV (``.csv``) or Parquet atomically: a temporary file, then rename."""
    from irpredict.cli._outputs import atomic_path

    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)


def command(
    source: Path = typer.Argument(
        ..., help="An experiment file (experiments/<study>.toml), a cohort folder, or (with "
                  "--model) a table with the model's training columns."),
    landmark_days: list[float] = typer.Option(
        None, "--landmark-days", "-L",
        help="Landmark day L: only data up to day L is used. Repeat for several landmarks. "
             "[default: an experiment file's [model] landmark days, else 42]"),
    out: Path = typer.Option(
        Path("features.parquet"), "--out", "-o",
        help="Output file: CSV (.csv) or Parquet (.parquet)."),
    baseline_window: str = typer.Option(
        None, "--baseline-window",
        help="Days (inclusive) searched for the baseline draw, as FIRST:LAST. [default: -30:0]"),
    model: str = typer.Option(
        None, "--model", "-m",
        help="Build exactly this model's inputs (URI, run id or folder): its features in its "
             "order, its landmark day, units and levels; a table ready for irpredict serve."),
    tracking_uri: str = typer.Option(None, "--tracking-uri", help="MLflow tracking URI."),
):
    """Build per-patient features (baseline, derived ratios, on-treatment kinetics).

    Writes one row per patient: patient_id, therapy_class, the label (when the
    cohort has one), then one column per feature, named <biomarker>__<stat>_d<L>.
    Rows after the landmark day are never used; labels, excluded columns and
    response-derived series are left out. With --model, the columns are the
    model's features (a biomarker it was trained on that this cohort never
    measured is kept, empty, and named in a warning; a patients-table column it
    reads must be in the cohort, empty where unknown).

    Example: irpredict features experiments/inspire.toml --landmark-days 42 --out features.parquet
    """
    from rich.console import Console

    from irpredict.cli._outputs import OutputError, refuse_overwriting_inputs
    from irpredict.data.loaders import load_cohort
    from irpredict.features import build_features

    note = ""
    if out.suffix.lower() not in _OUT_FORMATS:
        raise OutputError(
            f"--out {out}: write features to a .csv or .parquet file (got "
            f"'{out.suffix or 'no extension'}'); e.g. --out features.csv")
    if model is not None:
        if landmark_days is not None or baseline_window is not None:
            raise ExperimentConfigError(
                "--model builds the model's own inputs, at its landmark day and baseline "
                "window: leave out --landmark-days and --baseline-window")
        from irpredict.cli._outputs import cohort_input_files, tracking_store_files

        refuse_overwriting_inputs([out], [*cohort_input_files(source),
                                          *tracking_store_files(tracking_uri)])
        frame, n_features, what = model_inputs(model, source, tracking_uri=tracking_uri)
    else:
        window = parse_window("-30:0" if baseline_window is None else baseline_window)
        if not landmark_days:
            landmark_days = _experiment_landmarks(source)
            if landmark_days:
                days = ", ".join(f"{d:g}" for d in landmark_days)
                what_days = f" at landmark day{'s' if len(landmark_days) > 1 else ''} {days}"
                note = f"{what_days} of {source} [model] (--landmark-days to choose)"
        cohort = load_cohort(source)
        refuse_overwriting_inputs([out], [source, *cohort.sources.values()])
        features = build_features(cohort, landmark_days=landmark_days or [42.0],
                                  baseline_window=window)
        frame, n_features, what = features.to_frame(), features.X.shape[1], "features"
    _write(frame, out)
    from rich.markup import escape

    Console(highlight=False, soft_wrap=True).print(escape(
        f"{frame.shape[0]} rows x {frame.shape[1]} columns ({n_features} {what}{note}) "
        f"written to {out}"))


def _experiment_landmarks(source):
    """The landmark days an experiment file's ``[model]`` trains at (``landmark_days`` and
    ``feature_set_landmarks``), or None for a cohort folder or a file that sets none."""
    if Path(source).suffix.lower() != ".toml":
        return None
    from irpredict.experiment import load_experiment
    from irpredict.training.settings import model_settings

    experiment = load_experiment(source)
    raw = experiment.raw.get("model") or {}
    if "landmark_days" not in raw and not raw.get("feature_set_landmarks"):
        return None
    settings = model_settings(raw, where=f"{experiment.path} [model]")
    return sorted({settings.landmark_days, *settings.feature_set_landmarks.values()})


def model_inputs(model, source, *, tracking_uri=None):
    """A cohort's input table for a registered model, as its predictions read it.

    Parameters
    ----------
    model : str
        Model URI, run id or model folder.
    source : path-like
        An experiment file, a cohort folder or a table with the training columns.
    tracking_uri : str or None

    Returns
    -------
    frame : pandas.DataFrame
        ``patient_id``, ``therapy_class``, the label when the cohort has one, then the
        model's features in its order.
    n_features : int
    what : str
        How the features are described: ``"features of model <study>/<feature set>"``.
    """
    import pandas as pd

    from irpredict.training.external import model_frame
    from irpredict.training.publish import load_response_model

    response_model = load_response_model(model, tracking_uri=tracking_uri)
    _, X, y = model_frame(response_model, source)
    parts = [X["therapy_class"]]
    if y is not None:
        parts.append(y.rename(response_model.label_col))
    frame = pd.concat([*parts, X[response_model.feature_columns]], axis=1)
    frame.index.name = "patient_id"
    what = f"features of model {response_model.study}/{response_model.feature_set}"
    return frame.reset_index(), len(response_model.feature_columns), what
