"""Helpers shared by the serving tests (a plain module, so imports are unambiguous)."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim_study import simulated_study

STUDY = simulated_study("srv", patients=300, seed=5, families=("xgboost",), outer_folds=2)

MODEL_URI = "models:/srv@champion"


def free_port():
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port, method, path, body=None, timeout=30, content_type="application/json"):
    """One HTTP request to 127.0.0.1:port; returns (status, parsed JSON or text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
        conn.request(method, path, data, {"Content-Type": content_type})
        resp = conn.getresponse()
        text = resp.read().decode()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(text)
    except ValueError:
        return resp.status, text


def wait_ready(proc, port, path="/ping", timeout=120):
    """Wait until GET path answers 200 (fail with the server's output otherwise)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"server exited with {proc.returncode}: {out[-2000:]}")
        try:
            if request(port, "GET", path, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"server on port {port} not ready after {timeout} s")


def stop(proc):
    """Terminate a server process (kill it if it does not stop)."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def server_env(tracking_uri):
    env = dict(os.environ)
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env
