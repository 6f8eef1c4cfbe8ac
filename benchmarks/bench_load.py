"""`irpredict serve` under load: 16 clients, 10 % malformed requests, memory over time.

Model: the committed reference model (models/reference), served by the real
CLI (``irpredict serve``, one worker) on a free port of 127.0.0.1. The load
pattern is the one of tests/serving/test_srv_load.py: 5,000 requests (at
scale 1) from 16 keep-alive ``http.client`` threads; good requests carry
one to three patients as ``dataframe_split`` or ``dataframe_records``, and
every tenth request is malformed in one of ten ways (invalid JSON, short
rows, a missing column, text in a numeric column, an unknown therapy class,
an empty body, a text/plain Content-Type, a value a billion times too big,
JSON nested 100,000 deep, an integer beyond the float range).

Per repeat (3 at scale 1, alternating): the mixed run, and as baselines a
good-only run with the same 16 clients and a good-only run from 1 client
(the unloaded latency). Figures are medians over the repeats. Every answer
is checked (no 5xx; a 4xx for each malformed request); the server's
resident memory (VmRSS) is read after a warm-up of 300 requests and after
the last repeat. Ratios: baseline / figure for latency, figure / baseline
for throughput, figure / limit for the memory budget.
"""

import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.bench_serving import free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "reference"
CLIENTS = 16
MALFORMED_EVERY = 10
KINDS = ("invalid JSON", "short rows", "missing column", "text in a numeric column",
         "unknown therapy class", "empty body", "text/plain Content-Type", "absurd value",
         "JSON nested too deep", "integer beyond the float range")
WARM_UP = 300
RSS_BUDGET = 0.10
JSON_TYPE = "application/json"


def _get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _start_reference(folder, port):
    uri = f"sqlite:///{folder}/mlflow.db"
    return start_server([sys.executable, "-m", "irpredict", "serve", "--model", str(MODEL),
                         "--host", "127.0.0.1", "--port", str(port), "--tracking-uri", uri],
                        folder, uri, port)


def _rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _split(data, columns):
    return json.dumps({"dataframe_split": {"columns": columns, "data": data}}).encode()


def _malformed(kind, columns, rows):
    """The ``kind``-th way of getting a request wrong (see KINDS): (body, content type)."""
    row = list(rows[0])
    age = columns.index("age")
    if kind == 0:
        return b'{"dataframe_split": {"columns": ["age"], "data": [[61.0', JSON_TYPE
    if kind == 1:
        return _split([row[:-3]], columns), JSON_TYPE
    if kind == 2:
        keep = [j for j in range(len(columns)) if j != age]
        return _split([[row[j] for j in keep]], [columns[j] for j in keep]), JSON_TYPE
    if kind == 5:
        return b"", JSON_TYPE
    if kind == 6:
        return _split([row], columns), "text/plain"
    if kind == 8:
        return b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", JSON_TYPE
    column = columns.index("therapy_class") if kind == 4 else age
    row[column] = {3: "sixty-one", 4: "homeopathy", 7: 6.1e10, 9: 10**400}[kind]
    return _split([row], columns), JSON_TYPE


def _requests(n, therapies, malformed, seed):
    """``n`` requests as (malformed kind or -1, body, content type)."""
    split = json.loads((MODEL / "serving_input_example.json").read_text())["dataframe_split"]
    columns, rows = split["columns"], split["data"]
    t = columns.index("therapy_class")
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if malformed and i % MALFORMED_EVERY == MALFORMED_EVERY - 1:
            kind = (i // MALFORMED_EVERY) % len(KINDS)
            out.append((kind, *_malformed(kind, columns, rows)))
            continue
        picked = [list(r) for r in rng.sample(rows, rng.randint(1, 3))]
        for row in picked:
            row[t] = rng.choice(therapies)
        if rng.random() < 0.5:
            out.append((-1, _split(picked, columns), JSON_TYPE))
        else:
            records = [dict(zip(columns, r, strict=True)) for r in picked]
            out.append((-1, json.dumps({"dataframe_records": records}).encode(), JSON_TYPE))
    return out


def _blast(port, plan, clients, max_seconds):
    """Send ``plan`` from ``clients`` keep-alive connections; a summary dict."""
    results, lock, cursor = [], threading.Lock(), iter(range(len(plan)))
    deadline = time.monotonic() + max_seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                i = next(cursor, None)
            if i is None:
                break
            kind, body, ctype = plan[i]
            start = time.perf_counter()
            try:
                conn.request("POST", "/invocations", body, {"Content-Type": ctype})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                status = None
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                results.append((kind, status, time.perf_counter() - start))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    times = sorted(r[2] * 1e3 for r in results)
    good = [r for r in results if r[0] < 0]
    bad = [r for r in results if r[0] >= 0]
    return dict(
        n=len(results), planned=len(plan), rps=len(results) / elapsed,
        p50=statistics.median(times), p99=times[min(len(times) - 1, int(0.99 * len(times)))],
        errors_5xx=sum(r[1] is None or r[1] >= 500 for r in results),
        bad_not_4xx=sum(not (r[1] and 400 <= r[1] < 500) for r in bad),
        good_not_200=sum(r[1] != 200 for r in good), malformed=len(bad))


def run(scale=1.0):
    """Run the benchmark; returns BENCHMARKS.md rows."""
    n = max(500, int(5000 * scale))
    n_single = max(100, int(500 * scale))
    repeats = 3 if scale >= 0.5 else 1
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        port = free_port()
        proc = _start_reference(Path(tmp), port)
        try:
            therapies = json.loads(_get(port, "/version")[1])["therapies"]
            warm = _blast(port, _requests(WARM_UP, therapies, True, seed=99), CLIENTS, 120)
            rss_warm = _rss_mib(proc.pid)
            runs = {"mixed": [], "good": [], "single": []}
            for r in range(repeats):
                runs["mixed"].append(_blast(port, _requests(n, therapies, True, r), CLIENTS, 300))
                runs["good"].append(_blast(port, _requests(n, therapies, False, r), CLIENTS, 300))
                runs["single"].append(_blast(port, _requests(n_single, therapies, False, r), 1,
                                             300))
            rss_end = _rss_mib(proc.pid)
            alive = proc.poll() is None and _get(port, "/ping")[0] == 200
        finally:
            stop_server(proc)

    def med(name, key):
        return statistics.median(x[key] for x in runs[name])

    all_runs = [warm, *(x for v in runs.values() for x in v)]
    errors = sum(x["errors_5xx"] for x in all_runs)
    bad_not_4xx = sum(x["bad_not_4xx"] for x in all_runs)
    good_not_200 = sum(x["good_not_200"] for x in all_runs)
    short = sum(x["planned"] - x["n"] for x in all_runs)
    malformed = sum(x["malformed"] for x in all_runs)
    sent = sum(x["n"] for x in all_runs)
    growth = (rss_end - rss_warm) / rss_warm
    load = f"{n:,} requests, {CLIENTS} clients, 10 % malformed"
    rep = f"median of {repeats} repeat{'s' * (repeats > 1)}"
    b_single = "1 client, good requests only (same server, same run)"
    b_good = f"{CLIENTS} clients, good requests only (same server, same run)"
    p50, p99, rps = med("mixed", "p50"), med("mixed", "p99"), med("mixed", "rps")
    return [
        dict(benchmark="load", figure=f"p50 latency ({load})", value=p50, unit="ms",
             baseline=b_single, baseline_value=med("single", "p50"),
             ratio=med("single", "p50") / p50,
             notes=f"{rep}; ratio = baseline / figure (one worker: {CLIENTS} clients queue); "
                   "reported, no target"),
        dict(benchmark="load", figure=f"p99 latency ({load})", value=p99, unit="ms",
             baseline=b_good, baseline_value=med("good", "p99"), ratio=med("good", "p99") / p99,
             notes=f"{rep}; ratio = baseline / figure; reported, no target"),
        dict(benchmark="load", figure=f"throughput ({load})", value=rps, unit="req/s",
             baseline=b_good, baseline_value=med("good", "rps"), ratio=rps / med("good", "rps"),
             notes=f"{rep}; ratio = figure / baseline; 1 client: {med('single', 'rps'):.0f} "
                   "req/s; 1 to 3 patients per good request"),
        dict(benchmark="load", figure="5xx answers or requests lost", value=errors,
             unit="requests", baseline="requests sent (all runs)", baseline_value=sent,
             ratio=errors / sent, target="0", met=bool(errors == 0 and short == 0 and alive),
             notes=f"{good_not_200} good requests not answered 200; {short} not sent within "
                   f"the time limit; server {'alive' if alive else 'DEAD'} at the end"),
        dict(benchmark="load", figure="malformed requests not answered 4xx", value=bad_not_4xx,
             unit="requests", baseline="malformed requests sent", baseline_value=malformed,
             ratio=bad_not_4xx / max(malformed, 1), target="0", met=bool(bad_not_4xx == 0),
             notes=f"{len(KINDS)} kinds: {', '.join(KINDS)}"),
        dict(benchmark="load", figure="server resident memory growth under load",
             value=growth * 100, unit="%", baseline=f"{RSS_BUDGET:.0%} budget",
             baseline_value=RSS_BUDGET * 100, ratio=growth / RSS_BUDGET,
             target=f"< {RSS_BUDGET:.0%}", met=bool(growth < RSS_BUDGET),
             notes=f"VmRSS {rss_warm:.1f} MiB after {WARM_UP} warm-up requests, {rss_end:.1f} "
                   f"MiB after {sent - WARM_UP:,} more"),
    ]

if __name__ == "__main__":
    for row in run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0):
        print(row)
