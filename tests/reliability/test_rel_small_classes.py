"""Therapy classes a model cannot learn from: too few patients for the folds, or one outcome
only. `irpredict train` says so, naming the class."""

import pandas as pd
from rel_helpers import write_study


def _with_patients(tmp_path, edit):
    study = write_study(tmp_path, name="smallclass", patients=150)
    path = study.cohort / "patients.csv"
    patients = pd.read_csv(path, dtype={"patient_id": str})
    edit(patients).to_csv(path, index=False)
    return study


def test_a_class_too_small_for_the_folds_is_named_before_training(tmp_path, cli):
    def two_cytokine(patients):  # the others become chemotherapy patients
        cytokine = patients.index[patients["therapy_class"] == "cytokine"]
        patients.loc[cytokine[2:], "therapy_class"] = "chemotherapy"
        return patients

    study = _with_patients(tmp_path, two_cytokine)
    result = cli("train", study.experiment, "--tracking-uri", study.uri, "--no-register",
                 cwd=study.folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "therapy class 'cytokine' has 2 patient(s)" in result.stderr
    assert "not seen in training" not in result.stderr


def test_a_class_with_no_responders_is_a_warning(tmp_path, cli):
    def no_cytokine_responders(patients):
        patients.loc[patients["therapy_class"] == "cytokine", "response"] = 0
        return patients

    study = _with_patients(tmp_path, no_cytokine_responders)
    result = cli("train", study.experiment, "--tracking-uri", study.uri, "--no-register",
                 cwd=study.folder)
    assert result.returncode == 0, result.stderr
    assert "warning: cytokine: 0 responders among" in result.stderr
    assert "Traceback" not in result.stderr
