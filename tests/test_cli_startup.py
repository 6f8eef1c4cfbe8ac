"""`irpredict --help` starts without the heavy libraries.

Start-up time itself is measured by ``benchmarks/bench_cli.py`` (timing
asserts are not made in tests); here each help screen is run with Python's
import profiler (``PYTHONPROFILEIMPORTTIME=1``, the same as ``-X importtime``)
and the modules it loaded are checked.
"""

import subprocess
import sys

import pytest

from irpredict.cli import COMMANDS

#: Libraries that cost tenths of a second each to import; commands load them when they run.
HEAVY = ("numpy", "pandas", "scipy", "sklearn", "xgboost", "shap", "mlflow", "matplotlib",
         "pandera")


def imported_modules(stderr):
    """Names of the modules in ``-X importtime`` output (stderr of the process)."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                names.add(name)
    return names


def _help(cli, *args):
    result = cli(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    modules = imported_modules(result.stderr)
    assert "irpredict.cli" in modules, "the import profile was not captured"
    return result, modules


def test_help_loads_none_of_the_heavy_libraries(cli):
    result, modules = _help(cli, "--help")
    for name, _ in COMMANDS:
        assert name in result.stdout
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, f"irpredict --help imported {heavy[:10]}; import them inside commands"


@pytest.mark.parametrize("command", [name for name, _ in COMMANDS])
def test_command_help_loads_none_of_the_heavy_libraries(cli, command):
    result, modules = _help(cli, command, "--help")
    assert "Usage" in result.stdout
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not heavy, (f"irpredict {command} --help imported {heavy[:10]}; import them inside "
                       "the command function")


def test_the_import_profile_parser_sees_a_heavy_import():
    # The checks above are only as good as the parsing: a process that loads pandas shows it.
    probe = subprocess.run([sys.executable, "-X", "importtime", "-c", "import pandas"],
                           capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert {"pandas", "numpy"} <= imported_modules(probe.stderr)
