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
    assert "Registered model: `models:/mixres@champion` (version 1) = feature set" \
        in " ".join(results.read_text().split())
    # --no-register: the file says the model was logged, not registered
    again = cli("train", exp_path, "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db",
                "--results", results, "--no-register", "--n-bootstrap", "0", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    text = " ".join(results.read_text().split())
    assert "Registered model" not in text
    assert "Final model (logged, not registered: `--no-register`): `models:/m-" in text
    assert "no CIs (n_bootstrap = 0" in text
    assert "bootstrap resamples of patients" not in text
    assert "[---" not in text
    assert "| AUC [95% CI] |" not in text


def test_results_never_replace_the_experiment_file_or_the_store(tmp_path, cli):
    exp_path = tmp_path / "mixres.toml"
    exp_path.write_text(STUDY)
    store = tmp_path / "mlflow.db"
    import sqlite3
    with sqlite3.connect(store) as db:  # a database file (its content is not looked at)
        db.execute("create table kept (x)")
    db.close()
    for target, option in ((exp_path, "--results"), (store, "--results")):
        before = target.read_bytes()
        result = cli("train", exp_path, "--tracking-uri", f"sqlite:///{store}",
                     "--results", target, cwd=tmp_path)
        assert result.returncode == 1
        assert f"cannot write {target}: it is an input of this command" in result.stderr
        assert f"choose another {option}" in result.stderr
        assert "Traceback" not in result.stderr
        assert target.read_bytes() == before


def test_notes_below_the_marker_outlive_a_rerun(tmp_path, cli):
    from irpredict.cli._train import KEPT_NOTES_MARKER

    exp_path = tmp_path / "mixres.toml"
    exp_path.write_text(STUDY)
    results = tmp_path / "mixres.md"
    results.write_text(f"old table\n\n{KEPT_NOTES_MARKER}\n\n## Notes\n\nwritten by hand\n")
    result = cli("train", exp_path, "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db",
                 "--results", results, "--n-bootstrap", "0", "--no-register", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = results.read_text()
    assert "old table" not in text
    assert text.index("| therapy class |") < text.index(KEPT_NOTES_MARKER)
    assert text.endswith(f"{KEPT_NOTES_MARKER}\n\n## Notes\n\nwritten by hand\n")


def test_a_family_chosen_after_training_is_said_to_be_chosen(tmp_path, cli):
    text = simulated_study(
        "bestres", patients=200, seed=5, class_mix={"checkpoint_inhibitor": 1},
        families=("logistic", "random_forest"),
        feature_sets={"clinical": ["age", "ecog", "subtype", "measurements:*"]},
        feature_set_landmarks={"clinical": 0}, grids={"random_forest": {"max_depth": [3]}})
    assert 'final_family = "logistic"' in text
    exp_path = tmp_path / "bestres.toml"
    exp_path.write_text(text.replace('final_family = "logistic"', 'final_family = "best"'))
    results = tmp_path / "bestres.md"
    result = cli("train", exp_path, "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db",
                 "--results", results, "--no-register", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert re.search(r"final model: clinical/(logistic|random_forest) \(chosen by out-of-fold "
                     r"AUC, refitted on all patients\)", out), out
    assert 'note: final_family = "best":' in out
    written = " ".join(results.read_text().split())
    assert "chosen after training for the highest pooled out-of-fold AUC" in written
    assert "declared in the experiment file" not in written
