"""`irpredict report`: one self-contained HTML report of a training run."""

from pathlib import Path

import typer

__all__ = ["command"]


def command(
    run: str = typer.Option(..., "--run", "-r", help="Parent run id printed by irpredict train."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
    tracking_uri: str = typer.Option(None, "--tracking-uri", help="MLflow tracking URI."),
    experiment: Path = typer.Option(
        None, "--experiment", "-e",
        help="Experiment file whose data paths resolve here (default: the run's logged copy)."),
    log: bool = typer.Option(True, "--log/--no-log",
                             help="Log the report with the run as report/report.html."),
    n_bootstrap: int = typer.Option(200, "--n-bootstrap", min=0,
                                    help="Bootstrap resamples per subgroup AUC."),
):
    """Write the reviewer report of a training run as one HTML file.

    The file holds the cohort summary, performance per therapy class with
    CIs, calibration and decision curves, SHAP importance per therapy class
    and three example waterfalls, subgroup AUCs (site, HER2, ER), the data
    fingerprint and a TRIPOD+AI checklist; images and CSS are embedded, so
    it opens offline. It is also logged with the run (report/report.html).

    Example: irpredict report --run 3f2a9c... --out report.html
    """
    from rich.console import Console

    from irpredict.cli._outputs import (
        OutputError,
        atomic_path,
        check_output_file,
        cohort_input_files,
        refuse_overwriting_inputs,
        tracking_store_files,
    )
    from irpredict.report import REPORT_ARTIFACT, build_report, log_report

    check_output_file(out)  # a wrong --out is said before the run is read
    inputs = tracking_store_files(tracking_uri)
    if experiment is not None:
        inputs += cohort_input_files(experiment)
    refuse_overwriting_inputs([out], inputs)
    if out.is_file() and out.suffix.lower() not in (".html", ".htm"):
        raise OutputError(f"cannot write {out}: it exists and is not an HTML file, so it is "
                          "no earlier report to replace; choose another --out, e.g. "
                          "report.html")

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    with console.status("collecting the run and recomputing explanations"):
        html, record, analysis = build_report(run, tracking_uri=tracking_uri,
                                              experiment=experiment, n_bootstrap=n_bootstrap)
    with atomic_path(out) as tmp:
        tmp.write_text(html, encoding="utf-8")
        _readable(tmp)
    if log:
        log_report(run, html, tracking_uri=tracking_uri)
    console.print(f"wrote {out} ({len(html) / 1e6:.1f} MB): study {record.study}, "
                  f"{len(record.children)} child runs")
    if not analysis.available:
        console.print(f"[yellow]SHAP and subgroup sections missing:[/yellow] {analysis.reason}")
    if log:
        console.print(f"logged as {REPORT_ARTIFACT} of run {run}")


def _readable(path):
    """Give the file the usual permissions (a temporary file starts as 0600)."""
    import os

    from irpredict._files import default_file_mode

    os.chmod(path, default_file_mode())
