"""One corpus of malformed inputs across every command, each run through the real CLI.

Every case builds its inputs in its own folder from the session's tiny trained
study, runs ``python -m irpredict ...`` and must end with exit status 1 (usage
errors that typer rejects before the command runs too), a message
naming the problem (file, column, value, fix) and no traceback. Cases with an
output path must leave nothing there; cases that reach an MLflow store must
leave no FINISHED run and no registered version without artifacts.

A new interpreter per case would cost one to several seconds of imports each,
so the module fixture runs the cases through ``irpredict.cli.main`` in two
concurrent batch processes (``rel_batch.py``); a sample is re-run as separate
``python -m irpredict`` processes and must answer the same. One test per case
then checks its result. The cases themselves are in ``rel_cases.py``.
"""

import json
import re
import socket
from types import SimpleNamespace

import pytest
from rel_cases import CASES, PREVIOUS, Ctx, store_uri
from rel_helpers import copy_store, run_batches, store_state, version_has_artifacts

# --- running the corpus ----------------------------------------------------------------------

#: Re-run as separate ``python -m irpredict`` processes: they must answer like the batch.
SAMPLE = ("train-toml-syntax", "screen-criteria-python-injection", "assess-binary-garbage",
          "explain-no-patient-nor-all", "serve-port-out-of-range", "simulate-class-mix-syntax")


@pytest.fixture(scope="module")
def corpus(trained_study, template_store, tmp_path_factory):
    """(case id -> (folder, result), process-level output, store state before, study)."""
    study, _, run_id = trained_study
    root = tmp_path_factory.mktemp("corpus")
    with socket.socket() as busy:  # a port that is taken while the corpus runs
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        ctx = Ctx(study=study, run_id=run_id, template=template_store,
                  busy_port=busy.getsockname()[1])
        before = store_state(study.uri)
        jobs = {}
        for case in CASES:
            folder = root / case.id
            folder.mkdir()
            if case.store:
                copy_store(template_store, folder / "mlruns" / "mlflow.db")
            jobs[case.id] = (folder, [str(a) for a in case.build(ctx, folder)])
        results, stray = run_batches(jobs, root)
    return {cid: (jobs[cid][0], SimpleNamespace(**results[cid])) for cid in jobs}, stray, \
        before, study, jobs


def _flat(text):
    return " ".join(text.split())


@pytest.mark.slow  # the corpus fixture takes about a minute
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_malformed_input_is_refused_clearly(case, corpus):
    results = corpus[0]
    folder, result = results[case.id]
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert not re.search(r"unexpected \w*(Error|Exception)\b", result.stderr), result.stderr
    assert re.search(case.expect, _flat(result.stderr), re.DOTALL), result.stderr
    if not case.usage:  # one "error:" line (a cohort's problems follow it as a list)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, result.stderr
    if case.out is not None:
        assert not (folder / case.out).exists(), f"{case.out} was left behind"
    if case.keep is not None:
        assert (folder / case.keep).read_text() == PREVIOUS, f"{case.keep} was changed"
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    if case.store:
        runs, versions = store_state(store_uri(folder))
        assert "FINISHED" not in runs.values(), runs
        assert versions == []


@pytest.mark.slow  # the corpus fixture takes about a minute
def test_batch_answers_like_separate_processes(corpus, cli):
    """The batch runner is faithful: a sample re-run as separate processes answers the same."""
    results, stray, _, _, jobs = corpus
    assert "Traceback" not in stray
    for cid in SAMPLE:
        folder, argv = jobs[cid]
        alone = cli(*argv, cwd=folder)
        assert alone.returncode == results[cid][1].returncode, cid
        assert _flat(alone.stderr) == _flat(results[cid][1].stderr), cid


@pytest.mark.slow  # the corpus fixture takes about a minute
def test_trained_store_is_unchanged_by_the_corpus(corpus):
    """Cases that read the trained store neither finish runs nor add versions."""
    _, _, (runs_before, versions_before), study, _ = corpus
    runs_after, versions_after = store_state(study.uri)
    assert runs_after == runs_before
    assert versions_after == versions_before
    for name, version, _ in versions_after:
        assert version_has_artifacts(study.uri, name, version, study.folder / "dl")


def test_corpus_spans_every_command():
    commands = {c.command for c in CASES}
    assert commands >= {"demo", "simulate", "validate", "assess-response", "screen", "features",
                        "train", "evaluate", "export", "serve", "explain", "report"}
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert json.dumps([c.id for c in CASES])  # ids are plain text


# --- serving payloads ------------------------------------------------------------------------

def _payloads(record):
    """Malformed bodies (not those of tests/serving) -> (bytes or JSON, reason fragment)."""
    columns = list(record)
    numeric = next(c for c, v in record.items() if isinstance(v, float))
    inf_body = json.dumps({"dataframe_records": [{**record, numeric: 0.5}]}).replace(
        f'"{numeric}": 0.5', f'"{numeric}": 1e400')
    return {
        "top-level array": ([1, 2], "exactly one of the keys"),
        "top-level string": ("hello", "exactly one of the keys"),
        "JSON null": (b"null", "exactly one of the keys"),
        "empty object": ({}, "exactly one of the keys"),
        "records as an object": ({"dataframe_records": {"age": 50}}, "list of records"),
        "records of numbers": ({"dataframe_records": [1, 2]}, "list of records"),
        "split columns not a list": ({"dataframe_split": {"columns": "age", "data": [[1]]}},
                                     "columns"),
        "split data not a list": ({"dataframe_split": {"columns": columns, "data": "x"}},
                                  "data"),
        "split short row": ({"dataframe_split": {"columns": columns, "data": [[1, 2]]}},
                            f"{len(columns)} values"),
        "split repeated column": ({"dataframe_split": {"columns": [*columns, columns[0]],
                                                       "data": [[*record.values(), 1]]}},
                                  "repeats the columns"),
        "list in a numeric cell": ({"dataframe_records": [{**record, numeric: [1, 2]}]},
                                   numeric),
        "infinite number": (inf_body.encode(), "infinite"),
        "not UTF-8": (b'{"dataframe_records": [{"age": "\xff\xfe"}]}', "not valid JSON"),
        "nested 100,000 deep": (b'{"dataframe_records": ' + b"[" * 100_000 + b"]" * 100_000
                                + b"}", "too deeply"),
    }


def test_malformed_payloads_get_4xx_with_a_reason_and_serving_goes_on(served):
    from srv_helpers import request

    port, _, record = served
    cases = _payloads(record)
    assert len(cases) >= 10
    for name, (body, reason) in cases.items():
        status, answer = request(port, "POST", "/invocations", body)
        assert 400 <= status < 500, (name, status, answer)
        assert reason.lower() in answer["message"].lower(), (name, answer)
        status, answer = request(port, "POST", "/invocations", {"dataframe_records": [record]})
        assert status == 200, (name, answer)
        assert len(answer["predictions"]) == 1


def test_wrong_media_type_and_method_are_4xx(served):
    import http.client

    port, _, _ = served
    for method, headers, body, expected in (
            ("POST", {"Content-Type": "application/xml"}, b"<age>1</age>", 415),
            ("POST", {"Content-Type": "text/csv"}, b"age,ecog\n1,2\n", 400),  # columns lack
            ("GET", {}, None, 405)):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, "/invocations", body, headers)
            response = conn.getresponse()
            answer = json.loads(response.read())
        finally:
            conn.close()
        assert response.status == expected
        assert answer["message"]
