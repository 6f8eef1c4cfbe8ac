"""`irpredict train --results` on a simulated study: the oracle column is the truth of the
very cohort that was trained on (same patients, seed and class mix)."""

import re

from sim_study import simulated_study

STUDY = simulated_study(
    "mixres", patients=240, seed=5, class_mix={"checkpoint_inhibitor": 1, "cytokine": 1},
    feature_sets={"clinical": ["age", "ecog", "subtype", "measurements:*"]},
    feature_set_landmarks={"clinical": 0})


def test_results_oracle_column_matches_the_trained_cohort(tmp_path, cli):
    from irpredict.experiment import load_experiment

    exp_path = tmp_path / "mixres.toml"
    exp_path.write_text(STUDY)
    results = tmp_path / "mixres.md"
    result = cli("train", exp_path, "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db",
                 "--results", results, cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    truth = load_experiment(exp_path).simulate().truth["classes"]
    assert set(truth) == {"checkpoint_inhibitor", "cytokine"}
    rows = [line.split("|")[1:-1] for line in results.read_text().splitlines()
            if re.match(r"\| (checkpoint_inhibitor|cytokine) \| clinical", line)]
    assert len(rows) == 2
    for cells in rows:
        therapy, n_resp, oracle = cells[0].strip(), cells[3].strip(), cells[-1].strip()
        assert oracle == f"{truth[therapy]['oracle_auc']:.3f}"
        assert n_resp.startswith(f"{truth[therapy]['n_patients']} (")
