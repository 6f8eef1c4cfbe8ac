"""`irpredict validate experiments/<study>.toml` on the shipped experiment files."""

import pytest

REAL = ["transneo", "ispy2", "chowell2022", "inspire", "iokin"]


@pytest.mark.shared_data
@pytest.mark.parametrize("study", REAL)
def test_validate_shared_cohort_experiment(cli, repo_root, shared_data, study):
    result = cli("validate", repo_root / "experiments" / f"{study}.toml", cwd=repo_root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{study}: ")
    assert "valid" in result.stdout


def test_validate_synthetic_experiment(cli, repo_root, tmp_path):
    import tomllib

    path = repo_root / "experiments" / "synthetic.toml"
    declared = tomllib.loads(path.read_text())["data"]["simulate"]["patients"]
    result = cli("validate", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"synthetic: {declared} patients" in result.stdout


def test_validate_broken_experiment_is_one_line(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[study]\nname = "bad"\n[data]\nsource = "x.csv"\nid = "pid"\n'
                    'therapy_clas = "cytokine"\n')
    result = cli("validate", path, cwd=tmp_path)
    assert result.returncode == 1
    assert "unknown key 'therapy_clas'" in result.stderr
    assert "'therapy_class'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("section", "message"), [
    ('[model]\ninner_fold = 3\n', "[model]: unknown key 'inner_fold'. Did you mean inner_folds"),
    ('[monitoring]\ndays = [0, -21]\n', "[monitoring]"),
    ('[model]\nfamilies = ["logistic"]\nfinal_family = "logistic"\n'
     'grids = { logistic = { C = [-1, 0.1] } }\n',
     "grids: logistic C must be a number > 0; got [-1]"),
    ('[model]\nfamilies = ["xgboost"]\nfinal_family = "xgboost"\n'
     'grids = { xgboost = { max_depth = [0], learning_rate = [-0.1] } }\n',
     "xgboost max_depth must be a whole number >= 1; got [0]; "
     "xgboost learning_rate must be a number in (0, 1]"),
    ('[model]\nfamilies = ["random_forest"]\nfinal_family = "random_forest"\n'
     'grids = { random_forest = { max_dept = [3] } }\n',
     "random_forest has no parameter 'max_dept' (did you mean max_depth"),
    ('[model]\nfamilies = []\n', "families is empty; list at least one of logistic"),
    ('[model]\nfamilies = ["logistic", "logistic"]\nfinal_family = "logistic"\n',
     "[model]: families names 'logistic' more than once; list each once"),
    ('[feature_sets]\nclinical = ["age"]\n[feature_sets.full]\nsensitivity = true\n'
     'columns = ["age", "tmb"]\n[model]\nfinal_feature_set = "full"\n',
     "final_feature_set 'full' is a sensitivity set (sensitivity = true), which train leaves "
     "out unless [model] feature_sets names it"),
    ('[feature_sets]\nclinical = ["age"]\nfull = ["age", "tmb"]\n[model]\n'
     'feature_sets = ["clinical"]\nfinal_feature_set = "full"\n',
     "final_feature_set 'full' is not among the sets feature_sets trains (['clinical'])"),
    ('[model]\ndays = [0, 21]\n', "[model]: unknown key 'days'. 'days' belongs in [monitoring]."),
    ('[monitoring]\nseed = 3\n', "unknown keys ['seed']; allowed: ['days', 'family', "
     "'feature_set']. 'seed' belongs in [model]."),
    ('[model]\ncalibration = ["none", "none"]\n',
     "[model]: calibration names 'none' more than once"),
    ('[model]\nfamilies = ["logistic", "xgboost"]\nfinal_family = "best"\n[monitoring]\n'
     'day = [0, 21]\n', "[monitoring]: unknown keys ['day']"),
    ('[feature_sets]\nc = ["age", "response"]\n',
     "typo.toml: [feature_sets] feature set 'c' lists the label column 'response'"),
    ('[feature_sets]\nc = ["age", "measurements:ctdnaa"]\n',
     "typo.toml: [feature_sets] feature set 'c' asks for 'measurements:ctdnaa'"),
    ('[model]\nfamilies = ["logistic"]\nfinal_family = "logistic"\n'
     'grids = { logistic = { C = [] } }\n', "grids give no value for logistic.C; list at least "
     "one"),
    ('[model]\nthreshold = "0.3"\n', "threshold must be a number in (0, 1), got '0.3'"),
    ('[model]\nseed = 99999999999999\n', "seed must be a whole number from 0 to 4294967295"),
    ('[model]\ngroup_by_site = "no"\n', "group_by_site must be true or false, got 'no'"),
    ('[feature_sets]\nclinical = ["age"]\n[model]\nfeature_set_landmarks = { clinicl = 0 }\n',
     "feature_set_landmarks names ['clinicl'], which [feature_sets] does not define; defined: "
     "['clinical']. Did you mean 'clinical'?"),
    ('[feature_sets]\nclinical = ["age"]\n[model]\nfeature_sets = ["nope"]\n',
     "feature_sets names ['nope'], which [feature_sets] does not define"),
    ('[feature_sets]\nclinical = ["age"]\n[model]\nfinal_feature_set = "clinicl"\n',
     "[model]: final_feature_set 'clinicl' is not in [feature_sets] (['clinical']); did you "
     "mean 'clinical'?"),
])
def test_validate_checks_the_sections_train_and_landmarks_read(cli, tmp_path, section,
                                                                message):
    path = tmp_path / "typo.toml"
    path.write_text('[study]\nname = "typo"\n[data]\nsimulate = {patients = 60, seed = 1}\n'
                    + section)
    result = cli("validate", path, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_site_that_is_also_the_label_is_refused(cli, tmp_path):
    path = tmp_path / "site.toml"
    path.write_text('[study]\nname = "site"\n[data]\nsource = "x.csv"\nid = "pid"\n'
                    'label = "Path Response"\nsite = "Path Response"\n'
                    'therapy_class = "cytokine"\n')
    result = cli("validate", path, cwd=tmp_path)
    assert result.returncode == 1
    assert "site 'Path Response' is also the label column" in " ".join(result.stderr.split())


def test_validate_lists_every_problem_of_an_experiment_at_once(cli, tmp_path):
    path = tmp_path / "three.toml"
    path.write_text('[study]\nname = "three"\n[data]\nsource = "missing.csv"\nid = "pid"\n'
                    'therapy_class = "cytokine"\n[model]\nouter_fold = 3\n'
                    '[monitoring]\ndays = ["21"]\n')
    result = cli("validate", path, cwd=tmp_path)
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert f"3 problems in {path}" in text
    assert "unknown key 'outer_fold'" in text
    assert "landmark days must be a list of numbers" in text
    assert "missing.csv" in text
    assert "Traceback" not in result.stderr


def test_an_experiment_without_monitoring_needs_no_landmark_family(cli, tmp_path):
    path = tmp_path / "best.toml"
    path.write_text('[study]\nname = "best"\n[data]\nsimulate = {patients = 60, seed = 1}\n'
                    '[model]\nfamilies = ["logistic", "xgboost"]\nfinal_family = "best"\n')
    result = cli("validate", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_train_refuses_a_typo_in_monitoring_before_any_run(cli, tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text('[study]\nname = "typo"\n[data]\nsimulate = {patients = 60, seed = 1}\n'
                    '[monitoring]\nday = [0, 21]\n')
    result = cli("train", path, "--tracking-uri", f"sqlite:///{tmp_path}/m.db", cwd=tmp_path)
    assert result.returncode == 1
    assert "[monitoring]: unknown keys ['day']" in result.stderr
    assert not (tmp_path / "m.db").exists()
