"""Start-up of the command line: `irpredict --help` against a bare interpreter.

Figure: wall time of ``irpredict --help`` (the installed console script, a
new process each time, output discarded), median of 7 runs after one
untimed run. Baseline, in the same run: ``python -c pass`` with the same
interpreter, median of 7. Also checked with ``python -X importtime -m
irpredict --help``: which of the heavy libraries (pandas, scikit-learn,
XGBoost, SHAP, MLflow, matplotlib, and numpy, scipy, pandera under them)
the help screen loads; none should, commands import them when they run. For
scale, the notes give what importing those libraries eagerly would cost.
"""

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 7
BUDGET_S = 0.5
HEAVY = ("pandas", "sklearn", "xgboost", "shap", "mlflow", "matplotlib", "numpy", "scipy",
         "pandera")
EAGER = "import pandas, sklearn, xgboost, shap, mlflow, matplotlib.pyplot"


def _help_command():
    script = Path(sys.executable).parent / "irpredict"
    return [str(script), "--help"] if script.exists() else [
        sys.executable, "-m", "irpredict", "--help"]


def _median_wall(args, repeats=REPEATS, cpu=None):
    """Median wall time of ``args`` as a new process; its median CPU time goes to ``cpu``."""
    subprocess.run(args, capture_output=True, check=True, timeout=300)  # untimed: disk cache
    times, cpu_times = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                       timeout=300)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if cpu is not None:
        cpu.append(statistics.median(cpu_times))
    return statistics.median(times)


def heavy_imports(args):
    """Heavy top-level libraries that ``python -X importtime ARGS`` loads (sorted)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True,
                          text=True, check=True, timeout=300)
    loaded = {line.rsplit("|", 1)[1].strip().split(".")[0]
              for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return sorted(loaded & set(HEAVY))


def run(scale=1.0):
    """Run the benchmark; returns BENCHMARKS.md rows (``scale`` is not used)."""
    cpu = []
    help_s = _median_wall(_help_command(), cpu=cpu)
    bare_s = _median_wall([sys.executable, "-c", "pass"], cpu=cpu)
    eager_s = _median_wall([sys.executable, "-c", EAGER], repeats=3)
    heavy = heavy_imports(["-m", "irpredict", "--help"])
    return [
        dict(benchmark="cli", figure="irpredict --help start-up", value=help_s, unit="s",
             baseline="python -c pass (same interpreter, same run)", baseline_value=bare_s,
             ratio=help_s / bare_s,
             notes=f"wall time of a new process, median of {REPEATS} (CPU time {cpu[0]:.2f} s "
                   f"vs {cpu[1]:.3f} s; 1-min load average {os.getloadavg()[0]:.1f}: the "
                   f"machine is shared); ratio = figure / baseline (the cost of typer, rich "
                   f"and the command modules); importing "
                   f"the heavy libraries eagerly would take {eager_s:.2f} s (median of 3)"),
        dict(benchmark="cli", figure="irpredict --help against budget", value=help_s, unit="s",
             baseline=f"{BUDGET_S} s budget", baseline_value=BUDGET_S,
             ratio=help_s / BUDGET_S, target=f"< {BUDGET_S} s", met=bool(help_s < BUDGET_S),
             notes="wall time, as a user sees it"),
        dict(benchmark="cli", figure="heavy libraries loaded by irpredict --help",
             value=len(heavy), unit="libraries", baseline=f"the {len(HEAVY)} heavy libraries",
             baseline_value=len(HEAVY), ratio=len(heavy) / len(HEAVY),
             target="none", met=not heavy,
             notes=f"python -X importtime; loaded: {', '.join(heavy) or 'none'}"),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
