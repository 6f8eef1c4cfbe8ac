"""The gap between each class's oracle AUC and its baseline model's AUC, with a 95% CI.

Both AUCs are computed on the same patients (the oracle scores each patient's true
probability from truth.json, the model its out-of-fold prediction), so the gap's interval
comes from a paired bootstrap: the same resamples of patients, within responders and
non-responders, for both. Needs a run of ``experiments/synthetic.toml`` logged with
``--log-patient-ids`` (to join the predictions to the simulated patients).

Usage::

    irpredict train experiments/synthetic.toml --tracking-uri sqlite:///<db> \\
        --log-patient-ids --no-register
    python experiments/diagnostics/synthetic_gap_ci.py --tracking-uri sqlite:///<db> \\
        --run <parent run id> [--feature-set baseline] [--n-bootstrap 2000] \\
        [--experiment experiments/synthetic.toml]
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

from irpredict.evaluation import stratified_indices
from irpredict.evaluation.metrics import roc_auc
from irpredict.experiment import load_experiment

EXPERIMENT = Path(__file__).resolve().parents[1] / "synthetic.toml"


def _auc_rows(y, scores):
    """AUC of every row of ``scores`` (n_rows, n) against the matching rows of ``y``."""
    return np.array([roc_auc(yy, ss) for yy, ss in zip(y, scores, strict=True)])


def gap_table(oof, truth, n_bootstrap, seed=0):
    """Per therapy class and family: oracle AUC, model AUC, gap and its paired 95% CI."""
    rows = []
    for (family, therapy), part in oof.groupby(["model", "therapy_class"]):
        part = part.groupby("patient_id").agg(y=("y", "first"), prob=("prob", "mean"))
        p_true = truth.reindex(part.index).to_numpy(dtype=float)
        y, prob = part["y"].to_numpy(dtype=int), part["prob"].to_numpy(dtype=float)
        idx = stratified_indices(y, n_bootstrap, seed)
        gaps = _auc_rows(y[idx], p_true[idx]) - _auc_rows(y[idx], prob[idx])
        low, high = np.percentile(gaps, [2.5, 97.5])
        oracle, model = roc_auc(y, p_true), roc_auc(y, prob)
        rows.append({"therapy_class": therapy, "family": family, "n": len(y),
                     "oracle": oracle, "model": model, "gap": oracle - model,
                     "gap_ci_low": low, "gap_ci_high": high})
    return pd.DataFrame(rows).sort_values(["therapy_class", "family"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracking-uri", required=True)
    parser.add_argument("--run", required=True, help="The parent run of the train.")
    parser.add_argument("--feature-set", default="baseline")
    parser.add_argument("--n-bootstrap", type=int, default=2000)
    parser.add_argument("--experiment", type=Path, default=EXPERIMENT,
                        help="The experiment file the run was trained from.")
    args = parser.parse_args()

    client = MlflowClient(args.tracking_uri)
    parent = client.get_run(args.run)
    children = client.search_runs([parent.info.experiment_id],
                                  f"tags.mlflow.parentRunId = '{args.run}'")
    frames = []
    with tempfile.TemporaryDirectory() as tmp:
        for child in children:
            if not child.info.run_name.startswith(f"{args.feature_set}/"):
                continue
            path = client.download_artifacts(child.info.run_id, "oof_predictions.csv", tmp)
            frames.append(pd.read_csv(path, dtype={"patient_id": str}))
    oof = pd.concat(frames, ignore_index=True)
    sim = load_experiment(args.experiment).simulate()
    patients = sim.truth["patients"]
    truth = pd.Series(patients["p_true"], index=[str(p) for p in patients["patient_id"]])
    table = gap_table(oof, truth, args.n_bootstrap)
    with pd.option_context("display.width", 140, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
