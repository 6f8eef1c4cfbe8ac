"""The registered model under ``mlflow models serve --env-manager local``; its signature."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from srv_helpers import MODEL_URI, free_port, request, server_env, stop, wait_ready


def test_signature_lists_the_explanation_columns(in_process):
    model = in_process.unwrap_python_model()
    outputs = in_process.metadata.get_output_schema().input_names()
    expected = ["prob_response", "therapy_class", "base_value", "explained_log_odds",
                *("shap__" + b for b in model.biomarkers_)]
    assert outputs == expected


def test_in_process_predict_is_additive_with_a_fixed_column_set(in_process, rows):
    out = in_process.predict(rows)
    one = in_process.predict(rows.head(1))
    assert list(one.columns) == list(out.columns)  # fixed per model, whatever the routes
    logit = np.log(out["prob_response"] / (1 - out["prob_response"]))
    np.testing.assert_allclose(out.filter(like="shap__").sum(axis=1) + out["base_value"], logit,
                               atol=1e-5)
    np.testing.assert_allclose(out["explained_log_odds"], logit, atol=1e-5)  # not calibrated


@pytest.mark.slow
def test_mlflow_models_serve_answers_with_the_same_explanations(trained_model, in_process, rows):
    folder, uri = trained_model
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "models", "serve", "-m", MODEL_URI, "--env-manager",
         "local", "-h", "127.0.0.1", "-p", str(port), "-w", "1"],
        cwd=folder, env=server_env(uri), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        wait_ready(proc, port, timeout=180)
        records = json.loads(rows.to_json(orient="records"))
        status, body = request(port, "POST", "/invocations", {"dataframe_records": records})
        assert status == 200, body
        got = pd.DataFrame(body["predictions"])
        expected = in_process.predict(rows)
        assert list(got.columns) == list(expected.columns)
        num = [c for c in expected.columns if c != "therapy_class"]
        np.testing.assert_allclose(got[num].to_numpy(float), expected[num].to_numpy(float),
                                   atol=1e-6)
        status, body = request(port, "POST", "/invocations",
                               {"dataframe_records": [{**records[0], "therapy_class": "vaccine"}]})
        assert 400 <= status < 500
        assert "vaccine" in json.dumps(body)
    finally:
        stop(proc)


def test_pyfunc_predict_reads_integer_and_category_columns(in_process, rows):
    model = in_process.unwrap_python_model().model
    typed = rows.copy()
    numeric = [c for c in ("age", "ecog") if c in model.feature_columns]
    assert numeric
    for col in numeric:
        typed[col] = typed[col].round().astype("Int64")
    typed[model.categorical_columns[0]] = typed[model.categorical_columns[0]].astype("category")
    plain = rows.assign(**{c: typed[c].astype(float) for c in numeric})
    pd.testing.assert_frame_equal(in_process.predict(typed), in_process.predict(plain))
    missing = rows.drop(columns=[numeric[0]])
    from irpredict.exceptions import CohortDataError

    with pytest.raises(CohortDataError, match=rf"the model needs: \['{numeric[0]}'\]"):
        in_process.predict(missing)
