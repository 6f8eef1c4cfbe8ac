"""How close can a model of the baseline tables get to the simulator's oracle?

The oracle AUC in truth.json scores each patient's true probability
``expit(eta)``. Part of ``eta`` is not in the tables (the site random
intercept, the per-site sTIL reader bias, tissue markers missing not at
random, T-cell persistence at day 28 for adoptive cell therapy), so even a
model fitted on unlimited patients stays below the oracle. This script
separates that irreducible gap from the estimation gap of a finite cohort:
it simulates one large cohort, holds out a test set, fits each family per
therapy class on training sets of increasing size and scores the same test
patients as the oracle.

Not a performance estimate of the registered model (one split, fixed
hyperparameters); a diagnostic of what the target asks.

Usage::

    python experiments/diagnostics/synthetic_ceiling.py [--patients 24000] [--seed 11]
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from irpredict.data.simulator import simulate_cohort
from irpredict.experiment import load_experiment
from irpredict.models import make_model
from irpredict.training import design_matrix, feature_sets_to_train, model_settings

EXPERIMENT = Path(__file__).resolve().parents[1] / "synthetic.toml"
#: Fixed hyperparameters: the middle of the experiment's logistic grid; ensemble defaults.
FAMILIES = {"logistic": {"classifier__C": 0.1}, "ensemble": {}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=24_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--sizes", default="400,1000", help="training sizes besides 'all'")
    parser.add_argument("--repeats", type=int, default=5, help="random train/test splits")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    experiment = load_experiment(EXPERIMENT)
    settings = model_settings(experiment.raw.get("model"))
    sim = simulate_cohort(n_patients=args.patients, seed=args.seed)
    cohort = sim.to_cohort()
    entries = feature_sets_to_train(experiment, settings, cohort)["baseline"]
    design = design_matrix(cohort, entries, landmark_days=0)
    truth = sim.truth["patients"]
    p_true = pd.Series(truth["p_true"], index=truth["patient_id"])

    rng = np.random.default_rng(args.seed)
    rows = []
    for therapy, X in design.X.groupby("therapy_class", sort=True):
        X = X.drop(columns="therapy_class")
        y = design.y.loc[X.index].to_numpy()
        for repeat in range(args.repeats):
            order = rng.permutation(len(y))
            test, train = order[: len(y) // 4], order[len(y) // 4:]
            oracle = roc_auc_score(y[test], p_true.loc[X.index[test]])
            for family, params in FAMILIES.items():
                for size in [*sizes, len(train)]:
                    model = make_model(family).set_params(**params)
                    model.fit(X.iloc[train[:size]], y[train[:size]])
                    auc = roc_auc_score(y[test], model.predict_proba(X.iloc[test])[:, 1])
                    rows.append({"therapy class": therapy, "family": family, "repeat": repeat,
                                 "size": str(size) if size < len(train) else "all",
                                 "training patients": min(size, len(train)),
                                 "oracle AUC": oracle, "model AUC": auc, "gap": oracle - auc})
                    print(f"{therapy:22s} split {repeat} {family:9s} n={min(size, len(train)):5d} "
                          f"oracle {oracle:.3f} model {auc:.3f} gap {oracle - auc:.3f}",
                          flush=True)
    table = pd.DataFrame(rows)
    labels = [*map(str, sizes), "all"]
    print(f"\nMean over {args.repeats} splits: model AUC (oracle minus model AUC, its SD "
          "across splits); 'all' = every training patient of the class.\n")
    print("| therapy class | family | oracle | " + " | ".join(
        f"{label} training patients" for label in labels) + " |")
    print("|---" * (3 + len(labels)) + "|")
    for (therapy, family), cell in table.groupby(["therapy class", "family"], sort=False):
        by_size = cell.groupby("size")
        fits = " | ".join(
            f"{by_size.get_group(label)['model AUC'].mean():.3f} "
            f"(gap {by_size.get_group(label)['gap'].mean():.3f} "
            f"± {by_size.get_group(label)['gap'].std():.3f}"
            + (f", n {by_size.get_group(label)['training patients'].iloc[0]})"
               if label == "all" else ")")
            for label in labels)
        print(f"| {therapy} | {family} | {cell['oracle AUC'].mean():.3f} | {fits} |")


if __name__ == "__main__":
    main()
