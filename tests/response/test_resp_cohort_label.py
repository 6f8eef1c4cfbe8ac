"""[data.response_label]: an experiment file derives its label from tumour assessments."""

import pandas as pd
import pytest

from irpredict.exceptions import ExperimentConfigError, LeakageError
from irpredict.experiment import load_experiment


@pytest.fixture(scope="module")
def folder(tmp_path_factory, cli):
    """A simulated cohort folder whose patients table has no label."""
    root = tmp_path_factory.mktemp("labelled")
    assert cli("simulate", "--patients", "200", "--seed", "5", "--out",
               root / "cohort").returncode == 0
    patients = pd.read_csv(root / "cohort" / "patients.csv")
    patients.drop(columns=["response", "response_definition"]).to_csv(
        root / "cohort" / "patients.csv", index=False)
    return root


def _experiment(folder, label, name="derived"):
    path = folder / f"{name}.toml"
    path.write_text(f'[study]\nname = "{name}"\n[data]\nfolder = "cohort"\n'
                    f"[data.response_label]\n{label}")
    return path


@pytest.mark.parametrize(("label", "definition", "criteria"), [
    ('definition = "confirmed_response"\n', "confirmed_response", "recist1.1"),
    ('definition = "clinical_benefit"\ncriteria = "irecist"\n', "clinical_benefit", "irecist"),
    ('definition = "unconfirmed_orr"\nconfirm_days = 21\n', "unconfirmed_response",
     "recist1.1"),
])
def test_the_label_is_derived_as_the_file_defines_it(folder, label, definition, criteria):
    from irpredict.response import derive_labels

    cohort = load_experiment(_experiment(folder, label)).load_cohort()
    scans = pd.read_csv(folder / "cohort" / "tumor_assessments.csv", dtype={"patient_id": str})
    ids = cohort.patients["patient_id"].astype(str)
    expected = derive_labels(scans, definition=definition, criteria=criteria, patient_ids=ids)
    got = cohort.patients.set_index("patient_id")["response"].astype(int)
    assert got.to_dict() == expected.astype(int).to_dict()
    assert 0 < got.sum() < len(got)
    assert cohort.label_col == "response"
    assert "response" not in cohort.feature_columns
    # the label was read from the scans: their kinetics are no feature
    assert "tumor_size" in cohort.response_derived_biomarkers


def test_tumour_kinetics_asked_for_beside_a_derived_label_are_refused(folder):
    from irpredict.features import build_features

    cohort = load_experiment(_experiment(folder, "")).load_cohort()
    assert not [c for c in build_features(cohort, landmark_days=42).X.columns
                if c.startswith("tumor_size__")]
    with pytest.raises(LeakageError, match="'tumor_size'"):
        build_features(cohort, landmark_days=42, include_tumor=True)


def test_train_and_validate_read_the_derived_label(folder, cli):
    path = _experiment(folder, 'definition = "clinical_benefit"\n', name="trained")
    path.write_text(path.read_text() + '[model]\nfamilies = ["logistic"]\n'
                    'final_family = "logistic"\nn_bootstrap = 0\nouter_folds = 3\n'
                    'inner_folds = 2\n')
    validated = cli("validate", path, cwd=folder)
    assert validated.returncode == 0, validated.stderr
    trained = cli("train", path, "--tracking-uri", f"sqlite:///{folder}/m.db", cwd=folder)
    assert trained.returncode == 0, trained.stderr
    assert "registered: models:/trained@champion" in trained.stdout


@pytest.mark.parametrize(("label", "message"), [
    ('definition = "best_response"\n', "definition 'best_response' is not one of "
                                       "confirmed_response, unconfirmed_response"),
    ('definition = "clinical_benefits"\n', "Did you mean 'clinical_benefit'?"),
    ('criteria = "recist"\n', "key 'criteria' is 'recist'; it must be one of 'recist1.1'"),
    ('definition = "pcr"\n', "definition 'pcr' reads a column of the patients table; name it "
                             "with pcr_column"),
    ('confirm_day = 28\n', "unknown key 'confirm_day'"),
    ('max_nr_ne = -1\n', "max_nr_ne must be 0 or more"),
    ('min_sd_days = -100\n', "min_sd_days must be 0 or more"),
    ('pcr_column = "pcr"\n', "pcr_column is read by definition 'pcr' only"),
])
def test_a_wrong_label_definition_is_named(folder, label, message):
    with pytest.raises(ExperimentConfigError, match=message.replace("(", r"\(")
                       .replace(")", r"\)").replace("?", r"\?")):
        load_experiment(_experiment(folder, label, name="wrong"))


def test_a_label_column_and_a_derived_label_are_refused_together(tmp_path):
    (tmp_path / "p.csv").write_text("pid,bor,arm\nA,1,x\n")
    path = tmp_path / "both.toml"
    path.write_text('[study]\nname = "both"\n[data]\nsource = "p.csv"\nid = "pid"\n'
                    'label = "bor"\ntherapy_class = "cytokine"\n[data.response_label]\n'
                    'definition = "confirmed_response"\n')
    with pytest.raises(ExperimentConfigError, match="names a label column and derives one"):
        load_experiment(path)


def test_a_cohort_without_scans_cannot_derive_its_label(tmp_path):
    from irpredict.exceptions import CohortDataError

    (tmp_path / "p.csv").write_text("pid,age\nA,50\nB,60\n")
    path = tmp_path / "noscan.toml"
    path.write_text('[study]\nname = "noscan"\n[data]\nsource = "p.csv"\nid = "pid"\n'
                    'therapy_class = "cytokine"\n[data.response_label]\n'
                    'definition = "confirmed_response"\n')
    with pytest.raises(CohortDataError, match="the label is derived from tumour assessments, "
                                              "but the cohort has none"):
        load_experiment(path).load_cohort()


def test_the_pcr_column_becomes_the_label_and_no_feature(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    n = 40
    pd.DataFrame({"pid": [f"P{i}" for i in range(n)], "age": rng.normal(55, 9, n).round(),
                  "q7": np.where(rng.random(n) < 0.4, "yes", "no")}).to_csv(
        tmp_path / "p.csv", index=False)
    path = tmp_path / "pcr.toml"
    path.write_text('[study]\nname = "pcr"\n[data]\nsource = "p.csv"\nid = "pid"\n'
                    'therapy_class = "chemotherapy"\n[data.response_label]\n'
                    'definition = "pcr"\npcr_column = "q7"\n')
    cohort = load_experiment(path).load_cohort()
    assert cohort.patients["response"].tolist() == (cohort.patients["q7"] == "yes").astype(
        int).tolist()
    assert "q7" not in cohort.feature_columns
    assert "q7" in cohort.excluded_columns
    assert cohort.label_definition == "pcr from column 'q7'"


def test_patients_scanned_at_baseline_only_are_named(folder, tmp_path):
    import shutil

    from irpredict.exceptions import DataWarning

    copy = tmp_path / "cohort"
    shutil.copytree(folder / "cohort", copy)
    scans = pd.read_csv(copy / "tumor_assessments.csv")
    first = scans["patient_id"].iloc[0]
    scans = scans[(scans["patient_id"] != first) | (scans["day"] <= 0)]
    scans.to_csv(copy / "tumor_assessments.csv", index=False)
    patients = pd.read_csv(copy / "patients.csv")["patient_id"]
    unfollowed = sorted(set(patients) - set(scans.loc[scans["day"] > 0, "patient_id"]))
    assert first in unfollowed
    with pytest.warns(DataWarning, match=rf"{len(unfollowed)} patients have no tumour "
                                         rf"assessment after baseline \({first}, .* and are "
                                         "labelled non-responders"):
        load_experiment(_experiment(tmp_path, "")).load_cohort()


def test_evaluate_says_when_the_external_label_is_another_endpoint(folder, cli):
    path = _experiment(folder, 'definition = "disease_control"\n', name="dcr")
    path.write_text(path.read_text() + '[model]\nfamilies = ["logistic"]\n'
                    'final_family = "logistic"\nn_bootstrap = 0\nouter_folds = 3\n'
                    'inner_folds = 2\n')
    uri = f"sqlite:///{folder}/dcr.db"
    trained = cli("train", path, "--tracking-uri", uri, "--results", folder / "dcr.md",
                  cwd=folder)
    assert trained.returncode == 0, trained.stderr
    results = " ".join((folder / "dcr.md").read_text().split())
    assert "Label: disease_control by recist1.1, from the tumour assessments." in results
    assert "Oracle AUC" not in results  # the simulator's oracle is of another label
    other = folder / "other"
    assert cli("simulate", "--patients", "150", "--seed", "8", "--out", other).returncode == 0
    evaluated = cli("evaluate", "--model", "models:/dcr@champion", "--tracking-uri", uri,
                    "--data", other, "--out", folder / "ev", "--n-bootstrap", "0", cwd=folder)
    assert evaluated.returncode == 0, evaluated.stderr
    assert ("the model was trained to predict disease_control by recist1.1, from the tumour "
            "assessments, but this cohort's label is its column 'response'"
            in " ".join(evaluated.stderr.split()))
