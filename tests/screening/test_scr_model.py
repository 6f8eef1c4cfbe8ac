"""`irpredict screen --model`: a registered model scores an external cohort; its own cohort is
cross-fitted so that every score is out-of-fold."""

import pandas as pd
import pytest

from sim_study import CLINICAL_AND_MEASUREMENTS, simulated_study

pytestmark = pytest.mark.slow

#: One therapy class: one model per fit, so that the cross-fits stay quick.
ONE_CLASS = {"checkpoint_inhibitor": 1}


def study(name, patients, seed):
    """A one-feature-set (baseline, day 0) logistic study of checkpoint-inhibitor patients."""
    return simulated_study(name, patients=patients, seed=seed, class_mix=ONE_CLASS,
                           feature_sets={"baseline": CLINICAL_AND_MEASUREMENTS},
                           feature_set_landmarks={"baseline": 0})


@pytest.fixture(scope="module")
def registered(tmp_path_factory, cli):
    folder = tmp_path_factory.mktemp("screen_model")
    (folder / "small.toml").write_text(study("small", 300, 3))
    (folder / "external.toml").write_text(study("external", 200, 11))
    uri = f"sqlite:///{folder}/mlflow.db"
    result = cli("train", folder / "small.toml", "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, uri


def test_model_scores_external_cohort(cli, registered):
    folder, uri = registered
    out = folder / "out"
    res = cli("screen", folder / "external.toml", "--model", "models:/small@champion",
              "--tracking-uri", uri, "--thresholds", "0.2,0.4", "--p0", "0.2",
              "--n-bootstrap", "20", "--out", out, "--markdown", out / "r.md", cwd=folder)
    assert res.returncode == 0, res.stderr
    assert "does not exist at enrolment" not in res.stderr  # a baseline model
    # the report names the version the alias stood for (an alias moves with every train)
    assert "model = models:/small@champion = models:/small/1 = " in (out / "r.md").read_text()
    table = pd.read_csv(out / "screening.csv")
    assert set(table["therapy_class"]) == {"checkpoint_inhibitor"}  # one class, no "all"
    frac = table[table["metric"] == "eligible_fraction"]
    fractions = frac.set_index("rule")["estimate"]
    assert fractions["(no screening)"] == 1
    assert 0 <= fractions["prob_response >= 0.4"] <= fractions["prob_response >= 0.2"] <= 1


def test_model_on_its_own_study_is_cross_fitted(cli, registered):
    folder, uri = registered
    res = cli("screen", folder / "small.toml", "--model", "models:/small@champion",
              "--tracking-uri", uri, "--thresholds", "0.3", "--p0", "0.2",
              "--n-bootstrap", "20", "--out", folder / "o2", cwd=folder)
    assert res.returncode == 0, res.stderr
    assert (folder / "o2" / "screening.csv").exists()


def test_crossfit_scores_are_out_of_fold(registered):
    from sklearn.metrics import roc_auc_score

    from irpredict.experiment import load_experiment
    from irpredict.training.crossfit import crossfit_scores
    from irpredict.training.publish import load_response_model

    folder, uri = registered
    model = load_response_model("models:/small@champion", tracking_uri=uri)
    X, y = model.frame_from_cohort(load_experiment(folder / "small.toml").load_cohort())
    in_sample = model.predict_proba(X)[:, 1]
    oof = crossfit_scores(model, X, y)
    assert oof.notna().all()
    assert not (abs(oof.to_numpy() - in_sample) < 1e-9).all()
    # refitting without each patient's fold removes the in-sample optimism
    assert roc_auc_score(y, oof) < roc_auc_score(y, in_sample)
    # deterministic with the same seed
    assert oof.equals(crossfit_scores(model, X, y))


def test_training_patients_are_recognised_by_patient_not_by_name(cli, registered, tmp_path):
    folder, uri = registered
    screen = ("screen", "--model", "models:/small@champion", "--tracking-uri", uri,
              "--thresholds", "0.3", "--p0", "0.2", "--n-bootstrap", "20")
    # the training patients as a cohort folder under another name: cross-fitted, and said so
    cohort = tmp_path / "renamed"
    assert cli("simulate", "--patients", "300", "--seed", "3", "--class-mix",
               "checkpoint_inhibitor=1", "--out", cohort).returncode == 0
    res = cli(screen[0], cohort, *screen[1:], "--out", tmp_path / "a", cwd=folder)
    assert res.returncode == 0, res.stderr
    assert "is the training cohort of model models:/small@champion" in " ".join(
        res.stderr.split())
    # external patients under the training study's name: scored by the model itself
    (tmp_path / "same_name.toml").write_text(study("small", 200, 11))
    res = cli(screen[0], tmp_path / "same_name.toml", *screen[1:], "--out", tmp_path / "b",
              cwd=folder)
    assert res.returncode == 0, res.stderr
    assert "training cohort" not in res.stderr


def _mixed_cohort(cli, tmp_path, n_external):
    """The training patients (as simulated again) plus ``n_external`` patients of another
    simulation under EXT- ids, as one cohort folder."""
    parts = {}
    for name, patients, seed in (("train", 300, 3), ("other", 200, 11)):
        folder = tmp_path / name
        if (folder / "patients.csv").exists():
            parts[name] = folder
            continue
        assert cli("simulate", "--patients", str(patients), "--seed", str(seed),
                   "--class-mix", "checkpoint_inhibitor=1", "--out", folder).returncode == 0
        parts[name] = folder
    mixed = tmp_path / f"mixed_{n_external}"
    mixed.mkdir()
    for table in ("patients", "measurements", "tumor_assessments"):
        own = pd.read_csv(parts["train"] / f"{table}.csv", dtype={"patient_id": str})
        other = pd.read_csv(parts["other"] / f"{table}.csv", dtype={"patient_id": str})
        other["patient_id"] = other["patient_id"].str.replace("SIM-", "EXT-")
        other = other[other["patient_id"].isin([f"EXT-{i:05d}" for i in range(1, n_external + 1)])]
        pd.concat([own, other]).to_csv(mixed / f"{table}.csv", index=False)
    return mixed


def test_a_cohort_mostly_of_training_patients_is_cross_fitted_naming_the_rest(
        cli, registered, tmp_path):
    folder, uri = registered
    screen = ("--model", "models:/small@champion", "--tracking-uri", uri, "--thresholds", "0.3",
              "--p0", "0.2", "--n-bootstrap", "0")
    res = cli("screen", _mixed_cohort(cli, tmp_path, 3), *screen, "--out", tmp_path / "a",
              cwd=folder)
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stderr.split())
    assert "300 of 303 patients of mixed_3 are training patients of model " \
        "models:/small@champion; the other 3 (EXT-00001, EXT-00002, EXT-00003) are not " \
        "recognised" in text
    assert "every patient's score is cross-fitted" in text
    # half external: cross-fitting would no longer screen with the registered model
    res = cli("screen", _mixed_cohort(cli, tmp_path, 200), *screen, "--out", tmp_path / "b",
              cwd=folder)
    assert res.returncode == 1
    text = " ".join(res.stderr.split())
    assert "300 of 500 patients of mixed_200" in text
    assert "the other 200 (EXT-00001, EXT-00002" in text
    assert not (tmp_path / "b").exists()


def test_an_on_treatment_model_is_said_not_to_exist_at_enrolment(cli, tmp_path):
    (tmp_path / "ontx.toml").write_text(simulated_study("ontx", patients=200, seed=4,
                                                        class_mix=ONE_CLASS))
    (tmp_path / "other.toml").write_text(study("other", 120, 12))
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    assert cli("train", tmp_path / "ontx.toml", "--tracking-uri", uri,
               cwd=tmp_path).returncode == 0
    res = cli("screen", tmp_path / "other.toml", "--model", "models:/ontx@champion",
              "--tracking-uri", uri, "--thresholds", "0.3", "--p0", "0.2",
              "--n-bootstrap", "10", "--out", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stderr.split())
    assert "reads data up to day 42 after the first dose" in text
    assert "does not exist at enrolment" in text


def test_a_score_column_named_like_a_biomarker_is_refused(cli, registered):
    folder, uri = registered
    res = cli("screen", folder / "external.toml", "--model", "models:/small@champion",
              "--tracking-uri", uri, "--score-column", "pdl1_cps", "--thresholds", "0.3",
              "--p0", "0.2", "--n-bootstrap", "0", "--out", folder / "clash", cwd=folder)
    assert res.returncode == 1
    assert "--score-column 'pdl1_cps' is already a column or biomarker" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (folder / "clash" / "screening.csv").exists()
