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
    from irpredict.cli._outputs import OutputError, atomic_path

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: cannot create the folder {out.parent} "
                          f"({exc.strerror or exc}); choose another --out") from exc
    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)


def command(
    source: Path = typer.Argument(
        ..., help="An experiment file (experiments/<study>.toml) or a cohort folder."),
    landmark_days: list[float] = typer.Option(
        [42.0], "--landmark-days", "-L",
        help="Landmark day L: only data up to day L is used. Repeat for several landmarks."),
    out: Path = typer.Option(
        Path("features.parquet"), "--out", "-o",
        help="Output file: CSV (.csv) or Parquet (.parquet)."),
    baseline_window: str = typer.Option(
        "-30:0", "--baseline-window",
        help="Days (inclusive) searched for the baseline draw, as FIRST:LAST."),
):
    """Build per-patient features (baseline, derived ratios, on-treatment kinetics).

    Writes one row per patient: patient_id, therapy_class, the label (when the
    cohort has one), then one column per feature, named <biomarker>__<stat>_d<L>.
    Rows after the landmark day are never used; labels, excluded columns and
    response-derived series are left out.

    Example: irpredict features experiments/inspire.toml --landmark-days 42 --out features.parquet
    """
    from rich.console import Console

    from irpredict.cli._outputs import OutputError, refuse_overwriting_inputs
    from irpredict.data.loaders import load_cohort
    from irpredict.features import build_features

    window = parse_window(baseline_window)
    if out.suffix.lower() not in _OUT_FORMATS:
        raise OutputError(
            f"--out {out}: write features to a .csv or .parquet file (got "
            f"'{out.suffix or 'no extension'}'); e.g. --out features.csv")
    cohort = load_cohort(source)
    refuse_overwriting_inputs([out], [source, *cohort.sources.values()])
    features = build_features(cohort, landmark_days=landmark_days, baseline_window=window)
    frame = features.to_frame()
    _write(frame, out)
    Console(highlight=False).print(
        f"{frame.shape[0]} rows x {frame.shape[1]} columns "
        f"({features.X.shape[1]} features) written to {out}"
    )
