"""Serving one patient with explanations: `irpredict serve` vs `mlflow models serve`.

Model: a study trained with ``irpredict train`` on 300 simulated patients
(XGBoost per therapy class, every feature up to the day-42 landmark) and
registered in a temporary SQLite store. The same registered model is served
by ``irpredict serve`` and by ``mlflow models serve --env-manager local``
(one worker each), both on 127.0.0.1, in the same run.

Figures: the p50 latency of single-patient ``dataframe_records`` requests
from one client (keep-alive ``http.client``, median of N requests after a
warm-up), and with 8 concurrent client threads the throughput (requests per
second over a bounded number of requests and seconds) and the p99 latency.
Baseline: the same for ``mlflow models serve``. Ratio = baseline / figure
for latency, figure / baseline for throughput.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

STUDY = """
[study]
name = "bench_serving"
description = "serving benchmark"

[data]
simulate = { patients = 300, seed = 11 }
label = "response"

[data.columns]
exclude = ["response_definition"]

[feature_sets]
on_treatment = ["age", "ecog", "liver_mets", "her2_ihc", "er_status", "measurements:*"]

[model]
families = ["xgboost"]
outer_folds = 2
inner_folds = 2
n_bootstrap = 20
final_family = "xgboost"
final_feature_set = "on_treatment"
"""
MODEL_URI = "models:/bench_serving@champion"
CLIENTS = 8


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tracking_uri):
    env = dict(os.environ, MLFLOW_TRACKING_URI=tracking_uri)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def start_server(args, folder, tracking_uri, port, timeout=180):
    """Start a server process and wait until ``/ping`` answers 200."""
    proc = subprocess.Popen(args, cwd=folder, env=_env(tracking_uri), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{args[:4]} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"{args[:4]} not ready after {timeout} s")


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _client(port, body, n, deadline, times):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    for _ in range(n):
        if time.monotonic() > deadline:
            break
        t = time.perf_counter()
        conn.request("POST", "/invocations", body, headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"status {resp.status}")
        times.append(time.perf_counter() - t)
    conn.close()


def _measure(port, body, n_single, n_each, max_seconds):
    _client(port, body, 20, time.monotonic() + 60, [])  # warm-up
    single = []
    _client(port, body, n_single, time.monotonic() + max_seconds, single)
    times = [[] for _ in range(CLIENTS)]
    deadline = time.monotonic() + max_seconds
    threads = [threading.Thread(target=_client, args=(port, body, n_each, deadline, t))
               for t in times]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    flat = sorted(x for t in times for x in t)
    p99 = flat[min(len(flat) - 1, int(0.99 * len(flat)))]
    return statistics.median(single) * 1e3, len(flat) / elapsed, p99 * 1e3, len(flat)


def _body(folder, tracking_uri):
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    example = mlflow.pyfunc.load_model(MODEL_URI).input_example
    return json.dumps({"dataframe_records": json.loads(example.head(1).to_json(
        orient="records"))}).encode()


def run(scale=1.0):
    """Run the benchmark; returns BENCHMARKS.md rows."""
    n_single = max(50, int(400 * scale))
    n_each = max(25, int(150 * scale))
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as tmp:
        folder = Path(tmp)
        (folder / "study.toml").write_text(STUDY)
        uri = f"sqlite:///{folder}/mlflow.db"
        subprocess.run([sys.executable, "-m", "irpredict", "train", "study.toml",
                        "--tracking-uri", uri], cwd=folder, env=_env(uri), check=True,
                       capture_output=True)
        body = _body(folder, uri)
        results = {}
        for name, args in (
                ("irpredict", [sys.executable, "-m", "irpredict", "serve", "--model", MODEL_URI,
                               "--tracking-uri", uri]),
                ("mlflow", [sys.executable, "-m", "mlflow", "models", "serve", "-m", MODEL_URI,
                            "--env-manager", "local", "-h", "127.0.0.1", "-w", "1"])):
            port = free_port()
            proc = start_server([*args, "--port" if name == "irpredict" else "-p", str(port)],
                          folder, uri, port)
            try:
                results[name] = _measure(port, body, n_single, n_each, max_seconds=60)
            finally:
                stop_server(proc)
    (p50, rps, p99, n), (m_p50, m_rps, m_p99, m_n) = results["irpredict"], results["mlflow"]
    base = "mlflow models serve --env-manager local (same model, same run)"
    return [
        dict(benchmark="serving", figure="irpredict serve, 1 patient + SHAP, p50 (1 client)",
             value=p50, unit="ms", baseline=base, baseline_value=m_p50, ratio=m_p50 / p50,
             target="< 10 ms", met=bool(p50 < 10),
             notes=f"median of {n_single} requests; budget < 10 ms"),
        dict(benchmark="serving", figure=f"irpredict serve, throughput ({CLIENTS} clients)",
             value=rps, unit="req/s", baseline=base, baseline_value=m_rps, ratio=rps / m_rps,
             target=">= 2x mlflow", met=bool(rps >= 2 * m_rps),
             notes=f"{n} vs {m_n} requests; budget >= 2x mlflow"),
        dict(benchmark="serving", figure=f"irpredict serve, p99 ({CLIENTS} clients)",
             value=p99, unit="ms", baseline=base, baseline_value=m_p99, ratio=m_p99 / p99,
             target="< 50 ms", met=bool(p99 < 50),
             notes="budget < 50 ms"),
    ]


if __name__ == "__main__":
    for row in run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0):
        print(row)
