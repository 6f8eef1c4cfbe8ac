"""Experiment files: parsing, checking, path resolution and the errors users see."""

import dataclasses
import importlib.util
import textwrap

import pandas as pd
import pytest

from irpredict.exceptions import (
    CohortDataError,
    ExperimentConfigError,
    LeakageError,
    UnknownTherapyError,
)
from irpredict.experiment import Experiment, load_experiment

PATIENTS = pd.DataFrame({
    "pid": ["a", "b", "c", "d"],
    "outcome": [1, 0, 0, 1],
    "arm": ["pembro", "chemo", "pembro", "chemo"],
    "age": [40, 50, 60, 70],
    "os_time": [1.0, 2.0, 3.0, 4.0],
})

GOOD = """
[study]
name = "toy"
description = "a toy study"

[data]
source = "data/patients.csv"
id = "pid"
label = "outcome"

[data.therapy_rule]
column = "arm"
map = { pembro = "checkpoint_inhibitor" }
default = "chemotherapy"

[data.columns]
exclude = ["os_time"]

[feature_sets]
clinical = ["age"]

[model]
estimator = "xgboost"
"""


@pytest.fixture
def study(tmp_path):
    """Write the patients table and return a function writing an experiment file."""
    (tmp_path / "data").mkdir()
    PATIENTS.to_csv(tmp_path / "data" / "patients.csv", index=False)

    def write(text=GOOD, name="toy.toml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write


def test_good_file_loads_relative_to_its_folder(study, tmp_path, monkeypatch):
    monkeypatch.chdir("/")
    exp = load_experiment(study())
    assert isinstance(exp, Experiment)
    assert (exp.name, exp.description) == ("toy", "a toy study")
    assert exp.data.source == tmp_path / "data" / "patients.csv"
    assert exp.raw["model"] == {"estimator": "xgboost"}  # reserved section kept
    cohort = exp.load_cohort()
    assert cohort.name == "toy"
    assert cohort.feature_sets == {"clinical": ["age"]}
    assert cohort.patients["therapy_class"].tolist() == [
        "checkpoint_inhibitor", "chemotherapy", "checkpoint_inhibitor", "chemotherapy"]
    assert cohort.excluded_columns == ["os_time"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        exp.name = "other"


@pytest.mark.parametrize(("old", "new", "pattern"), [
    ('label = "outcome"', 'lable = "outcome"', r"unknown key 'lable'.*\[data\].*'label'"),
    ("[model]", "[modle]", r"unknown key 'modle'.*'model'"),
    ("exclude = [", "exclud = [", r"unknown key 'exclud'.*\[data\]\.columns.*'exclude'"),
    ('column = "arm"', 'colum = "arm"', r"unknown key 'colum'.*therapy_rule.*'column'"),
    ('label = "outcome"', 'label = "outcome"\nthreshold = 0.3',
     r"unknown key 'threshold' in .*\[data\]\. 'threshold' belongs in \[model\]\."),
    ('description = "a toy study"', 'description = "a toy study"\nfamilies = ["logistic"]',
     r"\[study\]\. 'families' belongs in \[model\]\."),
    ('label = "outcome"', 'label = "outcome"\nexclude = ["os_time"]',
     r"'exclude' belongs in \[data.columns\]\."),
    ('exclude = ["os_time"]', 'exclude = ["os_time"]\nlabel = "x"',
     r"\[data\]\.columns\. 'label' belongs in \[data\]\."),
])
def test_unknown_key_names_file_and_close_match(study, old, new, pattern):
    path = study(GOOD.replace(old, new))
    with pytest.raises(ExperimentConfigError, match=pattern) as info:
        load_experiment(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("old", "new", "pattern"), [
    ('id = "pid"', "id = 3", r"'id' must be a string, got 3"),
    ('clinical = ["age"]', 'clinical = "age"', r"'clinical' must be a list of strings"),
    ("[model]\n", '[model]\n[study.x]\n', r"unknown key 'x'"),
    ('name = "toy"', 'name = "toy study"', r"may hold only letters"),
    ('name = "toy"', 'name = "toy-landmarks"', r"names the landmark models of study 'toy'"),
    ('map = { pembro = "checkpoint_inhibitor" }',
     'map = { pembro = "checkpoint_inhibitor", " PEMBRO" = "cytokine" }',
     r"map: keys 'pembro' and ' PEMBRO' are the same value written differently .* map to "
     r"'checkpoint_inhibitor' and 'cytokine'; keep one of them"),
])
def test_wrong_types(study, old, new, pattern):
    with pytest.raises(ExperimentConfigError, match=pattern):
        load_experiment(study(GOOD.replace(old, new)))


@pytest.mark.parametrize(("evaluation", "pattern"), [
    ("published_auc = { clinicl = 0.7 }", r"published_auc names \['clinicl'\].*\['clinical'\]"),
    ("published_auc = { clinical = 87 }", r"between 0 and 1"),
    ('published_auc = { clinical = "0.7" }', r"'published_auc' must be"),
    ("published_aucs = { clinical = 0.7 }", r"unknown key 'published_aucs'.*'published_auc'"),
])
def test_published_aucs_must_match_a_feature_set(study, evaluation, pattern):
    with pytest.raises(ExperimentConfigError, match=pattern):
        load_experiment(study(GOOD + f"\n[evaluation]\n{evaluation}\n"))
    assert load_experiment(study(GOOD + "\n[evaluation]\npublished_auc = { clinical = 0.7 }\n"))


def test_invalid_toml_and_missing_file(study, tmp_path):
    with pytest.raises(ExperimentConfigError, match="is not valid TOML"):
        load_experiment(study("[study\nname = 1"))
    with pytest.raises(ExperimentConfigError, match="does not exist"):
        load_experiment(tmp_path / "nope.toml")


def test_missing_source_names_the_path_tried(study, tmp_path):
    exp = load_experiment(study(GOOD.replace("data/patients.csv", "data/absent.csv")))
    with pytest.raises(CohortDataError, match=r"source .*data/absent\.csv does not exist.*"
                                              r"IRPREDICT_SHARED_DATA"):
        exp.load_cohort()


def test_a_folder_given_as_source_is_named_as_a_folder(study):
    exp = load_experiment(study(GOOD.replace("data/patients.csv", "data")))
    with pytest.raises(CohortDataError, match=r"source 'data' -> .*data is a folder, not a "
                                              r"table file.*\[data\] folder = "):
        exp.load_cohort()


def test_absent_mapped_column_suggests_table_columns(study):
    exp = load_experiment(study(GOOD.replace('label = "outcome"', 'label = "outcom"')))
    with pytest.raises(CohortDataError, match=r"'outcom'.*patients\.csv.*'outcome'"):
        exp.load_cohort()


@pytest.mark.parametrize("extra", [
    'features = ["age", "outcome"]',
    'features = ["age", "os_time"]',
])
def test_label_or_excluded_in_features_is_leakage(study, extra):
    exp = load_experiment(study(GOOD.replace('exclude = ["os_time"]',
                                             'exclude = ["os_time"]\n' + extra)))
    with pytest.raises(LeakageError):
        exp.load_cohort()


def test_leaky_feature_set(study):
    exp = load_experiment(study(GOOD.replace('clinical = ["age"]', 'clinical = ["os_time"]')))
    with pytest.raises(LeakageError, match="feature set 'clinical'.*'os_time'"):
        exp.load_cohort()


def test_bad_therapy_values(study):
    text = GOOD.replace('"checkpoint_inhibitor" }', '"checkpoint_inhibtor" }')
    with pytest.raises(UnknownTherapyError, match=r"'checkpoint_inhibtor'.*'checkpoint_inhibitor'"):
        load_experiment(study(text))
    text = GOOD.replace('default = "chemotherapy"\n', "")
    exp = load_experiment(study(text))
    with pytest.raises(CohortDataError, match=r"unmapped.*'chemo': 2.*'b', 'd'.*set a default"):
        exp.load_cohort()
    text = GOOD.replace("[data.therapy_rule]", 'therapy_class = "cytokine"\n[data.therapy_rule]')
    with pytest.raises(ExperimentConfigError, match="exactly one of 'therapy_class'"):
        load_experiment(study(text))


def test_environment_expansion(study, tmp_path, monkeypatch):
    monkeypatch.setenv("TOY_DATA", str(tmp_path / "data"))
    exp = load_experiment(study(GOOD.replace("data/patients.csv", "${TOY_DATA}/patients.csv")))
    assert exp.data.source == tmp_path / "data" / "patients.csv"
    monkeypatch.delenv("TOY_DATA")
    exp = load_experiment(study(GOOD.replace("data/patients.csv",
                                             "${TOY_DATA:-data}/patients.csv")))
    assert exp.data.source == tmp_path / "data" / "patients.csv"
    with pytest.raises(ExperimentConfigError, match="TOY_DATA .* is not set"):
        load_experiment(study(GOOD.replace("data/patients.csv", "${TOY_DATA}/patients.csv")))


def test_shared_data_default_is_beside_the_repository(study, tmp_path, monkeypatch):
    monkeypatch.delenv("IRPREDICT_SHARED_DATA", raising=False)
    repo = tmp_path / "repo"
    (repo / "experiments").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("")
    path = repo / "experiments" / "s.toml"
    path.write_text(GOOD.replace("data/patients.csv",
                                 "${IRPREDICT_SHARED_DATA}/toy/patients.csv"))
    exp = load_experiment(path)
    assert exp.data.source == tmp_path / "shared" / "data" / "toy" / "patients.csv"


def test_measurement_key_for_another_layout(study):
    text = GOOD + """
[[data.measurements]]
layout = "wide"
biomarker = "x"
days = { d0 = 0 }
time = "t"
"""
    with pytest.raises(ExperimentConfigError, match=r"'time' applies to layout 'long'"):
        load_experiment(study(text.replace("[model]\nestimator = \"xgboost\"\n", "")))


def test_sensitivity_feature_set(study):
    text = GOOD.replace('exclude = ["os_time"]',
                        'exclude = ["os_time"]\nresponse_derived = ["arm"]')
    text = text.replace('[model]', '[feature_sets.with_arm]\nsensitivity = true\n'
                                   'columns = ["age", "arm"]\n\n[model]')
    exp = load_experiment(study(text))
    assert exp.sensitivity_sets == ("with_arm",)
    cohort = exp.load_cohort()
    assert "arm" not in cohort.feature_columns
    assert cohort.feature_sets["with_arm"] == ["age", "arm"]


SIMULATOR = importlib.util.find_spec("irpredict.data.simulator") is not None


@pytest.mark.skipif(not SIMULATOR, reason="irpredict.data.simulator is not available yet")
def test_simulated_source(study):
    text = """
    [study]
    name = "sim"
    [data]
    simulate = { patients = 60, seed = 3 }
    [feature_sets]
    everything = ["measurements:*"]
    """
    exp = load_experiment(study(text))
    cohort = exp.load_cohort()
    assert cohort.n_patients == 60
    assert cohort.has_label
    assert cohort.feature_sets == {"everything": ["measurements:*"]}
    # the label comes from the simulated tumour series: never a feature, as for a folder
    assert {"tumor_size", "sld_change_wk9"} <= set(cohort.response_derived_biomarkers)
    assert "response_definition" in cohort.excluded_columns
    assert "response_definition" not in cohort.feature_columns
    with pytest.raises(ExperimentConfigError, match="unknown key 'id'"):
        load_experiment(study(text.replace("[data]", '[data]\nid = "x"')))


@pytest.mark.skipif(not SIMULATOR, reason="irpredict.data.simulator is not available yet")
def test_simulated_class_mix(study):
    text = """
    [study]
    name = "sim"
    [data]
    simulate = { patients = 400, seed = 3, class_mix = { checkpoint_inhibitor = 3, cytokine = 1 } }
    [feature_sets]
    few = ["age", "ecog"]
    """
    cohort = load_experiment(study(text)).load_cohort()
    counts = cohort.patients["therapy_class"].value_counts()
    assert counts.to_dict() == {"checkpoint_inhibitor": 300, "cytokine": 100}
    # her2_ihc ("0", "1+", ...) is mostly "0" in these classes: still text, not a bad number
    assert "her2_ihc" in cohort.categorical_columns
    sim = load_experiment(study(text)).simulate()  # the same draw, with its truth
    assert sim.patients["patient_id"].tolist() == cohort.patients["patient_id"].tolist()
    assert set(sim.truth["classes"]) == {"checkpoint_inhibitor", "cytokine"}


def test_a_study_reading_files_has_nothing_to_simulate(study):
    with pytest.raises(ExperimentConfigError, match="reads a source; nothing to simulate"):
        load_experiment(study()).simulate()


@pytest.mark.skipif(not SIMULATOR, reason="irpredict.data.simulator is not available yet")
@pytest.mark.parametrize(("mix", "pattern"), [
    ("{ cytokin = 1 }", r"unknown therapy classes \['cytokin'\]; use some of"),
    ("{ cytokine = -1 }", r"non-negative numbers with a positive sum \(check \['cytokine'\]\)"),
    ("{ cytokine = 0 }", "positive sum"),
    ('{ cytokine = "many" }', "must be a table of numbers"),
    ('"even"', "must be a table of numbers"),
])
def test_bad_class_mix(study, mix, pattern):
    text = f"""
    [study]
    name = "sim"
    [data]
    simulate = {{ patients = 40, seed = 3, class_mix = {mix} }}
    [feature_sets]
    few = ["age"]
    """
    with pytest.raises(ExperimentConfigError, match=pattern):
        load_experiment(study(text))


@pytest.mark.skipif(not SIMULATOR, reason="irpredict.data.simulator is not available yet")
def test_shipped_synthetic_experiment(repo_root):
    exp = load_experiment(repo_root / "experiments" / "synthetic.toml")
    cohort = exp.load_cohort()
    assert cohort.n_patients == exp.data.simulate["patients"]
    assert cohort.patients["therapy_class"].value_counts().min() >= 300  # every class judged
    assert "response_definition" in cohort.excluded_columns
    assert "response_definition" not in cohort.feature_columns
    assert set(cohort.feature_sets) == {"baseline", "on_treatment"}
    assert cohort.response_derived_biomarkers  # the simulator's leakage trap is marked


@pytest.mark.parametrize("study", ["transneo", "ispy2", "chowell2022", "inspire", "iokin",
                                   "synthetic"])
def test_shipped_experiment_files_parse(repo_root, study):
    exp = load_experiment(repo_root / "experiments" / f"{study}.toml")
    assert exp.name == study
    assert exp.feature_sets


def test_excluding_the_id_or_site_column_is_allowed(study):
    text = GOOD.replace('label = "outcome"', 'label = "outcome"\nsite = "arm"').replace(
        'exclude = ["os_time"]', 'exclude = ["os_time", "arm", "pid"]')
    cohort = load_experiment(study(text)).load_cohort()
    assert "os_time" in cohort.excluded_columns
    assert cohort.n_patients == 4


def test_a_cohort_folder_renames_its_feature_columns(tmp_path):
    from irpredict.data.simulator import simulate_cohort

    sim = simulate_cohort(n_patients=40, seed=2)
    folder = tmp_path / "cohort"
    folder.mkdir()
    sim.patients.rename(columns={"ecog": "ECOG PS"}).to_csv(folder / "patients.csv",
                                                            index=False)
    path = tmp_path / "external.toml"
    path.write_text(textwrap.dedent("""
    [study]
    name = "external"
    [data]
    folder = "cohort"
    [data.columns]
    exclude = ["response_definition"]
    [data.columns.rename]
    "ECOG PS" = "ecog"
    [feature_sets]
    clinical = ["ecog", "age"]
    """))
    cohort = load_experiment(path).load_cohort()
    assert "ecog" in cohort.feature_columns
    expected = dict(zip(sim.patients["patient_id"].astype(str), sim.patients["ecog"],
                        strict=True))
    got = dict(zip(cohort.patients["patient_id"].astype(str), cohort.patients["ecog"],
                   strict=True))
    assert got == expected
    path.write_text(path.read_text().replace('"ECOG PS" = "ecog"', '"ECOG" = "ecog"'))
    with pytest.raises(CohortDataError, match=r"patients.csv: columns.rename names columns the "
                                              r"table does not have: 'ECOG' \('ECOG' may be "
                                              r"'ECOG PS'\)"):
        load_experiment(path).load_cohort()


def test_a_sheet_of_a_workbook_is_read_by_name(study, tmp_path):
    book = tmp_path / "data" / "patients.xlsx"
    with pd.ExcelWriter(book) as writer:
        PATIENTS.to_excel(writer, sheet_name="Training", index=False)
        PATIENTS.head(3).to_excel(writer, sheet_name="Test", index=False)
    path = study(GOOD.replace('source = "data/patients.csv"',
                              'source = "data/patients.xlsx"\nsheet = "Test"'))
    cohort = load_experiment(path).load_cohort()
    assert cohort.n_patients == 3
    wrong = study(GOOD.replace('source = "data/patients.csv"',
                               'source = "data/patients.xlsx"\nsheet = "test set"'),
                  name="wrong.toml")
    with pytest.raises(CohortDataError, match=r"has no sheet 'test set'; its sheets: "
                                             r"'Training', 'Test'"):
        load_experiment(wrong).load_cohort()
