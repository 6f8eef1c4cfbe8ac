"""`irpredict demo`: the main job end to end on a simulated cohort."""

from pathlib import Path

import typer

from irpredict.exceptions import ExperimentConfigError

__all__ = ["command"]


def _fresh_folder(out):
    from datetime import datetime

    if out is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path(f"irpredict-demo-{stamp}")
        suffix = 1
        while out.exists():
            suffix += 1
            out = Path(f"irpredict-demo-{stamp}-{suffix}")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExperimentConfigError(
            f"--out {out} exists and is not an empty folder; choose a new folder "
            "(or leave --out out to let the demo name one)"
        )
    out.mkdir(parents=True, exist_ok=True)
    return out


def command(
    out: Path = typer.Option(
        None, "--out", "-o",
        help="Folder for everything the demo writes (default: a new irpredict-demo-<time> "
             "folder in the current directory)."),
    patients: int = typer.Option(2000, "--patients", "-n", min=200, max=100_000,
                                 help="Patients to simulate."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed."),
):
    """Run the main job on a simulated cohort: simulate, validate, summarise.

    Everything goes into a fresh folder, which is printed at the end.

    Example: irpredict demo --patients 2000 --seed 0
    """
    from rich.console import Console

    from irpredict.cli._simulate import _summary
    from irpredict.cli._validate import _print_summary
    from irpredict.data.loaders import load_cohort
    from irpredict.data.simulator import simulate_cohort, write_cohort
    from irpredict.data.summary import summarize_cohort

    console = Console(highlight=False)
    folder = _fresh_folder(out)
    cohort_dir = folder / "cohort"

    console.rule("[bold]1. Simulate a cohort with a known truth")
    sim = simulate_cohort(n_patients=patients, seed=seed)
    write_cohort(sim, cohort_dir)
    console.print(_summary(sim))

    console.rule("[bold]2. Validate and summarise it, as for a real cohort")
    cohort = load_cohort(cohort_dir)
    _print_summary(summarize_cohort(cohort), cohort)

    console.rule("[bold]Done")
    console.print(f"Everything is in [bold]{folder}[/bold]/ (cohort files in {cohort_dir}/).")
