"""The `irpredict serve` process: it holds its port from the start and stops cleanly."""

import subprocess
import sys
import time

from srv_helpers import free_port, stop, wait_ready


def test_a_second_server_on_a_taken_port_fails_at_once_and_sigterm_stops_cleanly(repo_root):
    port = free_port()
    command = [sys.executable, "-m", "irpredict", "serve", "--model",
               str(repo_root / "models" / "reference"), "--port", str(port)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    try:
        time.sleep(1.5)  # the first server is loading its model: the port is already its own
        second = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1, second.stderr
        assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
        assert "serving" not in second.stderr
        assert "Traceback" not in second.stderr
        wait_ready(first, port)
    finally:
        stop(first)
    out = first.stdout.read()
    assert first.returncode == 0, out
    assert "server stopped" in out
    assert "error" not in out
