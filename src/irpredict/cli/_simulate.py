"""`irpredict simulate`: write a synthetic cohort with a known truth."""

from pathlib import Path

import typer

from irpredict.data.cohort import MAX_SIMULATED_PATIENTS
from irpredict.exceptions import ExperimentConfigError

__all__ = ["command", "parse_class_mix"]


def parse_class_mix(text):
    """Parse ``"checkpoint_inhibitor=0.35,chemotherapy=0.65"`` into a dict.

    Raises
    ------
    ExperimentConfigError
        When an item is not ``name=fraction`` or a class is named twice.
    """
    mix = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            share = float(value)
        except ValueError:
            raise ExperimentConfigError(
                f"--class-mix item {item!r} is not name=fraction; write e.g. "
                "'checkpoint_inhibitor=0.35,chemotherapy=0.65'"
            ) from None
        if name.strip() in mix:
            raise ExperimentConfigError(f"--class-mix names {name.strip()!r} twice; give each "
                                        "therapy class once")
        mix[name.strip()] = share
    if not mix:
        raise ExperimentConfigError("--class-mix is empty; write e.g. 'checkpoint_inhibitor=1'")
    return mix


def _check_out(out, force):
    if out.exists() and not out.is_dir():
        raise ExperimentConfigError(f"--out {out} exists and is not a folder; choose a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ExperimentConfigError(
            f"--out {out} is not empty; choose an empty folder or pass --force to overwrite "
            "the cohort files in it"
        )


def _summary(sim):
    from rich.table import Table

    table = Table(title=f"Simulated cohort ({sim.truth['n_patients']} patients, "
                        f"seed {sim.truth['seed']})")
    for col, just in (("therapy class", "left"), ("patients", "right"),
                      ("responders", "right"), ("rate", "right"), ("target", "right"),
                      ("oracle AUC", "right")):
        table.add_column(col, justify=just)
    for name, info in sim.truth["classes"].items():
        n = info["n_patients"]
        auc = info["oracle_auc"]
        table.add_row(name, str(n), str(round(info["observed_rate"] * n)),
                      f"{info['observed_rate']:.3f}", f"{info['target_rate']:.2f}",
                      "-" if auc is None else f"{auc:.3f}")
    return table


def command(
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write the cohort files to."),
    patients: int = typer.Option(5000, "--patients", "-n", min=1, max=MAX_SIMULATED_PATIENTS,
                                 help="Number of patients."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed (same seed, same files)."),
    class_mix: str = typer.Option(
        None, "--class-mix",
        help="Fractions per therapy class, e.g. checkpoint_inhibitor=0.35,chemotherapy=0.65 "
             "(default: 0.30 ICI, 0.25 mAb, 0.20 chemo, 0.125 cytokine, 0.125 ACT)."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty folder."),
):
    """Simulate a breast-cancer immunotherapy cohort with a known truth.

    Writes patients.csv, measurements.csv, tumor_assessments.csv and truth.json
    (drivers, response model, oracle AUC, leakage traps) to --out.

    Example: irpredict simulate --patients 5000 --seed 0 --out cohort/
    """
    import contextlib

    from rich.console import Console

    from irpredict.cli._outputs import staged_folder
    from irpredict.data.simulator import simulate_cohort, write_cohort

    _check_out(out, force)
    mix = parse_class_mix(class_mix) if class_mix is not None else None
    sim = simulate_cohort(n_patients=patients, seed=seed, class_mix=mix)
    with contextlib.suppress(OSError):  # a missing parent folder is created; staged_folder
        out.absolute().parent.mkdir(parents=True, exist_ok=True)  # names any other problem
    with staged_folder(out) as staged:  # all four files or none
        paths = write_cohort(sim, staged)
    console = Console(highlight=False)
    console.print(_summary(sim))
    console.print(f"wrote {', '.join(sorted(paths))} to {out}")
