"""`irpredict evaluate` on the shapes of external cohort a user hands it: one table of a study
whose measurements lived in other files, a table of already-built features, a cohort whose
label has one class only."""

import json

import pandas as pd
import pytest
from rel_helpers import write_study


@pytest.fixture(scope="module")
def study(trained_study):
    """The trained tiny study (it reads its measurements from a separate long file)."""
    return trained_study[0]


def _evaluate(cli, study, data, out):
    return cli("evaluate", "--model", "models:/relstudy@champion", "--data", data,
               "--out", out, "--tracking-uri", study.uri, "--n-bootstrap", "30",
               cwd=study.folder)


def test_one_table_cannot_stand_in_for_measurement_files(cli, study, tmp_path):
    result = _evaluate(cli, study, study.cohort / "patients.csv", tmp_path / "eval")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "read from other files" in result.stderr
    assert "measurements.csv" in result.stderr
    assert not (tmp_path / "eval").exists()


#: Simulator seed of the external cohorts (the study's own cohort has seed 3).
EXTERNAL_SEED = 4


def _external_copy(study, folder):
    """The study's experiment over another simulated cohort of as many patients, with ids
    ``EXT-...``: patients the model never saw (the training patients under new ids would
    still be recognised by their values)."""
    write_study(folder, name=study.name, patients=len(study.ids), cohort_seed=EXTERNAL_SEED)
    for table in ("patients", "measurements", "tumor_assessments"):
        path = folder / "cohort" / f"{table}.csv"
        frame = pd.read_csv(path, dtype={"patient_id": str})
        frame["patient_id"] = "EXT-" + frame["patient_id"]
        frame.to_csv(path, index=False)
    return folder / study.experiment.name


def test_a_table_of_built_features_scores_as_the_cohort_does(cli, study, tmp_path):
    experiment = _external_copy(study, tmp_path / "external")
    via_cohort = _evaluate(cli, study, experiment, tmp_path / "cohort")
    assert via_cohort.returncode == 0, via_cohort.stderr
    features = tmp_path / "features.csv"
    built = cli("features", experiment, "--out", features, cwd=study.folder)
    assert built.returncode == 0, built.stderr
    via_table = _evaluate(cli, study, features, tmp_path / "table")
    assert via_table.returncode == 0, via_table.stderr
    assert "gives no value" not in via_table.stderr
    a = pd.read_csv(tmp_path / "cohort" / "predictions.csv").set_index("patient_id")
    b = pd.read_csv(tmp_path / "table" / "predictions.csv").set_index("patient_id")
    assert len(a) == len(b) == len(study.ids)
    pd.testing.assert_series_equal(a["prob"], b.loc[a.index, "prob"], atol=1e-6)

    explained = {}
    for kind, data in (("cohort", experiment), ("table", features)):
        out = tmp_path / f"explain-{kind}"
        done = cli("explain", "--model", "models:/relstudy@champion", "--data", data, "--all",
                   "--out", out, "--tracking-uri", study.uri, cwd=study.folder)
        assert done.returncode == 0, done.stderr
        assert "gives no value" not in done.stderr
        explained[kind] = (pd.read_csv(out / "explanations.csv", dtype={"patient_id": str})
                           .groupby("patient_id")["prob_response"].first())
    pd.testing.assert_series_equal(explained["cohort"], explained["table"], atol=1e-6)

    table = pd.read_csv(features, dtype={"patient_id": str})
    table["response"] = table["response"].astype(object)
    table.loc[table.index[4], "response"] = "yes"
    table.to_csv(features, index=False)
    bad = _evaluate(cli, study, features, tmp_path / "bad")
    assert bad.returncode == 1
    assert "label column 'response' must hold 0/1" in bad.stderr
    assert table.loc[table.index[4], "patient_id"] in bad.stderr


def test_a_class_with_one_outcome_is_said_not_crashed(cli, study, tmp_path):
    cohort = _external_copy(study, tmp_path / "external").parent / "cohort"
    frame = pd.read_csv(cohort / "patients.csv", dtype={"patient_id": str})
    frame["response"] = 1
    frame.loc[frame.index[:3], "response"] = None
    frame.to_csv(cohort / "patients.csv", index=False)
    result = _evaluate(cli, study, cohort, tmp_path / "eval")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "UserWarning" not in result.stderr
    assert f"all {len(study.ids) - 3} labelled patients are responders" in result.stderr
    assert "3 patient(s) of cohort have no label" in result.stderr
    assert "n/a" in result.stdout
    payload = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    brier = [m for m in payload["metrics"]
             if m["therapy_class"] == "overall" and m["metric"] == "brier"]
    assert 0 < brier[0]["estimate"] < 1


def test_the_training_patients_under_new_ids_are_still_recognised(cli, study, tmp_path):
    import shutil

    folder = tmp_path / "pseudonymised"
    (folder / "cohort").mkdir(parents=True)
    shutil.copy(study.experiment, folder / study.experiment.name)
    for table in ("patients", "measurements", "tumor_assessments"):
        frame = pd.read_csv(study.cohort / f"{table}.csv", dtype={"patient_id": str})
        frame["patient_id"] = "H" + frame["patient_id"].str.replace("-", "")
        frame.to_csv(folder / "cohort" / f"{table}.csv", index=False)
    done = _evaluate(cli, study, folder / study.experiment.name, tmp_path / "eval")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"all {len(study.ids)} patients are the model's own training patients" in " ".join(
        done.stderr.split())
    assert not (tmp_path / "eval").exists()


@pytest.mark.parametrize("rounding", ["%.6g", "%.4f"])
def test_the_training_patients_rounded_under_new_ids_are_still_recognised(cli, study, tmp_path,
                                                                         rounding):
    import shutil

    folder = tmp_path / "rounded"
    (folder / "cohort").mkdir(parents=True)
    shutil.copy(study.experiment, folder / study.experiment.name)
    for table in ("patients", "measurements", "tumor_assessments"):
        frame = pd.read_csv(study.cohort / f"{table}.csv", dtype={"patient_id": str})
        frame["patient_id"] = "R" + frame["patient_id"].str.replace("-", "")
        frame.to_csv(folder / "cohort" / f"{table}.csv", index=False, float_format=rounding)
    done = _evaluate(cli, study, folder / study.experiment.name, tmp_path / "eval")
    assert done.returncode == 1
    assert "own training patients" in " ".join(done.stderr.split())
    assert not (tmp_path / "eval").exists()


def test_a_feature_table_without_some_columns_is_still_read_as_features(cli, study, tmp_path):
    # `irpredict features` leaves out columns empty for every patient: such a table is a
    # table of features all the same, not a raw patients table to rebuild features from.
    experiment = _external_copy(study, tmp_path / "external")
    features = tmp_path / "features.csv"
    assert cli("features", experiment, "--out", features, cwd=study.folder).returncode == 0
    table = pd.read_csv(features, dtype={"patient_id": str})
    # most columns gone: pandas warned about a fragmented frame when they were added one by one
    kinetic = [c for c in table.columns if "__" in c and not c.endswith("__baseline")]
    dropped = kinetic[:110]  # more than half of the table stays: still a features table
    assert len(dropped) == 110
    table.drop(columns=dropped).to_csv(features, index=False)
    done = _evaluate(cli, study, features, tmp_path / "table")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stderr.split())
    assert "read as a table of built features" in text
    import re

    absent = int(re.search(r"(\d+) of the model's \d+ feature columns", text).group(1))
    assert 0 < absent <= len(dropped)
    assert "gives no value" not in text  # not rebuilt from scratch
    assert "PerformanceWarning" not in text


def test_training_patients_are_found_when_the_cohort_lacks_a_biomarker(cli, study, tmp_path):
    # Without any draw of a biomarker in the cohort, its draw count is 0 (as in training), not
    # missing: the model's own patients are still recognised and left out of the metrics.
    experiment = _external_copy(study, tmp_path / "mixed")
    cohort = experiment.parent / "cohort"
    measured = pd.read_csv(study.cohort / "measurements.csv", dtype={"patient_id": str})
    drawn = measured.groupby("biomarker")["patient_id"].agg(set)
    # a biomarker some training patients never had: without it they are the same patients
    biomarker = next(b for b, ids in drawn.items() if len(set(study.ids) - ids) >= 3)
    own = sorted(set(study.ids) - drawn[biomarker])[:3]
    for table in ("patients", "measurements", "tumor_assessments"):
        frame = pd.read_csv(cohort / f"{table}.csv", dtype={"patient_id": str})
        trained = pd.read_csv(study.cohort / f"{table}.csv", dtype={"patient_id": str})
        frame = pd.concat([frame, trained[trained["patient_id"].isin(own)]], ignore_index=True)
        if table == "measurements":
            frame = frame[frame["biomarker"] != biomarker]
        frame.to_csv(cohort / f"{table}.csv", index=False)
    done = _evaluate(cli, study, experiment, tmp_path / "eval")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stderr.split())
    assert f"3 of {len(study.ids) + 3} patients ({', '.join(own)}) are the model's own " \
           "training" in text
    assert "have no label" not in text  # they were left out as training patients, not unlabelled
    scored = pd.read_csv(tmp_path / "eval" / "predictions.csv", dtype={"patient_id": str})
    assert not set(own) & set(scored["patient_id"])


def test_a_cohort_with_most_features_empty_is_refused(study):
    import numpy as np

    from irpredict.exceptions import CohortDataError
    from irpredict.training.external import external_frame, score_frame
    from irpredict.training.publish import load_response_model

    model = load_response_model("models:/relstudy@champion", tracking_uri=study.uri)
    name, X, y, _ = external_frame(model, study.experiment)
    numeric = [c for c in model.feature_columns if c not in model.categorical_columns]
    emptied = X.copy()
    emptied[numeric[1:]] = np.nan
    with pytest.raises(CohortDataError, match=r"have no value for any patient.*imputation"):
        score_frame(model, emptied, y, name=name, n_bootstrap=10)


def test_a_folder_in_the_way_of_an_output_file_leaves_the_outputs_untouched(cli, study,
                                                                            tmp_path):
    out = tmp_path / "eval"
    (out / "roc.png").mkdir(parents=True)
    done = _evaluate(cli, study, _external_copy(study, tmp_path / "external"), out)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "roc.png: a folder of that name is in the way" in " ".join(done.stderr.split())
    assert sorted(p.name for p in out.iterdir()) == ["roc.png"]  # nothing else moved in
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".eval")]


def test_a_biomarker_in_a_unit_that_does_not_convert_to_the_training_unit_is_refused(
        cli, study, tmp_path):
    experiment = _external_copy(study, tmp_path / "external")
    path = experiment.parent / "cohort" / "measurements.csv"
    measurements = pd.read_csv(path, dtype={"patient_id": str})
    measurements.loc[measurements["biomarker"] == "crp", "unit"] = "furlongs"
    measurements.to_csv(path, index=False)
    done = _evaluate(cli, study, experiment, tmp_path / "eval")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "'crp' is in furlongs, the model's training data in mg/L" in " ".join(
        done.stderr.split())
    assert not (tmp_path / "eval").exists()


def test_scoring_a_cohort_folder_does_not_warn_about_its_default_features(cli, study,
                                                                          tmp_path):
    # The model picks its own features; the cohort's own outcome-like columns are its business.
    cohort = _external_copy(study, tmp_path / "external").parent / "cohort"
    patients = pd.read_csv(cohort / "patients.csv", dtype={"patient_id": str})
    patients.assign(OS_months=12.0).to_csv(cohort / "patients.csv", index=False)
    done = _evaluate(cli, study, cohort, tmp_path / "eval")
    assert done.returncode == 0, done.stderr
    assert "like an outcome" not in done.stderr
    assert "like outcomes" not in done.stderr


def test_a_biomarker_written_in_another_case_is_read_under_the_training_name(cli, study,
                                                                            tmp_path):
    experiment = _external_copy(study, tmp_path / "external")
    path = experiment.parent / "cohort" / "measurements.csv"
    measurements = pd.read_csv(path, dtype={"patient_id": str})
    assert (measurements["biomarker"] == "ldh").any()
    measurements["biomarker"] = measurements["biomarker"].replace({"ldh": "LDH", "crp": "Crp"})
    measurements.to_csv(path, index=False)
    done = _evaluate(cli, study, experiment, tmp_path / "eval")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stderr.split())
    assert "biomarkers read under the names model relstudy/on_treatment was trained on: " \
           "'Crp' as 'crp', 'LDH' as 'ldh'" in text
    assert "gives no value" not in text
