"""What `irpredict screen` shows and writes: the terminal table with its notes, the markdown
report, and the output files (all or none of them)."""

from pathlib import Path

from irpredict.screening._markdown import figure_text as _fmt

__all__ = ["print_table", "markdown_text", "write_outputs", "inside"]


def print_table(table, simon_max_n=100):
    import numpy as np
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from irpredict.screening._metrics import wide

    est, low, high = (wide(table, v) for v in ("estimate", "ci_low", "ci_high"))
    has_two_arm = "two_arm_n_total" in est.columns
    has_cost = "cost_single_arm" in est.columns
    n_boot = int(table["n_boot"].max()) if len(table) else 0
    out = Table(title="Screening trade-offs (" + (f"95% CIs from {n_boot} bootstrap resamples)"
                                                  if n_boot else "no CIs: --n-bootstrap 0)"),
                title_justify="left", header_style="bold")
    design = "two-arm" if has_two_arm else "single-arm"  # what screened and cost fill
    for name in ("rule", "therapy", "eligible", "RR eligible [CI]", "enrichment",
                 "responders lost", "NNS", "single-arm n (exact / Simon opt)", "two-arm n",
                 f"screened ({design})", f"cost ({design})"):
        if (name == "two-arm n" and not has_two_arm) or (name.startswith("cost")
                                                         and not has_cost):
            continue
        out.add_column(name, justify="left" if name in ("rule", "therapy") else "right")
    for (rule, group), row in est.iterrows():
        lo, hi = low.loc[(rule, group)], high.loc[(rule, group)]
        cells = [escape(rule), escape(group), _fmt(row["eligible_fraction"], ".0%"),
                 f"{_fmt(row['response_rate_eligible'], '.0%')} "
                 f"[{_fmt(lo['response_rate_eligible'], '.0%')}, "
                 f"{_fmt(hi['response_rate_eligible'], '.0%')}]",
                 _fmt(row["enrichment_ratio"], ".2f"),
                 f"{_fmt(row['responders_lost'], '.0f')} "
                 f"({_fmt(row['responders_lost_share'], '.0%')})",
                 _fmt(row["nns"], ".2f"),
                 f"{_fmt(row['single_arm_n'], '.0f')} / {_fmt(row['simon_optimal_n'], '.0f')}"]
        if has_two_arm:
            cells.append(_fmt(row["two_arm_n_total"], ".0f"))
        cells.append(_fmt(row["screened_two_arm" if has_two_arm else "screened_single_arm"],
                          ".0f"))
        if has_cost:
            cells.append(_fmt(row["cost_two_arm" if has_two_arm else "cost_single_arm"],
                              ",.0f"))
        out.add_row(*cells)
    wide = Console(highlight=False)
    if not wide.is_terminal:  # a file or a pipe: one row per line
        wide.width = 200
    wide.print(out)
    notes = table.drop_duplicates(["rule", "therapy_class"])
    console = Console(highlight=False, soft_wrap=True)
    for rec in notes[notes["note"] != ""].itertuples():
        console.print(f"note: {rec.rule} ({rec.therapy_class}): {rec.note}", markup=False)
    from irpredict.screening._markdown import resample_notes

    for line in resample_notes(table):
        console.print(f"note: {line}", markup=False)
    if 0 < n_boot < 200:
        console.print(f"note: CIs from {n_boot} resamples are rough; use --n-bootstrap 1000 "
                      "for figures to report", markup=False)
    if not has_two_arm:
        console.print("note: no two-arm (Fleiss) size: pass --p-comparator, the comparator "
                      "arm's response rate, to get one", markup=False)
    sizes = ["single_arm_n", "simon_optimal_n", "two_arm_n_total"]
    if np.isinf(est[[c for c in sizes if c in est.columns]].to_numpy(dtype=float)).any():
        console.print("note: 'none' = no finite trial size: the response rate among eligible is "
                      "at or below p0 (or the comparator's rate), or the design needs more "
                      "patients than the search allows (1,000 exact), or no Simon design was "
                      f"found or proven optimal up to {simon_max_n} patients (--simon-max-n)",
                      markup=False)


def markdown_text(table, settings, notes):
    import shlex
    import sys

    from irpredict.screening._markdown import to_markdown

    command = "irpredict " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    return to_markdown(table, command=command, settings=settings, notes=notes)


def write_outputs(table, out, markdown=None, markdown_text=None):
    """Write screening.csv, tradeoff.png and the markdown report, all or none of them."""
    import contextlib

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from irpredict.cli._outputs import atomic_path, staged_folder
    from irpredict.screening.plots import plot_tradeoff

    out = Path(out)
    groups = list(dict.fromkeys(table["therapy_class"]))[:6]
    ncols = min(3, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7 * ncols, 5 * nrows), squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.set_axis_off()
    for group, ax in zip(groups, axes.flat, strict=False):
        plot_tradeoff(table, therapy_class=group, ax=ax)
    outside = markdown is not None and not inside(markdown, out)
    out.parent.mkdir(parents=True, exist_ok=True)  # --out is created if needed
    try:
        with staged_folder(out) as staged, (
                atomic_path(markdown) if outside else contextlib.nullcontext()) as md_tmp:
            table.to_csv(staged / "screening.csv", index=False)
            fig.savefig(staged / "tradeoff.png", format="png", dpi=110)
            if markdown is not None:
                target = md_tmp if outside else staged / Path(markdown).name
                Path(target).write_text(markdown_text, encoding="utf-8")
    finally:
        plt.close(fig)
    from rich.console import Console

    written = [str(out / "screening.csv"), str(out / "tradeoff.png")]
    if markdown is not None:
        written.append(str(markdown))
    console = Console(highlight=False)
    console.print(f"wrote {', '.join(written)}", markup=False)
    mine = {Path(p).resolve() for p in written}
    stale = sorted(p.name for p in out.glob("*.md") if p.resolve() not in mine)
    if stale:
        console.print(f"note: {out} also holds {', '.join(stale)} from an earlier run, which "
                      "this run did not write (it may describe other rules); remove it, or "
                      "pass --markdown to write this run's report", markup=False)


def inside(path, folder):
    """Whether ``path`` is a file directly in ``folder``."""
    return Path(path).absolute().parent == Path(folder).absolute()
