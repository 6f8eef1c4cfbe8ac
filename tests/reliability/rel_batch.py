"""Run many ``irpredict`` command lines in one interpreter (the corpus's batch runner).

Usage: ``python rel_batch.py CASES.json RESULTS.json`` where CASES.json is a
list of ``{"id", "argv", "cwd"}``. Each case goes through
:func:`irpredict.cli.main` exactly as ``python -m irpredict ARGV`` would, in
its own working directory, with stdout and stderr captured; an exception that
escapes ``main`` is recorded as a traceback in the case's stderr. Importing
pandas, scikit-learn and MLflow once instead of once per case is what makes a
corpus of dozens of cases affordable; ``test_rel_corpus`` checks on a sample
that this runner gives the same answers as separate processes.
"""

import contextlib
import io
import json
import os
import sys
import time
import traceback


def run_one(main, argv, cwd):
    """(exit status, stdout, stderr, seconds) of ``irpredict ARGV`` run in ``cwd``."""
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    os.chdir(cwd)
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - recorded as the traceback a user would see
            traceback.print_exc()
            code = 99
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - started


def main():
    cases_file, results_file = sys.argv[1:3]
    with open(cases_file) as handle:
        cases = json.load(handle)
    from irpredict.cli import main as cli_main

    results = {}
    for case in cases:
        code, out, err, seconds = run_one(cli_main, case["argv"], case["cwd"])
        results[case["id"]] = {"returncode": code, "stdout": out, "stderr": err,
                               "seconds": seconds}
    with open(results_file, "w") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    main()
