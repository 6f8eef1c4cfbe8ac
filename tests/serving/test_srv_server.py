"""`irpredict serve` answers MLflow's protocol with the registered model's explanations."""

import json
import socket

import numpy as np
import pandas as pd
import pytest
from srv_helpers import request


def _json_rows(frame):
    """Rows as JSON-ready values (NaN -> null), through a real JSON round trip."""
    return json.loads(frame.to_json(orient="split", index=False))


def _check_equal(predictions, expected):
    got = pd.DataFrame(predictions)
    assert list(got.columns) == list(expected.columns)
    assert (got["therapy_class"].to_numpy() == expected["therapy_class"].to_numpy()).all()
    num = [c for c in expected.columns if c != "therapy_class"]
    np.testing.assert_allclose(got[num].to_numpy(float), expected[num].to_numpy(float), atol=1e-6)


def test_ping_health_version(irpredict_server):
    assert request(irpredict_server, "GET", "/ping")[0] == 200
    assert request(irpredict_server, "GET", "/health")[0] == 200
    assert request(irpredict_server, "HEAD", "/ping") == (200, "")  # probes that use HEAD
    status, info = request(irpredict_server, "GET", "/version")
    assert status == 200
    assert info["study"] == "srv"
    assert info["calibration"] == "none"
    assert info["shap_adds_up_to"] == "logit(prob_response)"
    assert info["compiled"] is True  # the arrays-only path passed its check against explain
    # the alias resolved when the server started: the version and run it serves
    assert info["model_version"] == "models:/srv/1"
    assert len(info["run_id"]) == 32


def test_dataframe_split_equals_in_process(irpredict_server, in_process, rows):
    expected = in_process.predict(rows)
    split = _json_rows(rows)
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_split": {"columns": split["columns"],
                                                "data": split["data"]}})
    assert status == 200, body
    _check_equal(body["predictions"], expected)


def test_dataframe_records_equals_in_process_and_is_additive(irpredict_server, in_process, rows):
    expected = in_process.predict(rows)
    records = json.loads(rows.to_json(orient="records"))
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_records": records})
    assert status == 200, body
    _check_equal(body["predictions"], expected)
    got = pd.DataFrame(body["predictions"])
    shap = got.filter(like="shap__")
    assert shap.shape[1] >= 5
    logit = np.log(got["prob_response"] / (1 - got["prob_response"]))
    np.testing.assert_allclose(shap.sum(axis=1) + got["base_value"], logit, atol=1e-5)


def _malformed(rows):
    split = _json_rows(rows.head(1))
    one = dict(zip(split["columns"], split["data"][0], strict=True))
    numeric = next(c for c in rows.columns if c not in ("therapy_class", "her2_ihc", "er_status")
                   and pd.api.types.is_numeric_dtype(rows[c]))
    missing = {k: v for k, v in one.items() if k != numeric}
    return {
        "invalid JSON": (b'{"dataframe_records": [', "JSON"),
        "empty body": (b"", "empty"),
        "wrong top-level key": ({"records": [one]}, "dataframe_split"),
        "two keys": ({"dataframe_records": [one], "extra": 1}, "exactly one"),
        "missing column": ({"dataframe_records": [missing]}, numeric),
        "text in a numeric column": ({"dataframe_records": [{**one, numeric: "high"}]}, numeric),
        "unknown therapy class": ({"dataframe_records": [{**one, "therapy_class": "vaccine"}]},
                                  "vaccine"),
        "null therapy class": ({"dataframe_records": [{**one, "therapy_class": None}]},
                               "therapy_class"),
        "empty data": ({"dataframe_split": {"columns": split["columns"], "data": []}}, "no rows"),
        "split without data": ({"dataframe_split": {"columns": split["columns"]}}, "data"),
        "a row short of values": (
            {"dataframe_split": {"columns": split["columns"],
                                 "data": [split["data"][0], split["data"][0][:-3]]}},
            f"one per column: row 2 has {len(split['columns']) - 3} values"),
        "far out of range": ({"dataframe_records": [{**one, "age": -40.0}]}, "age"),
        "boolean in a numeric column": ({"dataframe_records": [{**one, "age": True}]},
                                        "column 'age' must be numeric; row 1 holds true/false "
                                        "and it is not a 0/1 flag (training range"),
        "JSON null": (b"null", "; got null"),
        "a flat data list": ({"dataframe_split": {"columns": split["columns"][:2],
                                                  "data": [61, 1, 70, 0]}},
                             "got one flat list of 4 values"),
        "impossible value in the second record": (
            {"dataframe_records": [one, {**one, "age": 999}]},
            "impossible values in rows 2: 999 (ages are 0-120 years) (rows are numbered "
            "from 1, in the order sent)"),
        "a list for an id": ({"dataframe_records": [{**one, "patient_id": ["a", "b"]}]},
                             "column 'patient_id' holds lists or objects in rows 1; send one id"),
        "a word in a number column that was no flag": (
            {"dataframe_records": [{**one, "age": "true"}]},
            "column 'age' must be numeric; rows 1 hold true"),
    }


@pytest.mark.parametrize("case", ["invalid JSON", "empty body", "wrong top-level key",
                                        "two keys", "missing column", "text in a numeric column",
                                        "unknown therapy class", "null therapy class",
                                        "empty data", "split without data", "far out of range",
                                        "a row short of values",
                                        "boolean in a numeric column", "JSON null",
                                        "a flat data list",
                                        "impossible value in the second record",
                                        "a list for an id",
                                        "a word in a number column that was no flag"])
def test_malformed_payload_gets_400_and_server_keeps_serving(irpredict_server, rows, case):
    body, reason = _malformed(rows)[case]
    status, answer = request(irpredict_server, "POST", "/invocations", body)
    assert status == 400, answer
    assert answer["error_code"] == "BAD_REQUEST"
    assert reason.lower() in answer["message"].lower()
    records = json.loads(rows.head(1).to_json(orient="records"))
    status, answer = request(irpredict_server, "POST", "/invocations",
                             {"dataframe_records": records})
    assert status == 200
    assert len(answer["predictions"]) == 1


def test_json_booleans_in_a_0_1_flag_read_as_1_and_0(irpredict_server, in_process, rows):
    model = in_process.unwrap_python_model().model
    flags = [c for c, (low, high) in model.numeric_ranges.items()
             if low == 0 and high == 1 and c in rows.columns and rows[c].notna().all()]
    assert flags, model.numeric_ranges
    flag = flags[0]
    sent = rows.head(4).assign(**{flag: [1.0, 0.0, 1.0, 0.0]})
    records = json.loads(sent.to_json(orient="records"))
    for record, value in zip(records, [True, False, True, None], strict=True):
        record[flag] = value
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_records": records})
    assert status == 200, body
    _check_equal(body["predictions"], in_process.predict(sent.assign(
        **{flag: [1.0, 0.0, 1.0, np.nan]})))
    # a boolean beside numbers in the same flag column is more likely a mistake
    records[3][flag] = 0.5
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_records": records})
    assert status == 400
    assert "only when every value is true, false or null" in body["message"]


def test_unknown_route_is_404_and_a_wrong_method_405(irpredict_server):
    assert request(irpredict_server, "GET", "/nowhere")[0] == 404
    status, body = request(irpredict_server, "GET", "/invocations")
    assert status == 405
    assert "answers POST" in body["message"]


def test_mlflow_params_key_empty_is_accepted_and_set_is_refused(irpredict_server, in_process,
                                                                rows):
    records = json.loads(rows.head(3).to_json(orient="records"))
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_records": records, "params": {}})
    assert status == 200, body
    _check_equal(body["predictions"], in_process.predict(rows.head(3)))
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_records": records, "params": {"threshold": 0.3}})
    assert status == 400
    assert "no inference parameters" in body["message"]


def test_a_body_over_the_limit_is_413_and_serving_goes_on(irpredict_server):
    from irpredict.serving.app import MAX_BODY_BYTES

    status, body = request(irpredict_server, "POST", "/invocations",
                           b'{"dataframe_records": [' + b" " * MAX_BODY_BYTES + b"]}",
                           timeout=120)
    assert status == 413
    assert "smaller batches" in body["message"]
    assert request(irpredict_server, "GET", "/ping")[0] == 200


def test_a_declared_length_over_the_limit_is_413_before_the_body_arrives(irpredict_server):
    with socket.create_connection(("127.0.0.1", irpredict_server), timeout=20) as sock:
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: localhost\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n"
                     b"{}")  # the rest never comes
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < int(
                answer.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0]):
            chunk = sock.recv(65536)  # headers and body may come in separate packets
            if not chunk:
                break
            answer += chunk
        answer = answer.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "smaller batches" in answer
    assert request(irpredict_server, "GET", "/ping")[0] == 200


def test_binds_loopback_by_default(irpredict_server):
    """The default --host is 127.0.0.1: the server is not reachable on another address."""
    import inspect

    from irpredict.cli._serve import command

    assert inspect.signature(command).parameters["host"].default.default == "127.0.0.1"
    with socket.socket() as sock:
        sock.settimeout(1)
        with pytest.raises(ConnectionRefusedError):
            sock.connect(("127.0.0.2", irpredict_server))


def test_category_spellings_match_and_unseen_levels_are_named(irpredict_server, in_process,
                                                              rows):
    records = json.loads(rows.head(3).to_json(orient="records"))
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_records": records})
    assert status == 200
    assert "warnings" not in body
    clean = pd.DataFrame(body["predictions"])
    variant = [dict(r) for r in records]
    variant[0]["er_status"] = f" {str(records[0]['er_status']).upper()} "  # another spelling
    variant[1]["er_status"] = "ER-low"                                       # never in training
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_records": variant})
    assert status == 200, body
    got = pd.DataFrame(body["predictions"])
    assert got.loc[0, "prob_response"] == pytest.approx(clean.loc[0, "prob_response"], abs=1e-9)
    assert len(body["warnings"]) == 1
    assert "column 'er_status': 'ER-low' (rows 2)" in body["warnings"][0]
    assert "(rows are numbered from 1, in the order sent)" in body["warnings"][0]
    # every answer carries its own warnings: the same request warns again
    again = request(irpredict_server, "POST", "/invocations", {"dataframe_records": variant})[1]
    assert again["warnings"] == body["warnings"]


@pytest.mark.parametrize("key", ["inputs", "instances"])
def test_tensor_style_keys_take_records_or_columns(irpredict_server, in_process, rows, key):
    expected = in_process.predict(rows)
    records = json.loads(rows.to_json(orient="records"))
    columns = {c: json.loads(rows[c].to_json(orient="values")) for c in rows}
    for value in (records, columns):
        status, body = request(irpredict_server, "POST", "/invocations", {key: value})
        assert status == 200, body
        _check_equal(body["predictions"], expected)
    one = {c: v[0] for c, v in columns.items()}  # one patient as scalars
    status, body = request(irpredict_server, "POST", "/invocations", {key: one})
    assert status == 200, body
    _check_equal(body["predictions"], expected.head(1))
    split = {"columns": list(columns), "data": records}
    for value, reason in ((split, '"dataframe_split"'),
                          ({**columns, "age": columns["age"][:1]}, "different lengths")):
        status, body = request(irpredict_server, "POST", "/invocations", {key: value})
        assert status == 400
        assert reason in body["message"]


def test_csv_body_scores_like_json_and_ids_come_back(irpredict_server, in_process, rows):
    expected = in_process.predict(rows)
    sent = rows.assign(patient_id=[f"00{i}" for i in range(len(rows))])
    status, body = request(irpredict_server, "POST", "/invocations",
                           sent.to_csv(index=False).encode(), content_type="text/csv")
    assert status == 200, body
    got = pd.DataFrame(body["predictions"])
    assert got["patient_id"].tolist() == sent["patient_id"].tolist()  # as sent, zeros kept
    _check_equal(body["predictions"], expected.assign(patient_id=sent["patient_id"].to_numpy())[
        ["patient_id", *expected.columns]])


def test_ids_are_sent_back_as_sent_even_when_they_read_like_missing_values(irpredict_server,
                                                                          rows):
    ids = ["NaN-0", "NA", "None", "null", "nan"][:len(rows)]
    sent = rows.head(len(ids)).assign(patient_id=ids)
    status, body = request(irpredict_server, "POST", "/invocations",
                           sent.to_csv(index=False).encode(), content_type="text/csv")
    assert status == 200, body
    assert [p["patient_id"] for p in body["predictions"]] == ids
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_split": _json_rows(sent)})
    assert status == 200, body
    assert [p["patient_id"] for p in body["predictions"]] == ids


@pytest.mark.parametrize(("body", "reason"), [
    (b"", "empty"),
    (b"age,age\n1,2\n", "repeats ['age']"),
    (b"age,,ecog\n1,2,3\n", "a column has no name"),
    (b"age\n", "no rows"),
    (b"\x1f\x8b\x08\x00gzip", "gzip-compressed"),
    (b"age,ecog\n61,1\n70\n", "CSV row 2 has 1 values and the header 2 columns"),
    (b"age,ecog\n61,1,3\n", "CSV row 1 has 3 values"),
    (b"age;ecog\n61;1\n", "semicolon-separated"),
    (b"age\tecog\tldh\n61\t1\t200\n", "tab-separated"),
    (b"patient_id,age,ecogP1,61,1P2,70,0", "its line breaks are gone (curl -d drops them)"),
    (b'{"dataframe_records": [{"age": 61}]}', "the body is JSON, sent as text/csv"),
    (b"age,ecog\n\xff\xfe,1\n", "not a readable CSV table"),
])
def test_bad_csv_bodies_get_400(irpredict_server, body, reason):
    status, answer = request(irpredict_server, "POST", "/invocations", body,
                             content_type="text/csv")
    assert status == 400, answer
    assert reason in answer["message"]


def test_other_media_types_get_415_naming_both_accepted(irpredict_server):
    status, answer = request(irpredict_server, "POST", "/invocations", b"<xml/>",
                             content_type="application/xml")
    assert status == 415
    assert "application/json" in answer["message"]
    assert "text/csv" in answer["message"]


def test_impossible_values_are_refused_and_far_ones_noted_over_http(irpredict_server,
                                                                     in_process, rows):
    from irpredict.serving.validation import _level_of

    model = in_process.unwrap_python_model().model
    records = json.loads(rows.head(3).to_json(orient="records"))
    pct = next(c for c in model.feature_columns if (_level_of(c) or "").endswith("_pct"))
    sent = [dict(r) for r in records]
    sent[1][pct] = 140
    status, body = request(irpredict_server, "POST", "/invocations", {"dataframe_records": sent})
    assert status == 400
    assert f"'{pct}' has impossible values in rows 2" in body["message"]
    col, (low, high) = next((c, r) for c, r in model.numeric_ranges.items() if r[1] > r[0] > 0
                            and "_pct" not in c and c not in ("age", "ecog")
                            and "albumin" not in c)
    sent = [dict(r) for r in records]
    sent[2][col] = high + 3 * (high - low)
    status, body = request(irpredict_server, "POST", "/invocations", {"dataframe_records": sent})
    assert status == 200, body
    assert any(f"'{col}' in rows 3" in w and "far outside the training range" in w
               for w in body["warnings"])


def test_ping_is_answered_while_a_large_batch_is_scored(irpredict_server, rows):
    import threading
    import time

    from irpredict.serving.app import THREAD_BODY_BYTES

    records = json.loads(rows.to_json(orient="records"))
    per_row = len(json.dumps(records)) / len(records)
    n = int(16 * 2**20 / per_row)  # about 16 MiB: seconds of parsing and scoring
    batch = (records * (n // len(records) + 1))[:n]
    body = json.dumps({"dataframe_records": batch}).encode()
    assert len(body) > 4 * THREAD_BODY_BYTES
    finished = {}

    def big():
        status, _ = request(irpredict_server, "POST", "/invocations", body, timeout=120)
        finished["big"] = (time.monotonic(), status)

    worker = threading.Thread(target=big)
    worker.start()
    time.sleep(0.3)  # the body is sent; the server is parsing or scoring it
    status, _ = request(irpredict_server, "GET", "/ping")
    finished["ping"] = (time.monotonic(), status)
    worker.join(120)
    assert finished["ping"][1] == 200
    assert finished["big"][1] == 200
    # answered while the batch was still being scored, not queued behind it
    assert finished["big"][0] - finished["ping"][0] > 0.2


def test_repeated_ids_are_noted_and_a_huge_unknown_level_is_not_echoed(irpredict_server, rows):
    records = json.loads(rows.head(3).to_json(orient="records"))
    sent = [dict(r, patient_id="P1" if k < 2 else "P2") for k, r in enumerate(records)]
    sent[2]["er_status"] = "x" * 100_000
    raw = json.dumps({"dataframe_records": sent}).encode()
    status, body = request(irpredict_server, "POST", "/invocations", raw)
    assert status == 200, body
    assert [p["patient_id"] for p in body["predictions"]] == ["P1", "P1", "P2"]
    notes = " ".join(body["warnings"])
    assert "2 predictions share a patient id with another one in this request (P1)" in notes
    assert "(100,000 characters)" in notes
    assert len(json.dumps(body)) < 20_000


def test_a_missing_value_where_every_training_patient_had_one_is_noted(irpredict_server,
                                                                       in_process, rows):
    model = in_process.unwrap_python_model().model
    assert "age" in model.never_missing
    records = json.loads(rows.head(2).to_json(orient="records"))
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_records": records})
    assert status == 200
    assert not any("every training patient had" in w for w in body.get("warnings", []))
    records[1]["age"] = None
    status, body = request(irpredict_server, "POST", "/invocations",
                           {"dataframe_records": records})
    assert status == 200, body
    assert any("features every training patient had" in w and "'age' (rows 2)" in w
               for w in body["warnings"])
