"""`irpredict assess-response`: RECIST 1.1 / iRECIST best overall response from tumour sizes."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from irpredict.exceptions import CohortDataError

_OUT_SUFFIXES = ("", ".csv", ".txt", ".parquet", ".pq")


class Criteria(StrEnum):
    """Response criteria offered on the command line."""

    recist = "recist1.1"
    irecist = "irecist"


def command(
    tumor_assessments: Annotated[
        Path,
        typer.Argument(
            help="Tumour-assessment table (CSV, Parquet or Excel): patient_id, day (days since "
            "first dose; baseline scan at day <= 0), target_sld_mm; optional nontarget, "
            "new_lesion, target_cr, new_lesion_sld_mm, new_lesion_count, "
            "new_nontarget_count, new_nontarget, nontarget_increase (see the README).",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Per-patient table to write (patient_id, bor, bor_day, confirmed, pd_day; "
            "with --criteria irecist also ipfs_day, the day of the iUPD that iCPD confirmed): "
            "CSV, or Parquet when the name ends in .parquet. The per-visit time points go to "
            "<out stem>_timepoints with the same suffix beside it.",
            show_default=False,
        ),
    ],
    criteria: Annotated[
        Criteria, typer.Option("--criteria", help="Response criteria.")
    ] = Criteria.recist,
    confirm: Annotated[
        bool,
        typer.Option(
            "--confirm/--no-confirm", help="Require confirmation of CR/PR by a later scan."
        ),
    ] = True,
    confirm_days: Annotated[
        int,
        typer.Option(
            "--confirm-days", min=0, help="Minimum days between a response and its confirmation."
        ),
    ] = 28,
    min_sd_days: Annotated[
        int,
        typer.Option(
            "--min-sd-days", min=0, help="Minimum days after the first dose for stable disease."
        ),
    ] = 42,
    max_nr_ne: Annotated[
        int,
        typer.Option(
            "--max-nr-ne", min=0,
            help="NE scans tolerated between a response and its confirmation.",
        ),
    ] = 1,
    accept_sd: Annotated[
        bool,
        typer.Option(
            "--accept-sd", help="Tolerate one SD between a PR and its confirmation.",
        ),
    ] = False,
    missing_as_ne: Annotated[
        bool,
        typer.Option(
            "--missing-as-ne",
            help="A patient without any post-baseline scan is NE instead of MISSING.",
        ),
    ] = False,
):
    """Derive time-point responses and the best overall response (BOR) of every patient.

    RECIST 1.1 (Tables 1 and 2; PD checked before PR; inclusive 20 %, 5 mm and 30 %
    boundaries) or iRECIST (iUPD, iCPD, reset); confirmed BOR follows admiralonco.
    Writes both files atomically and prints the BOR counts.

    Examples:

    \b
        irpredict assess-response cohort/tumor_assessments.csv --out bor.csv
        irpredict assess-response scans.parquet --out ibor.csv \\
            --criteria irecist --min-sd-days 56
    """
    import warnings

    from irpredict.cli._outputs import (
        OutputError,
        atomic_path,
        check_output_file,
        refuse_overwriting_inputs,
    )
    from irpredict.data._readers import read_table
    from irpredict.response import assess_response

    suffix = out.suffix.lower()
    if suffix not in _OUT_SUFFIXES:
        raise OutputError(f"--out {out}: write a .csv or .parquet file (got '{out.suffix}')")
    as_parquet = suffix in (".parquet", ".pq")
    timepoints_path = out.with_name(f"{out.stem}_timepoints{out.suffix if as_parquet else '.csv'}")
    for path in (out, timepoints_path):
        check_output_file(path)
    refuse_overwriting_inputs([out, timepoints_path], [tumor_assessments])
    frame = read_table(tumor_assessments, table="tumor_assessments")
    if frame.empty:
        raise CohortDataError(
            f"tumor_assessments file {tumor_assessments} has a header but no rows; add one row "
            "per patient and scan (patient_id, day, target_sld_mm)"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = assess_response(
            frame,
            criteria=criteria.value,
            confirm=confirm,
            confirm_days=confirm_days,
            min_sd_days=min_sd_days,
            max_nr_ne=max_nr_ne,
            accept_sd=accept_sd,
            missing_as_ne=missing_as_ne,
            source=str(tumor_assessments),
        )
    with atomic_path(out) as bor_tmp, atomic_path(timepoints_path) as timepoints_tmp:
        if as_parquet:
            result.bor.to_parquet(bor_tmp, index=False)
            result.timepoints.to_parquet(timepoints_tmp, index=False)
        else:
            result.bor.to_csv(bor_tmp, index=False, float_format="%.10g")
            result.timepoints.to_csv(timepoints_tmp, index=False, float_format="%.10g")
    _print_counts(result, out, timepoints_path, [str(w.message) for w in caught])


def _print_counts(result, out, timepoints_path, warning_texts):
    from rich.console import Console
    from rich.table import Table

    from irpredict.response import BOR_ORDER, IRECIST_ORDER

    order = IRECIST_ORDER if result.criteria == "irecist" else BOR_ORDER
    counts = result.bor["bor"].value_counts()
    n = len(result.bor)
    table = Table(title=f"Best overall response ({result.criteria}), {n} patients")
    table.add_column("BOR")
    table.add_column("patients", justify="right")
    table.add_column("%", justify="right")
    table.add_column("confirmed", justify="right")
    for code in order:
        if counts.get(code, 0):
            n_conf = int(result.bor.loc[result.bor["bor"] == code, "confirmed"].sum())
            table.add_row(
                code, str(int(counts[code])), f"{100 * counts[code] / n:.1f}", str(n_conf)
            )
    console = Console(highlight=False)
    console.print(table)
    console.print(f"wrote {out} and {timepoints_path} ({len(result.timepoints)} visits)")
    for text in warning_texts:
        Console(stderr=True, highlight=False).print(
            f"[yellow]warning:[/yellow] {text}", markup=True
        )
