"""Nested cross-validation of the three model families on 1,000 patients x 60 features.

Simulated frame: ``sklearn.datasets.make_classification`` (58 numeric
columns, 12 informative, 5% of three columns missing) plus two categorical
columns and a ``therapy_class`` column over the five classes, so
``PerTherapyClassifier`` fits one model per class.

Figure: wall time of ``nested_cv`` with 5 outer x 3 inner folds for the
logistic (elastic-net), random-forest and XGBoost families, each with a
two-point grid (6 inner fits + 1 refit per outer fold and family), inner
fits spread over the 2 cores (``n_jobs=2``), one thread per fit.
Baseline, measured in the same run: one plain fit of the same three
per-therapy models on all patients (median of 3). The ratio is nested / plain; the
budget row compares the nested time with the 3-minute target.
"""

import os
import sys
import time

import numpy as np
import pandas as pd

N_PATIENTS, N_NUMERIC = 1_000, 58
FAMILIES = ("logistic", "random_forest", "xgboost")
GRIDS = {
    "logistic": {"C": [0.05, 0.5]},
    "random_forest": {"max_depth": [4, 8]},
    "xgboost": {"max_depth": [2, 4]},
}
BUDGET_S = 180.0


def simulate(n_patients=N_PATIENTS, seed=0):
    """The benchmark's per-patient feature frame and labels."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n_patients, N_NUMERIC, n_informative=12, n_redundant=6,
                               weights=[0.7], flip_y=0.05, random_state=seed)
    rng = np.random.default_rng(seed)
    ids = [f"P{i:05d}" for i in range(n_patients)]
    df = pd.DataFrame(X, columns=[f"marker_{i:02d}" for i in range(N_NUMERIC)], index=ids)
    for col in ("marker_00", "marker_01", "marker_02"):
        df.loc[rng.random(n_patients) < 0.05, col] = np.nan
    df["pam50"] = pd.Series(rng.choice(["Basal", "Her2", "LumA", "LumB"], n_patients),
                            index=ids, dtype="str")
    df["pdl1_assay"] = pd.Series(rng.choice(["SP142", "22C3", "<none>"], n_patients),
                                 index=ids, dtype="str")
    from irpredict.data import THERAPY_CLASSES

    df["therapy_class"] = rng.choice(THERAPY_CLASSES, n_patients)
    return df, pd.Series(y, index=ids)


def _plain_fit(X, y):
    from irpredict.models import PerTherapyClassifier, make_model

    for family in FAMILIES:
        PerTherapyClassifier(make_model(family), min_responders=5).fit(X, y)


def run(scale=1.0):
    """Run the benchmark; returns BENCHMARKS.md rows."""
    from threadpoolctl import threadpool_limits

    from irpredict.evaluation import nested_cv, summarize_predictions

    n_patients = max(int(N_PATIENTS * scale), 200)
    X, y = simulate(n_patients)
    with threadpool_limits(1):
        plain = []
        for _ in range(3):
            start = time.perf_counter()
            _plain_fit(X, y)
            plain.append(time.perf_counter() - start)
        plain_s = sorted(plain)[1]
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        result = nested_cv(X, y, estimator=list(FAMILIES), param_grid=GRIDS, outer_folds=5,
                           inner_folds=3, min_responders=5, random_state=0, n_jobs=2)
        nested_s = time.perf_counter() - start
        load_after = os.getloadavg()[0]
    table = summarize_predictions(result.oof, n_bootstrap=200)
    auc = table[(table["therapy_class"] == "overall") & (table["metric"] == "auc")]
    aucs = ", ".join(f"{m} {v:.3f}" for m, v in zip(auc["model"], auc["estimate"], strict=True))
    label = f"{n_patients:,} patients x {X.shape[1] - 1} features, 5x3 folds, 3 families"
    return [
        dict(benchmark="training", figure=f"nested CV time ({label})", value=nested_s,
             unit="s", baseline="one plain fit of the 3 per-therapy models (median of 3)",
             baseline_value=plain_s, ratio=nested_s / plain_s,
             notes=f"ratio = nested / plain; 2-point grid per family; out-of-fold AUC {aucs}"),
        dict(benchmark="training", figure="nested CV time against budget", value=nested_s,
             unit="s", baseline=f"{BUDGET_S:.0f} s budget", baseline_value=BUDGET_S,
             ratio=nested_s / BUDGET_S, target=f"< {BUDGET_S:.0f} s",
             met=bool(nested_s < BUDGET_S),
             notes=f"must stay below 1 on 2 shared cores; 1-min load average "
             f"{load_before:.1f} before, {load_after:.1f} after"),
    ]


if __name__ == "__main__":
    for row in run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0):
        print(row)
