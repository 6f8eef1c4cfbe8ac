"""An experiment file can read a cohort folder (irpredict's own tables, as `simulate` writes
them): `[data] folder = "..."`."""

import pytest

from irpredict.data.loaders import load_cohort
from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.experiment import load_experiment

STUDY = '''[study]
name = "fromfolder"

[data]
folder = "cohort"

[feature_sets]
baseline = ["age", "ecog", "her2_ihc", "er_status", "measurements:*"]

[model]
families = ["logistic"]
final_family = "logistic"
final_feature_set = "baseline"
outer_folds = 3
inner_folds = 2
n_bootstrap = 50
feature_set_landmarks = { baseline = 0 }
'''


@pytest.fixture(scope="module")
def study(tmp_path_factory, cli):
    folder = tmp_path_factory.mktemp("folder_study")
    done = cli("simulate", "--patients", 300, "--seed", 3, "--out", folder / "cohort")
    assert done.returncode == 0, done.stderr
    (folder / "study.toml").write_text(STUDY)
    return folder


def test_the_folder_reads_as_load_cohort_reads_it(study):
    cohort = load_experiment(study / "study.toml").load_cohort()
    direct = load_cohort(study / "cohort")
    assert cohort.name == "fromfolder"
    assert cohort.patients["patient_id"].tolist() == direct.patients["patient_id"].tolist()
    assert cohort.measurements.shape == direct.measurements.shape
    assert cohort.feature_columns == direct.feature_columns
    assert "response_definition" not in cohort.feature_columns  # truth.json says so
    assert set(direct.response_derived_biomarkers) <= set(cohort.response_derived_biomarkers)
    assert cohort.feature_sets["baseline"][:4] == ["age", "ecog", "her2_ihc", "er_status"]


def test_a_missing_folder_and_two_sources_are_named(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('[study]\nname = "x"\n[data]\nfolder = "nowhere"\n')
    with pytest.raises(CohortDataError, match=r"\[data\] folder 'nowhere' -> .*nowhere is not "
                                              r"a folder"):
        load_experiment(path).load_cohort()
    path.write_text('[study]\nname = "x"\n[data]\nfolder = "a"\nsource = "b.csv"\n')
    with pytest.raises(ExperimentConfigError, match="sets both 'source' and 'folder'; keep one"):
        load_experiment(path)


def test_train_on_a_folder_and_a_folder_given_to_train_says_how(study, cli):
    uri = f"sqlite:///{study}/mlflow.db"
    result = cli("train", study / "study.toml", "--tracking-uri", uri, cwd=study)
    assert result.returncode == 0, result.stderr
    assert "registered: models:/fromfolder@champion (version 1)" in result.stdout
    wrong = cli("train", study / "cohort", "--tracking-uri", uri, cwd=study)
    assert wrong.returncode == 1
    assert "[data] folder =" in wrong.stderr
