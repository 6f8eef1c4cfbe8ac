from pathlib import Path

import pytest

from irpredict import __version__


def test_version(cli):
    result = cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_lists_commands(cli):
    result = cli("--help")
    assert result.returncode == 0
    for name in ("demo", "simulate", "validate"):
        assert name in result.stdout
    assert "Example: irpredict demo --out out/demo" in result.stdout


@pytest.mark.parametrize(("args", "named"), [
    (("no-such-command",), "No such command"),
    (("evaluate", "--data", "cohort.csv"), "--model"),                   # a required option
    (("assess-response", "scans.csv", "--criteria", "recist2"), "--criteria"),  # a choice
])
def test_usage_errors_exit_1_like_any_bad_input(cli, tmp_path, args, named):
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "named"), [
    (("simulate", "--patients", "20", "--out", ""), "--out is given an empty value"),
    (("simulate", "--patients", "20", "--out="), "--out is given an empty value"),
    (("validate", ""), "an argument is empty"),
])
def test_an_empty_path_is_refused_not_read_as_the_current_folder(cli, tmp_path, args, named):
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_sigterm_inside_a_finalizer_is_deferred_not_lost():
    """An exception raised from a __del__ or weakref callback is printed and ignored, so the
    SIGTERM handler must recognise those frames and deliver the interrupt again later."""
    import sys

    from irpredict.cli import _in_finalizer

    seen = {}

    class Finalized:
        def __del__(self):
            seen["in __del__"] = _in_finalizer(sys._getframe())

    Finalized()
    assert seen == {"in __del__": True}
    assert _in_finalizer(sys._getframe()) is False


_SWALLOWED = """
import os, signal, sys, time, weakref
from irpredict import cli
signal.signal(signal.SIGTERM, cli._raise_terminated)
sys.unraisablehook = cli._redeliver_swallowed
class Node:
    pass
node = Node()
# a library's weakref callback, defined as a lambda outside weakref.py: no frame tells the
# handler it runs in a callback whose exceptions Python prints and ignores
ref = weakref.ref(node, lambda _: os.kill(os.getpid(), signal.SIGTERM))
try:
    del node
    time.sleep(5)
    print("lost")
except KeyboardInterrupt as exc:
    print("delivered", type(exc).__name__)
"""


def test_sigterm_swallowed_in_an_unrecognised_callback_is_delivered_again():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _SWALLOWED], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "delivered Terminated", done.stderr
    assert "Exception ignored" not in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_an_output_folder_nothing_can_be_created_in_is_refused_before_any_work(tmp_path):
    from irpredict.cli._outputs import OutputError, check_output_folder

    # os.access reports /proc writable to root; creating anything there still fails
    with pytest.raises(OutputError, match=r"cannot write /proc/irpredict-out/x: nothing can "
                                          r"be created in /proc"):
        check_output_folder("/proc/irpredict-out/x")
    check_output_folder(tmp_path / "new" / "folder")  # missing parents are fine
    assert list(tmp_path.iterdir()) == []  # the check leaves nothing behind
