"""`irpredict serve` under load: 5,000 requests from 16 clients, 10 % of them malformed.

The committed reference model (models/reference) is served by the real CLI
on a free port of 127.0.0.1. Sixteen client threads share one plan of 5,000
requests (a warm-up of 300, then 4,700); every tenth request is malformed in
one of ten ways. Every answer is checked: no 5xx, each malformed request a
4xx with a JSON reason, each good one 200 with a probability in [0, 1] and
the SHAP columns. The server's resident memory after the warm-up and at the
end must differ by less than 10 %, and the server must still answer /ping.
Latency percentiles are printed (``pytest -s``), never asserted.
"""

import http.client
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from srv_helpers import free_port, request, server_env, stop, wait_ready

pytestmark = pytest.mark.slow

CLIENTS = 16
TOTAL = 5000
WARM_UP = 300
MALFORMED_EVERY = 10  # 10 % of the requests
KINDS = 10  # ways of getting a request wrong
DEADLINE_S = 240.0  # a hang guard for the whole run, not a latency budget
RSS_GROWTH_LIMIT = 0.10
JSON_TYPE = "application/json"


def _example(repo_root):
    split = json.loads((repo_root / "models" / "reference" / "serving_input_example.json")
                       .read_text())["dataframe_split"]
    return split["columns"], split["data"]


def _good(columns, rows, therapies, rng):
    """A valid request of one to three patients (split or records), any therapy class."""
    picked = [list(r) for r in rng.sample(rows, rng.randint(1, 3))]
    t = columns.index("therapy_class")
    for row in picked:
        row[t] = rng.choice(therapies)
    if rng.random() < 0.5:
        payload = {"dataframe_split": {"columns": columns, "data": picked}}
    else:
        payload = {"dataframe_records": [dict(zip(columns, r, strict=True)) for r in picked]}
    return json.dumps(payload).encode(), JSON_TYPE, len(picked)


def _malformed(kind, columns, rows):
    """The ``kind``-th way (0-9) of getting a request wrong: (body, content type)."""
    row = list(rows[0])
    age = columns.index("age")
    split = {"columns": columns, "data": [row]}
    if kind == 0:  # invalid JSON
        return b'{"dataframe_split": {"columns": ["age"], "data": [[61.0', JSON_TYPE
    if kind == 1:  # wrong shape: rows shorter than the column list
        return json.dumps({"dataframe_split": {"columns": columns, "data": [row[:-3]]}}).encode(), \
            JSON_TYPE
    if kind == 2:  # a column the model needs is missing
        keep = [j for j, c in enumerate(columns) if c != "age"]
        return json.dumps({"dataframe_split": {"columns": [columns[j] for j in keep],
                                               "data": [[row[j] for j in keep]]}}).encode(), \
            JSON_TYPE
    if kind == 3:  # text in a numeric column
        bad = list(row)
        bad[age] = "sixty-one"
        return json.dumps({"dataframe_split": {"columns": columns, "data": [bad]}}).encode(), \
            JSON_TYPE
    if kind == 4:  # a therapy class the model never saw
        bad = list(row)
        bad[columns.index("therapy_class")] = "homeopathy"
        return json.dumps({"dataframe_split": {"columns": columns, "data": [bad]}}).encode(), \
            JSON_TYPE
    if kind == 5:  # empty body
        return b"", JSON_TYPE
    if kind == 6:  # valid JSON sent as text
        return json.dumps({"dataframe_split": split}).encode(), "text/plain"
    if kind == 8:  # JSON nested deeper than any parser's recursion limit
        return b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", JSON_TYPE
    bad = list(row)
    # 7: an absurd value (a unit error by a factor of a billion); 9: beyond the float range
    bad[age] = 6.1e10 if kind == 7 else 10**400
    return json.dumps({"dataframe_split": {"columns": columns, "data": [bad]}}).encode(), \
        JSON_TYPE


def _plan(columns, rows, therapies, seed=0):
    """TOTAL requests as (kind, body, content type, patients); kind -1 = good."""
    rng = random.Random(seed)
    plan = []
    for i in range(TOTAL):
        if i % MALFORMED_EVERY == MALFORMED_EVERY - 1:
            kind = (i // MALFORMED_EVERY) % KINDS
            plan.append((kind, *_malformed(kind, columns, rows), 0))
        else:
            plan.append((-1, *_good(columns, rows, therapies, rng)))
    return plan


def _rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


def _blast(port, plan, deadline):
    """Send ``plan`` from CLIENTS keep-alive connections; one result per request sent."""
    results, lock, cursor = [], threading.Lock(), iter(range(len(plan)))

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.monotonic() < deadline:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                kind, body, ctype, n = plan[i]
                start = time.perf_counter()
                try:
                    conn.request("POST", "/invocations", body, {"Content-Type": ctype})
                    resp = conn.getresponse()
                    status, text = resp.status, resp.read()
                except (OSError, http.client.HTTPException) as exc:
                    status, text = None, repr(exc).encode()
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                elapsed = time.perf_counter() - start
                with lock:
                    results.append((kind, n, status, text, elapsed))
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


@pytest.fixture(scope="module")
def reference_server(repo_root, tmp_path_factory):
    """(process, port, therapies) of ``irpredict serve --model models/reference``."""
    folder = tmp_path_factory.mktemp("load")
    uri = f"sqlite:///{folder}/mlflow.db"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "irpredict", "serve", "--model",
         str(repo_root / "models" / "reference"), "--host", "127.0.0.1", "--port", str(port),
         "--tracking-uri", uri],
        cwd=folder, env=server_env(uri), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        wait_ready(proc, port)
        status, version = request(port, "GET", "/version")
        assert status == 200, version
        yield proc, port, version["therapies"]
    finally:
        stop(proc)


def test_serving_5000_requests_from_16_clients_with_10_percent_malformed(
        reference_server, repo_root):
    proc, port, therapies = reference_server
    columns, rows = _example(repo_root)
    plan = _plan(columns, rows, therapies)
    deadline = time.monotonic() + DEADLINE_S
    results = _blast(port, plan[:WARM_UP], deadline)
    rss_warm = _rss_kib(proc.pid)
    results += _blast(port, plan[WARM_UP:], deadline)
    rss_end = _rss_kib(proc.pid)

    assert len(results) == TOTAL, (f"only {len(results)} of {TOTAL} requests were sent "
                                   f"within the {DEADLINE_S:.0f} s hang guard")
    lost = [r for r in results if r[2] is None]
    assert not lost, f"{len(lost)} requests got no answer, e.g. {lost[0][3][:200]!r}"
    server_errors = [r for r in results if r[2] >= 500]
    assert not server_errors, (f"{len(server_errors)} answers were 5xx, e.g. status "
                               f"{server_errors[0][2]} {server_errors[0][3][:300]!r}")

    shap_columns = None
    for kind, n, status, text, _ in results:
        if kind >= 0:
            assert 400 <= status < 500, f"malformed request (kind {kind}) got status {status}"
            reason = json.loads(text)
            assert reason["error_code"], reason
            assert isinstance(reason["message"], str), reason
            assert len(reason["message"]) > 20, reason
            continue
        assert status == 200, f"a valid request got {status}: {text[:300]!r}"
        predictions = json.loads(text)["predictions"]
        assert len(predictions) == n
        for p in predictions:
            assert 0.0 <= p["prob_response"] <= 1.0
            assert p["therapy_class"] in therapies
            shap = sorted(k for k in p if k.startswith("shap__"))
            shap_columns = shap_columns or shap
            assert shap
            assert shap == shap_columns

    kinds = {r[0] for r in results if r[0] >= 0}
    assert kinds == set(range(KINDS)), f"malformed kinds sent: {sorted(kinds)}"
    assert sum(r[0] >= 0 for r in results) == TOTAL // MALFORMED_EVERY

    growth = (rss_end - rss_warm) / rss_warm
    good = [r[4] * 1e3 for r in results if r[0] < 0]
    bad = [r[4] * 1e3 for r in results if r[0] >= 0]
    print(f"\n{TOTAL} requests, {CLIENTS} clients: good p50 {statistics.median(good):.1f} ms, "
          f"p99 {_percentile(good, 0.99):.1f} ms; malformed p50 {statistics.median(bad):.1f} ms, "
          f"p99 {_percentile(bad, 0.99):.1f} ms; server RSS {rss_warm / 1024:.1f} MiB after "
          f"warm-up, {rss_end / 1024:.1f} MiB at the end ({growth:+.1%})")
    assert growth < RSS_GROWTH_LIMIT, (f"server RSS grew {growth:.1%} under load "
                                       f"({rss_warm} KiB -> {rss_end} KiB)")
    assert proc.poll() is None, "the server exited under load"
    assert request(port, "GET", "/ping")[0] == 200
