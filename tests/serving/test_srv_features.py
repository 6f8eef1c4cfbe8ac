"""`irpredict features --model`: a cohort's inputs for a served model, as a request body."""

import pandas as pd
import pytest
from srv_helpers import MODEL_URI, request


@pytest.fixture(scope="module")
def cohort_without_crp(trained_model, cli, tmp_path_factory):
    """Another simulated cohort in which no patient had a CRP measured."""
    folder, _ = trained_model
    cohort = tmp_path_factory.mktemp("no-crp")
    result = cli("simulate", "--patients", "60", "--seed", "21", "--out", cohort, cwd=folder)
    assert result.returncode == 0, result.stderr
    measurements = pd.read_csv(cohort / "measurements.csv")
    assert (measurements["biomarker"] == "crp").any()
    measurements[measurements["biomarker"] != "crp"].to_csv(cohort / "measurements.csv",
                                                             index=False)
    return cohort


def test_the_model_inputs_of_a_cohort_missing_a_biomarker_serve(trained_model, cli,
                                                               cohort_without_crp, in_process,
                                                               irpredict_server, tmp_path):
    folder, uri = trained_model
    plain = tmp_path / "plain.csv"
    result = cli("features", cohort_without_crp, "--out", plain, cwd=folder)
    assert result.returncode == 0, result.stderr
    plain_table = pd.read_csv(plain, dtype={"patient_id": str})
    assert not [c for c in plain_table.columns if c.startswith("crp__")]
    status, answer = request(irpredict_server, "POST", "/invocations", plain.read_bytes(),
                             content_type="text/csv")
    assert status == 400, answer  # the model needs its CRP features
    assert "crp__" in answer["message"]

    built = tmp_path / "for-model.csv"
    result = cli("features", cohort_without_crp, "--model", MODEL_URI, "--tracking-uri", uri,
                 "--out", built, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "crp__" in result.stderr  # named as a feature no patient has
    assert "Traceback" not in result.stderr
    table = pd.read_csv(built, dtype={"patient_id": str})
    features = in_process.unwrap_python_model().model.feature_columns
    assert list(table.columns[:3]) == ["patient_id", "therapy_class", "response"]
    assert list(table.columns[3:]) == list(features)
    crp = [c for c in features if c.startswith("crp__")]
    assert crp
    counts = [c for c in crp if "__n_draws" in c]
    assert (table[counts] == 0).all().all()  # never drawn, as training counts it
    assert table[[c for c in crp if c not in counts]].isna().all().all()
    assert table["patient_id"].tolist() == plain_table["patient_id"].tolist()

    status, answer = request(irpredict_server, "POST", "/invocations", built.read_bytes(),
                             content_type="text/csv")
    assert status == 200, answer
    served = pd.DataFrame(answer["predictions"])
    assert served["patient_id"].tolist() == table["patient_id"].tolist()
    expected = in_process.predict(table.drop(columns=["patient_id", "response"]))
    pd.testing.assert_series_equal(served["prob_response"], expected["prob_response"],
                                   check_exact=False, rtol=1e-6)


def test_model_inputs_come_at_the_model_landmark_only(trained_model, cli, cohort_without_crp,
                                                      tmp_path):
    folder, uri = trained_model
    result = cli("features", cohort_without_crp, "--model", MODEL_URI, "--tracking-uri", uri,
                 "-L", "21", "--out", tmp_path / "f.csv", cwd=folder)
    assert result.returncode == 1
    assert "leave out --landmark-days" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "f.csv").exists()
