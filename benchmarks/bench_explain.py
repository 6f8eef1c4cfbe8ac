"""Explaining 100,000 patients in original biomarker terms.

Model: ``make_model("xgboost")`` fitted on 5,000 simulated patients
(``simulate_cohort(seed=0)``, every feature up to the day-42 landmark); the
100,000 rows to explain are those patients' feature rows repeated.

Figure: the median of 3 timed ``explain(model, X)`` calls (preprocessing,
exact TreeSHAP, margin, probability, grouping to biomarkers, raw values).
Baseline, timed in the same run on the same rows: the bare booster on the
already-preprocessed matrix, ``booster.predict(DMatrix)`` plus
``booster.predict(DMatrix, pred_contribs=True)`` (DMatrix construction
included, preprocessing excluded). Ratio = figure / baseline; the budget is
1.5. A second row does the same for a per-therapy-class model.
"""

import statistics
import time

import numpy as np

N_ROWS = 100_000
N_TRAIN = 5_000
REPEATS = 3
RATIO_BUDGET = 1.5


def _data(n_rows):
    import pandas as pd

    from irpredict.data.simulator import simulate_cohort
    from irpredict.features import build_features

    sim = simulate_cohort(n_patients=N_TRAIN, seed=0)
    fs = build_features(sim.to_cohort(), landmark_days=42)
    X = fs.X.assign(therapy_class=fs.therapy_class)
    reps = -(-n_rows // len(X))
    big = pd.concat([X] * reps).iloc[:n_rows]
    big.index = pd.Index([f"R{i:07d}" for i in range(len(big))], name="patient_id")
    return X, fs.y, big


def _median_time(fn):
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _bare_booster(pipelines):
    """Time of predict + pred_contribs of each pipeline's booster on its preprocessed rows."""
    import xgboost as xgb

    def run():
        for pipe, Xt in pipelines:
            booster = pipe[-1].get_booster()
            matrix = xgb.DMatrix(np.asarray(Xt, dtype=np.float32))
            booster.predict(matrix, validate_features=False)
            booster.predict(matrix, pred_contribs=True, validate_features=False)

    return _median_time(run)


def _row(figure, value, baseline, note):
    ratio = value / baseline
    return dict(benchmark="explain", figure=figure, value=value, unit="s",
                baseline="bare xgboost predict + pred_contribs (same rows)",
                baseline_value=baseline, ratio=ratio, target=f"ratio <= {RATIO_BUDGET}",
                met=bool(ratio <= RATIO_BUDGET),
                notes=f"figure / baseline (budget <= {RATIO_BUDGET}); {note}")


def run(scale=1.0):
    """Run the benchmark; returns BENCHMARKS.md rows."""
    from irpredict.explain import explain
    from irpredict.models import PerTherapyClassifier, make_model

    n_rows = max(1_000, int(N_ROWS * scale))
    X, y, big = _data(n_rows)
    single = make_model("xgboost").fit(X.drop(columns="therapy_class"), y)
    rows_single = big.drop(columns="therapy_class")
    ex = explain(single, rows_single)
    err = float(np.abs(ex.values.sum(axis=1) + ex.base_values - ex.margin).max())
    t_explain = _median_time(lambda: explain(single, rows_single))
    t_bare = _bare_booster([(single, single[:-1].transform(rows_single))])
    out = [_row(f"explain, one xgboost pipeline ({n_rows:,} patients)", t_explain, t_bare,
                f"{rows_single.shape[1]} input columns -> {ex.values.shape[1]} biomarkers; "
                f"max additivity error {err:.1e}")]

    per = PerTherapyClassifier(make_model("xgboost")).fit(X, y)
    therapy = big["therapy_class"].to_numpy()
    routed = [(est, est[:-1].transform(big.loc[therapy == cls].drop(columns="therapy_class")))
              for cls, est in per.estimators_.items()]
    pooled = np.isin(therapy, per.pooled_therapies_)
    if pooled.any():
        est = per.pooled_estimator_
        routed.append((est, est[:-1].transform(per.pooled_input(big.loc[pooled]))))
    t_explain = _median_time(lambda: explain(per, big))
    t_bare = _bare_booster(routed)
    out.append(_row(f"explain, per-therapy-class xgboost ({n_rows:,} patients)", t_explain,
                    t_bare, f"{len(routed)} routed models"))
    return out


if __name__ == "__main__":
    for r in run(scale=0.1):
        print(r)
