"""Building every baseline and kinetic feature from 10 million measurement rows.

Simulated long table: 100,000 patients x 20 biomarkers x 5 draws on days
-7, 14, 28, 42 and 63 (each jittered by up to +-3 days, so some draws cross
the day-42 landmark either way), built with numpy and shuffled into random
row order (sorted input is much faster); ``patient_id`` and ``biomarker`` are
categorical.

Figures: the median of 3 timed ``build_features`` calls (landmark 42, every
biomarker with a declared detection limit, so all 12 kinetic statistics plus
the baseline are built); rows per second; the peak resident memory of a
separate process that simulates the table and builds the features once, and
the peak memory allocated by the build itself (tracemalloc). Baseline: a
plain per-patient ``groupby().apply`` implementation of the same features
(:mod:`benchmarks._reference`) timed on a 250-patient subsample and scaled
linearly to the full table; it is also compared value by value with the fast
build on that subsample.
"""

import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

N_PATIENTS, N_BIOMARKERS = 100_000, 20
DAYS = np.array([-7.0, 14.0, 28.0, 42.0, 63.0])
SUBSAMPLE = 250
REPEATS = 3
TIME_TARGET_S, MEMORY_TARGET_GIB, SPEEDUP_TARGET = 5.0, 3.0, 30.0


def simulate(n_patients=N_PATIENTS, n_biomarkers=N_BIOMARKERS, seed=0):
    """The simulated cohort (patients and a long measurements table)."""
    from irpredict.data import Cohort

    rng = np.random.default_rng(seed)
    n = n_patients * n_biomarkers * len(DAYS)
    pids = np.array([f"P{i:06d}" for i in range(n_patients)])
    bms = np.array([f"bm{j:02d}" for j in range(n_biomarkers)])
    pcode = np.repeat(np.arange(n_patients, dtype=np.int32), n_biomarkers * len(DAYS))
    bcode = np.tile(np.repeat(np.arange(n_biomarkers, dtype=np.int8), len(DAYS)), n_patients)
    day = np.tile(DAYS, n_patients * n_biomarkers) + rng.uniform(-3, 3, n).round(1)
    value = rng.lognormal(1.0, 1.0, n)
    value[rng.random(n) < 0.05] = 0.0  # undetectable draws
    order = rng.permutation(n)  # rows arrive in no particular order
    pcode, bcode, day, value = pcode[order], bcode[order], day[order], value[order]
    meas = pd.DataFrame({
        "patient_id": pd.Categorical.from_codes(pcode, categories=pids),
        "biomarker": pd.Categorical.from_codes(bcode, categories=bms),
        "day": day, "value": value,
    })
    patients = pd.DataFrame({"patient_id": pids, "therapy_class": "checkpoint_inhibitor"})
    return Cohort(patients, meas)


def _limits(n_biomarkers=N_BIOMARKERS):
    return {f"bm{j:02d}": 0.05 for j in range(n_biomarkers)}


def _fast(cohort):
    from irpredict.features import build_features

    return build_features(cohort, landmark_days=42, detection_limits=_limits()).X


def _median_time(fn, repeats=REPEATS, cpu=None):
    times, cpus = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(times), result


def _child(n_patients):
    """Peak memory of simulate + one build, in a fresh process (prints JSON)."""
    import tracemalloc

    cohort = simulate(n_patients)
    after_sim = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    _fast(cohort)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"maxrss_kib": maxrss, "after_sim_kib": after_sim, "traced_peak": peak}))


def _check_against_reference(fast, small):
    from benchmarks._reference import STATS, reference_features

    ref = reference_features(small.measurements, limits=_limits())
    wide = ref.unstack("biomarker")
    worst = 0.0
    for stat in STATS:
        for bm in wide[stat].columns:
            name = f"{bm}__{stat}" if stat == "baseline" else f"{bm}__{stat}_d42"
            a = fast.loc[wide.index, name].to_numpy(dtype=float)
            b = wide[stat][bm].to_numpy(dtype=float)
            if not np.array_equal(np.isnan(a), np.isnan(b)):
                raise AssertionError(f"NaN pattern differs for {name}")
            ok = ~np.isnan(a)
            worst = max(worst, float(np.max(np.abs(a[ok] - b[ok]) / (1 + np.abs(b[ok])),
                                            initial=0.0)))
    if worst > 1e-9:
        raise AssertionError(f"fast and reference features differ (relative {worst:.2e})")
    return worst


def run(scale=1.0):
    """Run the benchmark; returns BENCHMARKS.md rows."""
    n_patients = max(int(N_PATIENTS * scale), 200)
    n_sub = min(SUBSAMPLE, n_patients)
    cohort = simulate(n_patients)
    n_rows = len(cohort.measurements)
    cpu = []
    fast_s, X = _median_time(lambda: _fast(cohort), cpu=cpu)

    small = simulate(n_sub, seed=1)
    from benchmarks._reference import reference_features

    ref_s, _ = _median_time(lambda: reference_features(small.measurements, limits=_limits()))
    ref_scaled = ref_s * n_patients / n_sub
    worst = _check_against_reference(_fast(small), small)

    proc = subprocess.run(
        [sys.executable, "-c",
         f"from benchmarks.bench_features import _child; _child({n_patients})"],
        capture_output=True, text=True, check=True)
    mem = json.loads(proc.stdout.strip().splitlines()[-1])
    peak_gib = mem["maxrss_kib"] / 2**20
    traced_gib = mem["traced_peak"] / 2**30
    label = f"{n_rows / 1e6:.1f}M rows, {n_patients:,} patients x {N_BIOMARKERS} biomarkers"
    speedup = ref_scaled / fast_s
    return [
        dict(benchmark="features", figure=f"build_features time ({label})", value=fast_s,
             unit="s", baseline="groupby().apply, scaled from "
             f"{n_sub:,} patients", baseline_value=ref_scaled, ratio=speedup,
             target=f"speed-up >= {SPEEDUP_TARGET:.0f}x and < {TIME_TARGET_S:.0f} s",
             met=bool(speedup >= SPEEDUP_TARGET and fast_s < TIME_TARGET_S),
             notes=f"wall time, median of {REPEATS}; CPU time {cpu[0]:.2f} s (the machine is "
             f"shared); speed-up target >= {SPEEDUP_TARGET:.0f}x, time target < "
             f"{TIME_TARGET_S:.0f} s at full size; {X.shape[1]} feature columns; max rel. diff "
             f"vs reference {worst:.1e}"),
        dict(benchmark="features", figure="throughput", value=n_rows / fast_s, unit="rows/s",
             baseline="groupby().apply", baseline_value=n_rows / ref_scaled, ratio=speedup,
             notes=""),
        dict(benchmark="features", figure="peak resident memory (simulate + build)",
             value=peak_gib, unit="GiB", baseline=f"{MEMORY_TARGET_GIB:.0f} GiB budget",
             baseline_value=MEMORY_TARGET_GIB, ratio=peak_gib / MEMORY_TARGET_GIB,
             target=f"< {MEMORY_TARGET_GIB:.0f} GiB", met=bool(peak_gib < MEMORY_TARGET_GIB),
             notes=f"of which the input table alone {mem['after_sim_kib'] / 2**20:.2f} GiB "
             "peak; separate process, ru_maxrss"),
        dict(benchmark="features", figure="peak memory allocated by build_features",
             value=traced_gib, unit="GiB", baseline=f"{MEMORY_TARGET_GIB:.0f} GiB budget",
             baseline_value=MEMORY_TARGET_GIB, ratio=traced_gib / MEMORY_TARGET_GIB,
             target=f"< {MEMORY_TARGET_GIB:.0f} GiB", met=bool(traced_gib < MEMORY_TARGET_GIB),
             notes="tracemalloc (numpy and pandas buffers)"),
    ]


if __name__ == "__main__":
    for row in run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0):
        print(row)
