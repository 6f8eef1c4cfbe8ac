"""The helper that forks ``irpredict`` commands (``cli_process``) gives what a new interpreter
gives: the same exit status, output and files, in the command's own folder and environment."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_process import launcher, run_cli


@pytest.fixture(scope="module")
def forking():
    if launcher() is None:
        pytest.skip("the forking helper is off or did not start (a warning says why): every "
                    "command already runs in a new interpreter")
    return launcher()


COMMANDS = {
    "writes a cohort": ["simulate", "--patients", "40", "--seed", "3", "--out", "cohort"],
    "refuses a missing file": ["validate", "missing.toml"],
    "refuses an unknown option": ["train", "--no-such-option"],
    "prints help": ["assess-response", "--help"],
}


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_forked_command_matches_a_new_interpreter(forking, tmp_path, args):
    (tmp_path / "forked").mkdir()
    (tmp_path / "fresh").mkdir()
    forked = run_cli(*args, cwd=tmp_path / "forked")
    fresh = run_cli(*args, cwd=tmp_path / "fresh", fresh=True)
    assert (forked.returncode, forked.stdout, forked.stderr) == \
        (fresh.returncode, fresh.stdout, fresh.stderr)
    written = sorted(p.relative_to(tmp_path / "forked") for p in (tmp_path / "forked").rglob("*"))
    assert written == sorted(p.relative_to(tmp_path / "fresh")
                             for p in (tmp_path / "fresh").rglob("*"))
    if args[0] == "simulate":
        assert written
        assert forked.returncode == 0
        for name in ("patients.csv", "measurements.csv"):
            assert (tmp_path / "forked" / "cohort" / name).read_bytes() == \
                (tmp_path / "fresh" / "cohort" / name).read_bytes()


def test_the_command_sees_its_own_environment(forking, tmp_path):
    narrow = run_cli("simulate", "--help", env={"COLUMNS": "60"})
    wide = run_cli("simulate", "--help")
    assert narrow.returncode == wide.returncode == 0
    assert max(map(len, narrow.stdout.splitlines())) <= 60
    assert max(map(len, wide.stdout.splitlines())) > 60


def test_a_command_past_its_timeout_is_stopped(forking, tmp_path):
    with pytest.raises(subprocess.TimeoutExpired):
        run_cli("simulate", "--patients", "5000", "--seed", "1", "--out", "big", cwd=tmp_path,
                timeout=0.3)
    time.sleep(5)  # a command left running would have written its cohort by now (~1.5 s)
    assert not (tmp_path / "big").exists()


def test_the_helper_of_a_worker_that_died_does_not_outlive_it(forking, tmp_path):
    # a test worker killed outright runs no atexit handler: its helper must go by itself
    script = ("import os, sys; sys.path.insert(0, sys.argv[1]); from cli_process import launcher;"
              " print(launcher()._process.pid, flush=True); os._exit(0)")
    worker = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent)],
                            capture_output=True, text=True, timeout=300)
    helper = int(worker.stdout.split()[0])
    for _ in range(100):
        status = Path(f"/proc/{helper}/status")
        if not status.exists() or "\nState:\tZ" in status.read_text():
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the helper {helper} is still running 10 s after its worker ended")
