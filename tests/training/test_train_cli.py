"""`irpredict train` and `irpredict evaluate` end to end, on a real SQLite MLflow store."""

import json

import pytest

from sim_study import CLINICAL_AND_MEASUREMENTS, simulated_study


def study(name, patients, seed):
    """A two-feature-set, two-family study (baseline at day 0, on-treatment up to day 42)."""
    return simulated_study(name, patients=patients, seed=seed,
                           feature_sets={"baseline": CLINICAL_AND_MEASUREMENTS,
                                         "on_treatment": CLINICAL_AND_MEASUREMENTS},
                           families=("logistic", "xgboost"), n_bootstrap=50,
                           feature_set_landmarks={"baseline": 0}, threshold=0.4)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, cli):
    folder = tmp_path_factory.mktemp("train")
    exp = folder / "small.toml"
    exp.write_text(study("small", 300, 3))
    uri = f"sqlite:///{folder}/mlflow.db"
    result = cli("train", exp, "--tracking-uri", uri, cwd=folder)
    return folder, exp, uri, result


def test_train_prints_results_and_registers(trained):
    _, _, _, result = trained
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "AUC [95% CI]" in out
    for name in ("checkpoint_inhibitor", "baseline", "on_treatment", "logistic", "xgboost"):
        assert name in out
    assert "run id:" in out
    assert "registered: models:/small@champion (version 1)" in out
    assert ("data used per feature set: baseline up to day 0 (baseline); on_treatment up to "
            "day 42 (on-treatment kinetics) ([model] landmark_days, feature_set_landmarks)") \
        in " ".join(out.split())


def _results_table(stdout):
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "out-of-fold performance" in line)
    end = next(i for i, line in enumerate(lines) if line.startswith("AUC:"))
    return lines[start:end]


def test_fits_side_by_side_change_the_time_not_the_results(trained, tmp_path, cli):
    _, exp, _, parallel = trained  # default --jobs: every CPU this process may use
    serial = cli("train", exp, "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db", "--jobs",
                 "1", "--no-register", cwd=tmp_path)
    assert serial.returncode == 0, serial.stderr
    assert _results_table(serial.stdout) == _results_table(parallel.stdout)
    assert len(_results_table(serial.stdout)) > 8  # the table, one row per class x set x model


def test_store_holds_parent_children_metrics_and_hashed_predictions(trained):
    import mlflow
    import pandas as pd

    folder, _, uri, result = trained
    client = mlflow.MlflowClient(uri)
    exp = client.get_experiment_by_name("irpredict/small")
    runs = client.search_runs([exp.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1
    assert parents[0].info.status == "FINISHED"
    # the settings the run used and the command that ran it
    params, tags = parents[0].data.params, parents[0].data.tags
    assert params["settings.n_bootstrap"] == "50"
    assert params["settings.threshold"] == "0.4"
    assert json.loads(params["settings.families"]) == ["logistic", "xgboost"]
    assert tags["irpredict.command"].startswith("irpredict train ")
    assert tags["irpredict.command"].endswith(f"--tracking-uri {uri}")
    assert len(children) == 4  # 2 feature sets x 2 families
    assert all(c.data.params["n_bootstrap"] == "50" for c in children)
    child = children[0]
    assert child.info.status == "FINISHED"
    for key in ("auc__overall", "auc_ci_low__overall", "auc_ci_high__overall",
                "brier__overall", "calibration_slope__overall"):
        assert key in child.data.metrics
    low, auc, high = (child.data.metrics[k] for k in
                      ("auc_ci_low__overall", "auc__overall", "auc_ci_high__overall"))
    assert low <= auc <= high
    path = mlflow.artifacts.download_artifacts(run_id=child.info.run_id,
                                               artifact_path="oof_predictions.csv",
                                               tracking_uri=uri, dst_path=str(folder / "dl"))
    oof = pd.read_csv(path)
    assert not oof["patient_id"].astype(str).str.startswith("SIM-").any()
    assert set(oof.columns) >= {"patient_id", "fold", "therapy_class", "y", "prob"}
    _assert_net_benefit_per_class(child, oof, uri, folder)
    version = client.get_model_version_by_alias("small", "champion")
    assert str(version.version) == "1"


def _assert_net_benefit_per_class(child, oof, uri, folder):
    """Net benefit at the run's threshold and a decision-curve table, per class, with CIs."""
    import mlflow
    import pandas as pd

    threshold = float(child.data.params["threshold"])
    classes = sorted(oof["therapy_class"].unique())
    for group in [*classes, "overall"]:
        low, nb, high = (child.data.metrics[f"{k}__{group}"] for k in
                         ("net_benefit_ci_low", "net_benefit", "net_benefit_ci_high"))
        assert low <= nb <= high
        assert f"net_benefit_treat_all__{group}" in child.data.metrics
    path = mlflow.artifacts.download_artifacts(run_id=child.info.run_id,
                                               artifact_path="decision_curves.csv",
                                               tracking_uri=uri, dst_path=str(folder / "dl"))
    curves = pd.read_csv(path)
    assert set(curves["therapy_class"]) == {*classes, "overall"}
    model = curves[(curves["strategy"] == "model") & (curves["therapy_class"] == "overall")]
    at = model[model["threshold"].round(2) == threshold]
    assert at["net_benefit"].iloc[0] == pytest.approx(child.data.metrics["net_benefit__overall"])
    assert (model["ci_low"] <= model["net_benefit"] + 1e-12).all()
    assert (model["net_benefit"] <= model["ci_high"] + 1e-12).all()


def test_evaluate_scores_another_cohort(trained, tmp_path, cli):
    folder, _, uri, _ = trained
    other = tmp_path / "other.toml"
    other.write_text(study("other", 300, 11))
    out = tmp_path / "eval"
    result = cli("evaluate", "--model", "models:/small@champion", "--data", other,
                     "--out", out, "--tracking-uri", uri, "--n-bootstrap", "50", cwd=folder)
    assert result.returncode == 0, result.stderr
    # every simulated draw numbers its patients SIM-00001, ...: no reused-id warning
    assert "ids of the model's training patients" not in " ".join(result.stderr.split())
    payload = json.loads((out / "metrics.json").read_text())
    overall = [m for m in payload["metrics"]
               if m["therapy_class"] == "overall" and m["metric"] == "auc"]
    assert len(overall) == 1
    assert 0.6 < overall[0]["estimate"] <= 1.0
    assert overall[0]["ci_low"] <= overall[0]["estimate"] <= overall[0]["ci_high"]
    for name in ("roc.png", "calibration.png", "decision_curve.png", "predictions.csv"):
        assert (out / name).stat().st_size > 0
    net = [m for m in payload["metrics"] if m["metric"] == "net_benefit"]
    assert {m["therapy_class"] for m in net} >= {"overall"}
    assert all(m["ci_low"] <= m["estimate"] <= m["ci_high"] for m in net)
    import pandas as pd

    curves = pd.read_csv(out / "decision_curves.csv")
    assert set(curves["therapy_class"]) == {m["therapy_class"] for m in net}
    assert set(curves["strategy"]) == {"model", "treat_all", "treat_none"}
    # read at the threshold of training's [model], and tied to the version the alias named
    assert payload["threshold"] == 0.4
    run_id = next(line.split()[-1] for line in trained[3].stdout.splitlines()
                  if line.startswith("run id:"))
    assert payload["model_version"] == "models:/small/1"
    assert payload["run_id"] == run_id
    assert (f"model: models:/small@champion = models:/small/1, run {run_id}; sensitivity, "
            "specificity and net benefit at threshold 0.4") in " ".join(result.stdout.split())
    assert payload["training_patients_left_out"] == 0
    # the same --out again: the earlier files are replaced, and said so
    again = cli("evaluate", "--model", "models:/small@champion", "--data", other,
                "--out", out, "--tracking-uri", uri, "--n-bootstrap", "0", cwd=folder)
    assert again.returncode == 0, again.stderr
    assert "this replaced an earlier evaluation's metrics.json" in " ".join(again.stdout.split())
    # an output that is one of the inputs is refused before any work
    data = tmp_path / "in"
    assert cli("simulate", "--patients", "40", "--seed", "2", "--out", data).returncode == 0
    (data / "predictions.csv").write_text("kept\n")
    refused = cli("evaluate", "--model", "models:/small@champion", "--data",
                  data / "predictions.csv", "--out", data, "--tracking-uri", uri, cwd=folder)
    assert refused.returncode == 1
    assert "is an input of this command" in refused.stderr
    assert (data / "predictions.csv").read_text() == "kept\n"


@pytest.mark.parametrize("threshold", ["0", "1"])
def test_evaluate_refuses_a_threshold_that_is_no_probability(trained, tmp_path, cli, threshold):
    folder, exp, uri, _ = trained
    result = cli("evaluate", "--model", "models:/small@champion", "--data", exp,
                 "--out", tmp_path / "e", "--tracking-uri", uri, "--threshold", threshold,
                 cwd=folder)
    assert result.returncode != 0
    assert "strictly between 0 and 1" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "e").exists()


def test_evaluate_unknown_model_is_a_clear_error(trained, tmp_path, cli):
    folder, exp, uri, _ = trained
    result = cli("evaluate", "--model", "models:/nope@champion", "--data", exp,
                     "--out", tmp_path / "e", "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 1
    assert "nope" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "e").exists()


def test_train_rejects_unknown_model_key(tmp_path, cli):
    exp = tmp_path / "bad.toml"
    exp.write_text(study("bad", 200, 1)
                   .replace("outer_folds = 3", "outer_fold = 3"))
    result = cli("train", exp, "--tracking-uri", f"sqlite:///{tmp_path}/m.db", cwd=tmp_path)
    assert result.returncode == 1
    assert "outer_fold" in result.stderr
    assert "outer_folds" in result.stderr
    assert "Traceback" not in result.stderr


def test_train_refuses_a_table_instead_of_an_experiment_file(tmp_path, cli):
    table = tmp_path / "cohort.csv"
    table.write_text("patient_id,therapy_class,response\nA,cytokine,1\nB,cytokine,0\n")
    result = cli("train", table, "--tracking-uri", f"sqlite:///{tmp_path}/m.db", cwd=tmp_path)
    assert result.returncode == 1
    assert "not an experiment file (.toml)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_cohort_refused_for_its_labels_opens_no_run(tmp_path, cli):
    import pandas as pd

    pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(30)],
                  "response": 0,
                  "age": range(40, 70)}).to_csv(tmp_path / "patients.csv", index=False)
    (tmp_path / "allnr.toml").write_text(
        '[study]\nname = "allnr"\n[data]\nsource = "patients.csv"\nid = "patient_id"\n'
        'label = "response"\ntherapy_class = "checkpoint_inhibitor"\n'
        '[model]\nfamilies = ["logistic"]\nfinal_family = "logistic"\n')
    result = cli("train", tmp_path / "allnr.toml", "--tracking-uri",
                 f"sqlite:///{tmp_path}/store/mlflow.db", cwd=tmp_path)
    assert result.returncode == 1
    assert "all non-responders" in result.stderr
    assert not (tmp_path / "store").exists()  # refused before any MLflow run was opened


def test_small_classes_and_ungrouped_sites_are_noted(tmp_path, cli):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 90
    age = rng.normal(60, 10, n)
    pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(n)],
                  "therapy_class": ["checkpoint_inhibitor"] * 80 + ["cytokine"] * 10,
                  "site": ["A", "B"] * 45, "age": age, "assay_version": 2,
                  "il6": [3.0, 4.0] + [None] * (n - 2), "ki67_pct": [None] * n,
                  "response": (age + rng.normal(0, 8, n) > 60).astype(int)}).to_csv(
        tmp_path / "patients.csv", index=False)
    (tmp_path / "small.toml").write_text(
        '[study]\nname = "smallcls"\n[data]\nfolder = "."\n'
        '[model]\nfamilies = ["logistic"]\nfinal_family = "logistic"\nn_bootstrap = 20\n'
        'outer_folds = 3\ninner_folds = 2\n')
    result = cli("train", tmp_path / "small.toml", "--tracking-uri",
                 f"sqlite:///{tmp_path}/mlflow.db", "--no-register", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "cytokine: 10 patients (" in text
    assert "too few for its AUC and CI to mean much" in text
    assert "checkpoint_inhibitor: 80 patients" not in text
    assert ("cytokine: fewer than min_patients = 30 patients or min_responders = 8 responders "
            "or non-responders, so the pooled model") in text
    assert "the cohort has 2 sites, fewer than the 3 outer folds" in text
    assert "1 feature(s) hold one value for every patient and inform nothing: assay_version" \
        in text
    assert "measured in fewer than 5% of patients, so the model reads mostly their " \
        "missingness: il6" in text
    assert "1 feature(s) of the feature set have no value for any labelled patient and are " \
        "left out: ki67_pct" in text
    assert "exceeds the" not in text


def test_more_outer_folds_than_patients_of_an_outcome_is_noted():
    from types import SimpleNamespace

    import pandas as pd

    from irpredict.training.notes import design_notes as _design_notes

    X = pd.DataFrame({"therapy_class": ["checkpoint_inhibitor"] * 60,
                      "age": [(7 * i) % 60 for i in range(60)]})  # unrelated to the label
    design = SimpleNamespace(X=X, y=pd.Series([1] * 25 + [0] * 35), sites=None,
                             feature_columns=["therapy_class", "age"], empty_columns=[])
    settings = SimpleNamespace(outer_folds=30, group_by_site=True, min_patients=30,
                               min_responders=8)
    notes = _design_notes(design, settings)
    assert any("outer_folds = 30 exceeds the 25 patients of the rarer outcome" in n
               and "outer_folds = 10 would" in n for n in notes), notes
    assert not _design_notes(design, SimpleNamespace(outer_folds=10, group_by_site=True,
                                                     min_patients=30, min_responders=8))


def test_a_feature_set_of_patient_columns_is_said_to_read_no_series():
    from types import SimpleNamespace

    import pandas as pd

    from irpredict.cli._train import _data_used
    from irpredict.training.settings import ModelSettings

    experiment = SimpleNamespace(feature_sets={"clinical": ["age"],
                                               "kinetics": ["age", "measurements:ctdna"]})
    table = pd.DataFrame({"feature_set": ["clinical", "kinetics"]})
    text = _data_used(experiment, ModelSettings(), table, {"kinetics": True})
    assert "clinical: patients-table columns only" in text
    assert "kinetics up to day 42 (on-treatment kinetics)" in text
    # the cohort held no draw after day 0 of the set's biomarkers
    text = _data_used(experiment, ModelSettings(), table, {"kinetics": False})
    assert "on-treatment kinetics" not in text
    assert "kinetics up to day 42, though no result after day 0 reached its features" in text


def test_a_set_reads_on_treatment_values_only_through_its_landmark_features():
    from types import SimpleNamespace

    from irpredict.training.runner import _reads_on_treatment

    def design(day, *columns):
        return SimpleNamespace(landmark_days=day, feature_columns=["age", *columns])

    assert _reads_on_treatment(design(42, "ctdna__baseline", "ctdna__last_d42"))
    assert not _reads_on_treatment(design(42, "ctdna__baseline"))
    assert not _reads_on_treatment(design(0, "ctdna__baseline"))


def test_an_overall_auc_above_every_class_is_explained():
    import pandas as pd

    from irpredict.training.notes import _overall_notes

    def metrics(overall):
        return pd.DataFrame({
            "feature_set": "f", "model": "logistic", "metric": "auc",
            "therapy_class": ["chemotherapy", "cytokine", "overall"],
            "estimate": [0.55, 0.68, overall], "n_patients": [100, 100, 200],
            "n_responders": [0, 60, 60]})

    notes = _overall_notes(metrics(0.75), "f", "logistic")
    assert len(notes) == 1
    assert "above every therapy class's (0.550-0.680)" in notes[0]
    assert "response rates differ between classes (0%-60%)" in notes[0]
    assert _overall_notes(metrics(0.62), "f", "logistic") == []


def test_a_feature_that_alone_separates_the_outcomes_is_named():
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from irpredict.training.notes import _proxy_notes

    rng = np.random.default_rng(0)
    y = pd.Series(rng.integers(0, 2, 200))
    X = pd.DataFrame({"therapy_class": "cytokine", "age": rng.normal(60, 10, 200),
                      "disease_ctrl": y * 10 + rng.normal(0, 1, 200)})
    design = SimpleNamespace(X=X, y=y, feature_columns=["therapy_class", "age", "disease_ctrl"])
    notes = _proxy_notes(design)
    assert len(notes) == 1
    assert notes[0].startswith("disease_ctrl (AUC 1.000) alone separate(s) responders")
    assert "age" not in notes[0]
    assert "list it under [data.columns] exclude;" in notes[0]
    # a feature built from a series is left out with its series, not by an exclude entry
    X = X.rename(columns={"disease_ctrl": "tumor_size__pctchg_d42"})
    design = SimpleNamespace(X=X, y=y, feature_columns=list(X.columns))
    notes = _proxy_notes(design)
    assert "exclude" not in notes[0]
    assert ('[data] response_derived_biomarkers = ["tumor_size"], or response_derived = true '
            "on the source of the tumour measurements") in notes[0]


def test_columns_of_different_biomarkers_with_the_same_values_are_named():
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from irpredict.training.notes import _duplicate_notes

    rng = np.random.default_rng(0)
    ctdna = pd.Series(rng.lognormal(0, 1, 50))
    ctdna[::7] = np.nan
    X = pd.DataFrame({"therapy_class": "cytokine", "age": rng.normal(60, 10, 50),
                      "baseline_ctdna": ctdna, "ctdna__baseline": ctdna * 1.0,
                      # one biomarker's features after a single draw: explained as one
                      "crp__last_d42": ctdna + 1, "crp__max_d42": ctdna + 1,
                      "ldh__baseline": ctdna.fillna(0.5),  # missing where the other is not
                      "her2_ihc": ["0", "1+", "2+", "3+", None] * 10,
                      "her2_copy": ["0", "1+", "2+", "3+", None] * 10})
    design = SimpleNamespace(X=X, feature_columns=list(X.columns))
    notes = _duplicate_notes(design)
    assert len(notes) == 1
    assert ("hold the same value for every patient: baseline_ctdna = ctdna__baseline, "
            "her2_ihc = her2_copy;") in notes[0]
    assert "crp" not in notes[0]
    assert "ldh" not in notes[0]
    assert _duplicate_notes(SimpleNamespace(X=X, feature_columns=["age", "baseline_ctdna"])) == []


def test_a_pooled_auc_far_below_the_per_fold_mean_is_named():
    import pandas as pd

    from irpredict.training.notes import _fold_notes

    metrics = pd.DataFrame({
        "feature_set": "f", "model": "logistic",
        "therapy_class": ["adoptive_cell"] * 2 + ["cytokine"] * 2,
        "metric": ["auc", "auc_mean_of_folds"] * 2,
        "estimate": [0.553, 0.756, 0.80, 0.82]})
    notes = _fold_notes(metrics, "f", "logistic")
    assert len(notes) == 1
    assert "adoptive_cell 0.553 pooled vs 0.756" in notes[0]
    assert "cytokine" not in notes[0]


def test_more_folds_than_patients_is_refused_by_validate_and_before_training(tmp_path, cli):
    import pandas as pd

    pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(40)],
                  "response": [0, 1] * 20, "age": range(40, 80)}).to_csv(
        tmp_path / "patients.csv", index=False)
    body = ('[study]\nname = "folds"\n[data]\nsource = "patients.csv"\nid = "patient_id"\n'
            'label = "response"\ntherapy_class = "checkpoint_inhibitor"\n'
            '[model]\nfamilies = ["logistic"]\nfinal_family = "logistic"\n')
    (tmp_path / "outer.toml").write_text(body + "outer_folds = 500\n")
    (tmp_path / "inner.toml").write_text(body + "outer_folds = 2\ninner_folds = 25\n")
    for name, message in (("outer", "outer_folds = 500 is more folds than the cohort's 40 "
                                    "labelled patients (20 responders)"),
                          ("inner", "inner_folds = 25 is more folds than the 20 patients of "
                                    "an outer training part")):
        checked = cli("validate", tmp_path / f"{name}.toml", cwd=tmp_path)
        assert checked.returncode == 1
        assert message in " ".join(checked.stderr.split())
        trained = cli("train", tmp_path / f"{name}.toml", "--tracking-uri",
                      f"sqlite:///{tmp_path}/store/mlflow.db", cwd=tmp_path)
        assert trained.returncode == 1
        assert message in " ".join(trained.stderr.split())
        assert "unexpected" not in trained.stderr
        assert not (tmp_path / "store").exists()  # refused before any MLflow run was opened


def test_landmarks_of_undeclared_feature_sets_are_refused(tmp_path, cli):
    import pandas as pd

    pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(40)],
                  "response": [0, 1] * 20, "age": range(40, 80)}).to_csv(
        tmp_path / "patients.csv", index=False)
    body = ('[study]\nname = "fsl"\n[data]\nsource = "patients.csv"\nid = "patient_id"\n'
            'label = "response"\ntherapy_class = "checkpoint_inhibitor"\n[model]\n')
    (tmp_path / "typo.toml").write_text(body + "feature_set_landmarks = { baseline = 0 }\n")
    (tmp_path / "all.toml").write_text(body + "feature_set_landmarks = { all = 0 }\n")
    refused = cli("validate", tmp_path / "typo.toml", cwd=tmp_path)
    assert refused.returncode == 1
    assert "feature_set_landmarks names ['baseline'], but the experiment declares no " \
        "[feature_sets]: its one feature set is 'all'" in " ".join(refused.stderr.split())
    assert cli("validate", tmp_path / "all.toml", cwd=tmp_path).returncode == 0


def test_without_resamples_the_table_claims_no_interval(tmp_path, cli):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    age = rng.normal(60, 10, 60)
    pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(60)], "age": age,
                  "response": (age + rng.normal(0, 8, 60) > 60).astype(int)}).to_csv(
        tmp_path / "patients.csv", index=False)
    (tmp_path / "noci.toml").write_text(
        '[study]\nname = "noci"\n[data]\nsource = "patients.csv"\nid = "patient_id"\n'
        'label = "response"\ntherapy_class = "cytokine"\n[model]\nfamilies = ["logistic"]\n'
        'final_family = "logistic"\nn_bootstrap = 0\nouter_folds = 3\ninner_folds = 2\n')
    result = cli("train", tmp_path / "noci.toml", "--tracking-uri",
                 f"sqlite:///{tmp_path}/mlflow.db", "--no-register", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "AUC [95% CI]" not in text
    assert "no CI: n_bootstrap = 0)" in text


def test_a_therapy_rule_column_that_is_also_a_feature_trains_and_registers(tmp_path, cli):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2)
    n = 80
    her2 = rng.integers(0, 2, n)
    age = rng.normal(55, 10, n)
    pd.DataFrame({"pid": [f"T{i:03d}" for i in range(n)], "anti_her2": her2, "age": age,
                  "pcr": (rng.random(n) < 0.2 + 0.4 * her2).astype(int)}).to_csv(
        tmp_path / "cohort.csv", index=False)
    (tmp_path / "rulefeat.toml").write_text(
        '[study]\nname = "rulefeat"\n[data]\nsource = "cohort.csv"\nid = "pid"\nlabel = "pcr"\n'
        '[data.therapy_rule]\ncolumn = "anti_her2"\nmap = { "1" = "monoclonal_antibody" }\n'
        'default = "chemotherapy"\n[feature_sets]\nchemo = ["age", "anti_her2"]\n'
        '[model]\nfamilies = ["logistic"]\nfinal_family = "logistic"\nn_bootstrap = 0\n'
        'outer_folds = 3\ninner_folds = 2\nmin_patients = 20\nmin_responders = 4\n')
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    result = cli("train", tmp_path / "rulefeat.toml", "--tracking-uri", uri, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "registered: models:/rulefeat@champion" in result.stdout
    # the logged example agrees with the rule, so the served model takes it as it is
    import mlflow

    from irpredict.tracking.registry import _using
    from irpredict.training.publish import load_response_model

    model = load_response_model("models:/rulefeat@champion", tracking_uri=uri)
    with _using(uri):
        pyfunc = mlflow.pyfunc.load_model("models:/rulefeat@champion")
    example = pyfunc.input_example
    expected = np.where(example["anti_her2"].astype(float) == 1, "monoclonal_antibody",
                        "chemotherapy")
    assert (example["therapy_class"].to_numpy() == expected).all()
    assert len(pyfunc.predict(example)) == len(example)
    assert model.therapies == ["chemotherapy", "monoclonal_antibody"]


def test_an_undefined_figure_prints_n_a_as_evaluate_does():
    import pandas as pd
    from rich.console import Console

    from irpredict.cli._train import print_results

    table = pd.DataFrame({
        "therapy_class": ["cytokine", "chemotherapy", "overall"], "feature_set": "clinical",
        "model": "logistic", "n": [12, 60, 72], "responders": [0, 20, 20],
        "auc": [float("nan"), 0.71, 0.70], "auc_low": [float("nan"), 0.6, 0.6],
        "auc_high": [float("nan"), 0.8, 0.8], "auc_mean_of_folds": [float("nan"), 0.7, 0.7],
        "brier": [0.05, 0.2, 0.18], "cal_slope": [float("nan"), 1.0, 0.9]})
    console = Console(record=True, width=200)
    print_results(console, table, "t")
    text = console.export_text()
    assert "nan" not in text
    assert " n/a │" in text
    assert "0.710 [0.600-0.800]" in text
    assert "AUC: all out-of-fold predictions pooled (headline" in text
    # with repeats the headline is each repeat's pooled AUC, averaged
    console = Console(record=True, width=200)
    print_results(console, table, "t", repeats=3)
    assert ("AUC: all out-of-fold predictions of a repeat pooled, averaged over the 3 repeats"
            in " ".join(console.export_text().split()))


def test_a_child_or_deleted_run_as_a_model_is_named(trained, tmp_path, cli):
    import shutil

    import mlflow

    folder, exp, uri, result = trained
    run_id = next(line.split()[-1] for line in result.stdout.splitlines()
                  if line.startswith("run id:"))
    client = mlflow.MlflowClient(uri)
    child = client.search_runs([client.get_run(run_id).info.experiment_id],
                               filter_string=f"tags.mlflow.parentRunId = '{run_id}'")[0]
    said = cli("explain", "--model", child.info.run_id, "--data", exp, "--patient",
               "SIM-00001", "--tracking-uri", uri, "--out", tmp_path / "x", cwd=folder)
    assert said.returncode == 1
    assert (f"is a child run ({child.info.run_name}: one feature set and family"
            in " ".join(said.stderr.split()))
    assert f"its parent run {run_id} holds the final model" in " ".join(said.stderr.split())
    # a deleted run, in a copy of the store
    copy = tmp_path / "copy.db"
    shutil.copy(uri.removeprefix("sqlite:///"), copy)
    copy_uri = f"sqlite:///{copy}"
    mlflow.MlflowClient(copy_uri).delete_run(run_id)
    for args in (("explain", "--model", run_id, "--data", exp, "--patient", "SIM-00001",
                  "--out", tmp_path / "y"),
                 ("report", "--run", run_id, "--out", tmp_path / "r.html", "--no-log")):
        said = cli(*args, "--tracking-uri", copy_uri, cwd=folder)
        assert said.returncode == 1, args
        assert f"run {run_id} was deleted from the store" in " ".join(said.stderr.split())
        assert "Traceback" not in said.stderr
    assert not (tmp_path / "r.html").exists()


def test_a_moved_store_is_said_to_have_lost_its_artifact_folders(tmp_path, cli):
    from sim_study import simulated_study

    first = tmp_path / "first"
    first.mkdir()
    (first / "tiny.toml").write_text(simulated_study("tiny", patients=120, seed=4,
                                                     n_bootstrap=0))
    trained = cli("train", first / "tiny.toml", cwd=first)  # the default store, ./mlruns
    assert trained.returncode == 0, trained.stderr
    run_id = next(line.split()[-1] for line in trained.stdout.splitlines()
                  if line.startswith("run id:"))
    moved = tmp_path / "moved"
    first.rename(moved)
    uri = f"sqlite:///{moved / 'mlruns' / 'mlflow.db'}"
    report = cli("report", "--run", run_id, "--tracking-uri", uri, "--out", moved / "r.html",
                 "--no-log", cwd=moved)
    assert report.returncode == 1
    text = " ".join(report.stderr.split())
    assert f"artifacts are recorded at {first / 'mlruns'}" in text
    assert "which does not exist" in text
    assert not (moved / "r.html").exists()
    explain = cli("explain", "--model", "models:/tiny@champion", "--tracking-uri", uri,
                  "--data", moved / "tiny.toml", "--patient", "SIM-00001", "--out",
                  moved / "x", cwd=moved)
    assert explain.returncode == 1
    text = " ".join(explain.stderr.split())
    assert "cannot be loaded: the store records it, but its files are not where the store " \
           "says" in text
    assert "unexpected" not in text


def test_figures_of_several_repeats_say_which_repeat_they_draw():
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from irpredict.training.runner import _figures

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    one = pd.DataFrame({"patient_id": [f"P{i}" for i in range(80)], "fold": np.arange(80) % 4,
                        "therapy_class": "cytokine", "y": y,
                        "prob": np.clip(0.3 * y + rng.random(80) * 0.7, 0.01, 0.99)})
    settings = SimpleNamespace(n_bootstrap=20, seed=0)
    for repeats in (1, 3):
        oof = pd.concat([one.assign(repeat=r) for r in range(repeats)], ignore_index=True)
        titles = [f.axes[0].get_title() for f in _figures(oof, settings).values()]
        assert len(titles) == 3
        said = [f"repeat 1 of {repeats}; the metrics average all {repeats}" in t for t in titles]
        assert all(said) if repeats > 1 else not any(said)
