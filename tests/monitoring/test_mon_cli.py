"""`irpredict landmarks` and `irpredict monitor` end to end through the real CLI
(train into a temporary SQLite store, then monitor one patient and every patient)."""

import numpy as np
import pandas as pd
import pytest
from mon_helpers import CLI_EXPERIMENT as EXPERIMENT

pytestmark = pytest.mark.slow  # one real training run plus three CLI start-ups


@pytest.fixture(scope="module")
def trained(tmp_path_factory, cli):
    folder = tmp_path_factory.mktemp("monitor")
    experiment = folder / "montest.toml"
    experiment.write_text(EXPERIMENT, encoding="utf-8")
    uri = f"sqlite:///{folder / 'mlruns' / 'mlflow.db'}"
    done = cli("landmarks", experiment, "--days", "0,42", "--tracking-uri", uri, cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder, experiment, uri, done


def _monitor(cli, trained, *args, data=None, out=None):
    """`irpredict monitor` with the trained bundle, on ``data`` (default: the experiment)."""
    folder, experiment, uri, _ = trained
    return cli("monitor", "-m", "models:/montest-landmarks@champion", "-d",
               experiment if data is None else data, "--tracking-uri", uri, "-o",
               folder / "out" if out is None else out, *args, cwd=folder)


def _simulated(cli, tmp_path, patients=60):
    """A cohort folder written by `irpredict simulate` (seed 5) for one test to edit."""
    cohort = tmp_path / "cohort"
    assert cli("simulate", "--patients", str(patients), "--seed", "5", "--out",
               cohort).returncode == 0
    return cohort


def _drop_rows(cohort, which, tables=("measurements", "tumor_assessments")):
    """Remove the rows ``which(frame)`` marks from the cohort's long tables."""
    for table in tables:
        frame = pd.read_csv(cohort / f"{table}.csv", dtype={"patient_id": str})
        frame[~which(frame)].to_csv(cohort / f"{table}.csv", index=False)


def test_landmarks_prints_populations_and_both_aucs(trained):
    out = trained[3].stdout
    assert "landmark AUC [95% CI]" in out
    assert "baseline AUC [95% CI]" in out
    assert "registered: models:/montest-landmarks@champion (version 1)" in out
    assert "PD" in out  # left-out early progressors are counted
    rows = [line for line in out.splitlines() if line.count("│") >= 8]
    day0 = [r for r in rows if r.split("│")[1].strip() == "0"]
    day42 = [r for r in rows if r.split("│")[1].strip() == "42"]
    assert day0
    assert day42
    assert all("same model" in r for r in day0)  # no vacuous +0.000 [+0.000,+0.000]
    assert not any("same model" in r for r in day42)


@pytest.fixture(scope="module")
def in_process(trained):
    """The registered bundle and the cohort, loaded in this process."""
    from irpredict.experiment import load_experiment
    from irpredict.monitoring.publish import load_landmark_models

    _, experiment, uri, _ = trained
    bundle = load_landmark_models("models:/montest-landmarks@champion", tracking_uri=uri)
    return bundle, load_experiment(experiment).load_cohort()


@pytest.fixture(scope="module")
def monitored(cli, trained):
    """One ``monitor --patient ... --all`` run (both outputs at once)."""
    return _monitor(cli, trained, "--patient", "SIM-00007", "--all")


def test_monitor_one_patient_writes_table_csv_and_plot(monitored, trained):
    assert monitored.returncode == 0, monitored.stderr
    assert "patient SIM-00007" in monitored.stdout
    assert "P(response)" in monitored.stdout
    # the landmark models were trained on this cohort: the patient's probabilities are in-sample
    assert "patient SIM-00007 was among the landmark models' training patients" in " ".join(
        monitored.stdout.split())
    out = trained[0] / "out"
    assert (out / "SIM-00007_trajectory.png").stat().st_size > 1000
    table = pd.read_csv(out / "SIM-00007_trajectory.csv")
    assert table["landmark"].tolist() == [0.0, 42.0]


def test_monitor_all_matches_in_process_predictions(monitored, trained, in_process):
    assert monitored.returncode == 0, monitored.stderr
    folder = trained[0]
    bundle, cohort = in_process
    table = pd.read_csv(folder / "out" / "trajectories.csv", dtype={"patient_id": str})
    assert table["patient_id"].nunique() == cohort.n_patients
    for day in (0.0, 42.0):
        scored = table[(table["landmark"] == day) & (table["status"] == "scored")]
        expected = bundle.predict_proba(cohort, day).loc[scored["patient_id"]]
        np.testing.assert_allclose(scored["prob_response"], expected, rtol=1e-9)
    one = table[table["patient_id"] == "SIM-00007"].reset_index(drop=True)
    alone = pd.read_csv(folder / "out" / "SIM-00007_trajectory.csv", dtype={"patient_id": str})
    np.testing.assert_allclose(one["prob_response"], alone["prob_response"], rtol=1e-12)
    shap = pd.read_csv(folder / "out" / "trajectory_shap.csv")
    assert {"patient_id", "landmark", "biomarker", "shap", "delta_shap"} <= set(shap.columns)


def test_registered_pyfunc_routes_rows_by_landmark(trained, in_process):
    import mlflow

    from irpredict.tracking.registry import _using

    uri = trained[2]
    bundle, cohort = in_process
    frames = []
    for day in bundle.landmarks:
        X, _ = bundle.model_for(day).frame_from_cohort(cohort)
        frames.append(X.head(5).assign(landmark=day))
    rows = pd.concat(frames)
    with _using(uri):
        served = mlflow.pyfunc.load_model("models:/montest-landmarks@champion").predict(rows)
    for day in bundle.landmarks:
        got = served[served["landmark"] == day]["prob_response"].to_numpy()
        want = bundle.model_for(day).predict_proba(rows[rows["landmark"] == day])[:, 1]
        np.testing.assert_allclose(got, want, rtol=1e-5)


def test_bundle_loads_from_the_run_id_too(trained, in_process):
    from irpredict.monitoring.publish import load_landmark_models

    out, uri = trained[3].stdout, trained[2]
    run_id = out.split("run id: ")[1].split()[0]
    bundle = load_landmark_models(run_id, tracking_uri=uri)
    assert bundle.landmarks == in_process[0].landmarks == (0.0, 42.0)
    assert bundle.evaluation.oof is None  # no patient-level predictions inside the model


def test_unknown_patient_is_one_clear_error(cli, trained):
    folder, experiment, uri, _ = trained
    out = folder / "never_created"
    done = cli("monitor", "-m", "models:/montest-landmarks@champion", "-d", experiment,
               "--tracking-uri", uri, "-o", out, "--patient", "SIM-0007", cwd=folder)
    assert done.returncode == 1
    assert "patient 'SIM-0007' is not in" in done.stderr
    assert "close matches" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_an_output_folder_under_a_file_is_one_clear_error(cli, trained):
    folder, experiment, uri, _ = trained
    (folder / "blocker").write_text("not a folder", encoding="utf-8")
    done = cli("monitor", "-m", "models:/montest-landmarks@champion", "-d", experiment,
               "--tracking-uri", uri, "-o", folder / "blocker" / "out", "-p", "SIM-00007",
               cwd=folder)
    assert done.returncode == 1
    assert "cannot create the output folder" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [
    ("evaluate", "--data", "{experiment}", "--out", "{folder}/eval"),
    ("explain", "--data", "{experiment}", "--patient", "SIM-00007"),
    ("export", "--out", "{folder}/exported"),
])
def test_a_landmark_bundle_given_to_a_single_model_command_is_named(cli, trained, command):
    folder, experiment, uri, _ = trained
    args = [a.format(experiment=experiment, folder=folder) for a in command]
    result = cli(args[0], "--model", "models:/montest-landmarks@champion", *args[1:],
                 "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unexpected" not in result.stderr
    assert "landmark-model bundle" in result.stderr
    assert "irpredict monitor" in result.stderr
    assert not (folder / "eval").exists()
    assert not (folder / "exported").exists()


def test_a_patient_without_measurements_or_scans_is_said(cli, trained, tmp_path):
    cohort = _simulated(cli, tmp_path)
    _drop_rows(cohort, lambda frame: frame["patient_id"] == "SIM-00007")
    done = _monitor(cli, trained, "-p", "SIM-00007", data=cohort, out=tmp_path / "out")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stderr.split())
    assert "patient SIM-00007 has no measurements" in text
    assert "patient SIM-00007 has no tumour assessments" in text
    every = _monitor(cli, trained, "--all", data=cohort, out=tmp_path / "all")
    assert every.returncode == 0, every.stderr
    text = " ".join(every.stderr.split())
    assert "1 of 60 patients have no measurements" in text
    assert "1 of 60 patients have no tumour assessments" in text
    assert "SIM-00007 has no" not in " ".join(_monitor(cli, trained, "-p", "SIM-00008").stderr
                                               .split())


def test_a_landmark_without_any_result_on_treatment_is_said(cli, trained, tmp_path):
    cohort = _simulated(cli, tmp_path)
    path = cohort / "measurements.csv"
    frame = pd.read_csv(path, dtype={"patient_id": str})
    late = (frame["patient_id"] == "SIM-00007") & (frame["day"] > 0) & (frame["day"] <= 42)
    assert late.any()
    frame[~late].to_csv(path, index=False)
    done = _monitor(cli, trained, "-p", "SIM-00007", data=cohort, out=tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "patient SIM-00007 has no measurement on treatment up to day 42 (landmarks 42)" \
        in " ".join(done.stderr.split())


def test_results_no_landmark_model_reads_are_named(cli, trained, tmp_path):
    folder, _, uri, _ = trained
    cohort = _simulated(cli, tmp_path)
    path = cohort / "measurements.csv"
    frame = pd.read_csv(path, dtype={"patient_id": str})
    mine = frame["patient_id"] == "SIM-00007"
    frame.loc[mine & (frame["biomarker"] == "ctdna"), "biomarker"] = "ctDNA_vaf"
    frame.to_csv(path, index=False)
    args = ("monitor", "-m", "models:/montest-landmarks@champion", "-d", cohort,
            "--tracking-uri", uri, "-o", tmp_path / "out")
    done = cli(*args, "-p", "SIM-00007", cwd=folder)
    assert done.returncode == 0, done.stderr
    warned, noted = " ".join(done.stderr.split()), " ".join(done.stdout.split())
    assert "patient SIM-00007: results of 'ctDNA_vaf' are read by no landmark model; the " \
        "models read 'ctdna'" in warned
    assert "biomarkers in the data are not read by the landmark models (they read crp, " \
        "ctdna)" in noted
    after = pd.to_numeric(frame.loc[mine & (frame["biomarker"] == "crp"), "day"])
    assert (after > 42).any()
    assert "results after day 42, the last landmark: crp (day" in noted
    every = cli(*args, "--all", cwd=folder)
    assert every.returncode == 0, every.stderr
    assert "results of 'ctDNA_vaf' (1 patients) are read by no landmark model" in " ".join(
        every.stderr.split())


def test_results_after_the_last_landmark_scored_are_said_to_count_later(cli, trained, tmp_path):
    cohort = _simulated(cli, tmp_path)
    _drop_rows(cohort, lambda frame: (frame["patient_id"] == "SIM-00007") & (frame["day"] > 30))
    done = _monitor(cli, trained, "-p", "SIM-00007", data=cohort, out=tmp_path / "out")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "results after day 0, the last landmark scored: " in text
    assert "they count from landmark 42 on, once it is reached" in text


def test_results_of_a_patient_off_treatment_before_the_next_landmark_count_nowhere(
        cli, trained, tmp_path):
    cohort = _simulated(cli, tmp_path)
    _drop_rows(cohort, lambda frame: (frame["patient_id"] == "SIM-00007") & (frame["day"] > 30))
    patients = pd.read_csv(cohort / "patients.csv", dtype={"patient_id": str})
    patients.loc[patients["patient_id"] == "SIM-00007", "off_treatment_day"] = 16
    patients.to_csv(cohort / "patients.csv", index=False)
    done = _monitor(cli, trained, "-p", "SIM-00007", data=cohort, out=tmp_path / "out")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "results after day 0, the last landmark scored: " in text
    assert "they change no prediction: the patient is out of the later landmarks' " \
        "population, off treatment since day 16" in text
    assert "once it is reached" not in text


def test_a_patients_table_alone_is_monitored_at_day_0(cli, trained, tmp_path):
    cohort = _simulated(cli, tmp_path)
    patients = pd.read_csv(cohort / "patients.csv")
    # baseline columns only: an off_treatment_day would say how long the patient was followed
    patients.drop(columns="off_treatment_day").to_csv(cohort / "patients.csv", index=False)
    done = _monitor(cli, trained, "-p", "SIM-00002", data=cohort / "patients.csv",
                    out=tmp_path / "out")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "out" / "SIM-00002_trajectory.csv")
    assert table.loc[table["landmark"] == 0, "prob_response"].notna().all()
    assert table.loc[table["landmark"] > 0, "prob_response"].isna().all()


def test_a_value_far_outside_the_training_range_is_named(cli, trained, tmp_path):
    folder, _, uri, _ = trained
    cohort = _simulated(cli, tmp_path, patients=400)
    measurements = pd.read_csv(cohort / "measurements.csv", dtype={"patient_id": str})
    ctdna = (measurements["patient_id"] == "SIM-00007") & (measurements["biomarker"] == "ctdna")
    measurements.loc[ctdna, "value"] *= 1e4  # a unit error no plausibility range catches
    measurements.to_csv(cohort / "measurements.csv", index=False)
    args = ("monitor", "-m", "models:/montest-landmarks@champion", "-d", cohort,
            "--tracking-uri", uri, "-o", tmp_path / "out")
    done = cli(*args, "-p", "SIM-00007", cwd=folder)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stderr.split())
    assert "1 patient has feature values far outside the training range" in text
    assert "SIM-00007 at day " in text, text
    assert ": ctdna__" in text
    other = cli(*args, "-p", "SIM-00008", cwd=folder)
    assert other.returncode == 0, other.stderr
    assert "far outside the training range" not in other.stderr


def test_report_on_a_landmarks_run_says_what_it_covers(trained, cli):
    import re

    folder, _, uri, done = trained
    run_id = re.search(r"run id:\s*([0-9a-f]{32})", done.stdout).group(1)
    result = cli("report", "--run", run_id, "--out", folder / "lm.html", "--tracking-uri", uri,
                 "--no-log", cwd=folder)
    assert result.returncode == 1
    assert "is an `irpredict landmarks` run; the report covers `irpredict train` runs" in \
        " ".join(result.stderr.split())
    assert not (folder / "lm.html").exists()
