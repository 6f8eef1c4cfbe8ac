"""Run every ``benchmarks/bench_*.py`` module and write BENCHMARKS.md.

Usage: ``python -m benchmarks [--scale 0.1] [--only features] [--out BENCHMARKS.md]``.

Each module's ``run(scale)`` returns rows (dicts) with ``benchmark``,
``figure``, ``value``, ``unit``, ``baseline``, ``baseline_value``, ``ratio``
and ``notes``, and for a figure with a target ``target`` (text) and ``met``
(bool).
"""

import argparse
import importlib
import os
import pkgutil
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import benchmarks

ROOT = Path(__file__).resolve().parents[1]


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        mem_text = f"{mem:.1f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        mem_text = "RAM unknown"
    import numpy
    import pandas

    try:
        load = " (shared; load average {:.1f} {:.1f} {:.1f} at the end)".format(*os.getloadavg())
    except OSError:
        load = " (shared)"
    return (f"{cpu}; {os.cpu_count()} logical CPUs{load}; {mem_text}; "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
            f"numpy {numpy.__version__}; pandas {pandas.__version__}")


def _fmt(value):
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _kept_rows(path, rerun):
    """Table rows of an existing BENCHMARKS.md whose benchmark was not re-run."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (line.startswith("| ") and len(cells) in (8, len(COLUMNS))
                and cells[0] not in ("benchmark", "") and not set(cells[0]) <= {"-"}
                and cells[0] not in rerun):
            if len(cells) == 8:  # written before the target columns existed
                cells[7:7] = ["", ""]
            rows.append("| " + " | ".join(cells) + " |")
    return rows


#: (heading, row key) of the BENCHMARKS.md table.
COLUMNS = (("benchmark", "benchmark"), ("figure", "figure"), ("value", "value"),
           ("unit", "unit"), ("baseline", "baseline"), ("baseline value", "baseline_value"),
           ("ratio", "ratio"), ("target", "target"), ("met", "met"), ("notes", "notes"))


def _cell(row, key):
    if key == "met":
        met = row.get("met")
        return "" if met is None else ("yes" if met else "**no**")
    return _fmt(row.get(key, ""))


def _targets(lines):
    """One summary line over the table rows' target and met columns."""
    met = [c[8] for c in ([x.strip() for x in line.strip().strip("|").split("|")]
                          for line in lines) if len(c) == len(COLUMNS) and c[7]]
    missed = sum(m != "yes" for m in met)
    return (f"Targets: {len(met) - missed} of {len(met)} met"
            + (f"; {missed} **not met** (rows marked **no**)." if missed else "."))


def _render(results, machine, elapsed, scale, kept=()):
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python -m benchmarks` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"(scale {scale}, {elapsed:.0f} s in all).",
        "",
        f"Machine: {machine}.",
        "",
        "Each figure is a median over repeats (the notes say how many; the nested CV and the "
        "whole train run are timed once), next to a baseline measured in the same run; "
        "the ratio is baseline / figure for times (a speed-up) and figure / limit for budgets, "
        "unless the notes say otherwise. Target and met: the figure's target, if it has one, "
        "and whether this run meets it.",
        "",
        "| " + " | ".join(h for h, _ in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    rows = list(kept) + ["| " + " | ".join(_cell(r, k) for _, k in COLUMNS) + " |"
                         for r in results]
    lines += rows
    lines += ["", _targets(rows)]
    if kept:
        lines += ["", "Rows of benchmarks not re-run this time are kept from the previous file."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the full problem size (1.0 = as documented)")
    parser.add_argument("--only", default=None,
                        help="run only bench_<ONLY>.py (other rows of --out are kept)")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)
                   if m.name.startswith("bench_"))
    if args.only:
        names = [n for n in names if n == f"bench_{args.only}"]
    start = time.perf_counter()
    results = []
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for r in module.run(scale=args.scale):
            results.append(r)
            print(f"  {r['figure']}: {_fmt(r['value'])} {r['unit']}"
                  + (f" (ratio {_fmt(r['ratio'])})" if r.get("ratio") != "" else ""), flush=True)
    out = Path(args.out)
    kept = _kept_rows(out, {r["benchmark"] for r in results}) if args.only else []
    text = _render(results, _machine(), time.perf_counter() - start, args.scale, kept)
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
