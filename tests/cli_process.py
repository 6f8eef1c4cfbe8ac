"""Run ``python -m irpredict ARGS`` as a new process, without paying for its imports each time.

Most of a short ``irpredict`` command's time goes on importing mlflow, scikit-learn, shap and
pandas. :class:`ForkingLauncher` starts one helper process per test worker that imports those
libraries once and then, for each command, forks a child that imports irpredict and runs
``python -m irpredict ARGS`` as a fresh process would: its own pid, working folder,
environment, stdin from ``/dev/null``, stdout and stderr to files, exit status (a negative
status for a signal) and the interpreter's shutdown (threads joined, atexit handlers run,
output flushed) short of tearing down the preloaded modules.

What a fork cannot give is left to :func:`subprocess.run` (see :meth:`ForkingLauncher.can_run`):
an environment that changes how the interpreter starts (``PYTHON*``, locale variables such as
``LANG``), and anything the helper's imports would hide: the helper refuses to serve when its
imports wrote anything to stderr (a warning a real run would print) or left a thread running.
``IRPREDICT_TEST_FRESH_PROCESSES=1`` runs every command in a new interpreter.
"""

import atexit
import io
import json
import locale
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

#: Imported once by the helper: the libraries whose imports dominate a short command.
PRELOAD = (
    "numpy", "pandas", "scipy.stats", "sklearn.ensemble", "sklearn.linear_model",
    "sklearn.model_selection", "sklearn.calibration", "sklearn.metrics", "xgboost", "shap",
    "mlflow", "mlflow.pyfunc", "mlflow.store.tracking.sqlalchemy_store", "matplotlib.pyplot",
    "pandera.pandas", "rich.console", "typer", "jinja2",
)

#: Environment variables read as the interpreter starts: a command whose environment differs
#: from the helper's in one of these runs in its own interpreter.
#: (Libraries also read some of them once, on import: matplotlib's backend and config folder,
#: the temporary folder, numba's and the thread pools' settings.)
_STARTUP_PREFIXES = ("PYTHON", "LANG", "LC_", "HOME", "XDG_", "TMP", "TEMP", "MPL", "NUMBA_",
                     "OMP_", "OPENBLAS_", "MKL_")


def _startup_variables(env):
    return {k: v for k, v in env.items() if k.startswith(_STARTUP_PREFIXES)}


class LauncherUnavailable(RuntimeError):
    """The helper could not start cleanly; commands run with :func:`subprocess.run`."""


class ForkingLauncher:
    """A helper process that forks one ``python -m irpredict`` run per :meth:`run`."""

    def __init__(self, folder, env, startup_timeout=120):
        self.folder = Path(folder)
        self._startup = _startup_variables(env)
        self.socket_path = self.folder / "launcher.sock"
        self._log = open(self.folder / "launcher.log", "w+b")  # noqa: SIM115
        self._process = subprocess.Popen(
            [sys.executable, __file__, str(self.socket_path)], stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=self._log, env=dict(env))
        deadline = time.monotonic() + startup_timeout
        while not self.socket_path.exists():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise LauncherUnavailable(self._log_text() or "the helper did not start")
            time.sleep(0.05)

    def _log_text(self):
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def can_run(self, env):
        """Whether a command with environment ``env`` starts as the helper did."""
        return _startup_variables(env) == self._startup

    def run(self, args, cwd=None, env=None, timeout=600):
        """Run ``python -m irpredict ARGS``; like :func:`subprocess.run` with text output."""
        command = [sys.executable, "-m", "irpredict", *args]
        request = json.dumps({"args": list(args), "cwd": str(cwd or os.getcwd()),
                              "env": dict(env if env is not None else os.environ)})
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
                open(os.devnull, "rb") as stdin, \
                socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.connect(str(self.socket_path))
            except OSError as exc:
                raise LauncherUnavailable(f"the helper stopped answering ({exc}); "
                                          f"{self._log_text()}") from None
            socket.send_fds(conn, [request.encode()], [stdin.fileno(), out.fileno(),
                                                        err.fileno()])
            answers = _lines(conn)
            pid = int(next(answers))
            conn.settimeout(timeout)
            try:
                status = int(next(answers))
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                conn.settimeout(None)
                next(_lines(conn))  # the helper has reaped it
                raise subprocess.TimeoutExpired(command, timeout, _text(out),
                                                _text(err)) from None
            return subprocess.CompletedProcess(command, status, _text(out), _text(err))

    def close(self):
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._log.close()


def _lines(conn):
    """Lines the helper sends on ``conn``."""
    buffer = b""
    while True:
        while b"\n" not in buffer:
            chunk = conn.recv(64)
            if not chunk:
                raise LauncherUnavailable("the helper closed the connection")
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield line.decode()


def _text(file):
    """A captured file read as ``subprocess.run(text=True)`` reads a pipe."""
    file.seek(0)
    return io.TextIOWrapper(io.BytesIO(file.read()),
                            encoding=locale.getpreferredencoding(False)).read()


def run_cli(*args, cwd=None, timeout=600, env=None, fresh=False):
    """Run ``python -m irpredict ARGS`` in a new process, as a user would.

    The process is forked from a helper that has imported the heavy libraries already
    (:class:`ForkingLauncher`), unless ``fresh`` is true, the environment changes how an
    interpreter starts, the helper could not start cleanly, or
    ``IRPREDICT_TEST_FRESH_PROCESSES=1``: then it is a new interpreter.

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` and ``stderr`` as text.
    """
    full_env = _command_env()
    if env:
        full_env.update(env)
    args = [str(a) for a in args]
    forker = None if fresh else launcher()
    if forker is not None and forker.can_run(full_env):
        try:
            return forker.run(args, cwd=cwd, env=full_env, timeout=timeout)
        except LauncherUnavailable as exc:
            _LAUNCHER["launcher"] = None
            warnings.warn(f"the rest of the irpredict commands run in new interpreters: {exc}",
                          stacklevel=2)
    return subprocess.run(
        [sys.executable, "-m", "irpredict", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env=full_env,
    )


def _command_env():
    env = dict(os.environ)
    env.setdefault("MPLBACKEND", "Agg")
    env["COLUMNS"] = "200"
    return env


_LAUNCHER = {}


def launcher():
    """This process's :class:`ForkingLauncher`, started on first use (or None)."""
    if "launcher" not in _LAUNCHER:
        _LAUNCHER["launcher"] = None
        if os.environ.get("IRPREDICT_TEST_FRESH_PROCESSES") != "1":
            folder = tempfile.mkdtemp(prefix="irpredict-cli-")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            try:
                _LAUNCHER["launcher"] = ForkingLauncher(folder, _command_env())
            except LauncherUnavailable as exc:
                warnings.warn(f"every irpredict command runs in a new interpreter: {exc}",
                              stacklevel=2)
            else:
                atexit.register(_LAUNCHER["launcher"].close)
    return _LAUNCHER["launcher"]


# --- the helper process --------------------------------------------------------------------

def _serve(socket_path):
    """Accept requests; fork a child per request; report each child's pid and exit status.

    Returns only in a child, with its (request, file descriptors).
    """
    import gc
    import importlib
    import threading

    for name in PRELOAD:
        importlib.import_module(name)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fstat(2).st_size:
        sys.exit("refused: importing the preloaded libraries wrote to stderr")
    if threading.active_count() > 1:
        sys.exit(f"refused: importing the preloaded libraries left threads running: "
                 f"{[t.name for t in threading.enumerate()]}")
    gc.freeze()  # a child's collections then skip the preloaded objects
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path + ".tmp")
    listener.listen(16)
    os.rename(socket_path + ".tmp", socket_path)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    waiting = {}  # child pid -> connection to answer
    parent = os.getppid()
    while os.getppid() == parent:  # a test worker killed outright leaves no helper behind
        for _ready in selector.select(timeout=0.02):
            conn, _ = listener.accept()
            message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
            pid = os.fork()
            if pid == 0:
                selector.close()
                listener.close()
                conn.close()
                for other in waiting.values():
                    other.close()
                return json.loads(message), fds
            for fd in fds:
                os.close(fd)
            conn.sendall(f"{pid}\n".encode())
            waiting[pid] = conn
        while waiting:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            conn = waiting.pop(pid)
            try:
                conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            except OSError:  # the test stopped waiting
                pass
            conn.close()
    sys.exit(0)


def _become_the_command(request, fds):
    """Turn this forked child into ``python -m irpredict ARGS`` (never returns)."""
    import runpy

    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.argv = ["", *request["args"]]
    sys.path[0] = os.getcwd()  # as `python -m` puts the working folder first
    try:
        runpy.run_module("irpredict", run_name="__main__", alter_sys=True)
        status = 0
    except SystemExit as exc:
        status = _exit_status(exc.code)
    except BaseException as exc:  # noqa: BLE001 - reported as the interpreter reports it
        sys.excepthook(type(exc), exc, exc.__traceback__)
        status = -signal.SIGINT if isinstance(exc, KeyboardInterrupt) else 1
    _exit(status)


def _exit_status(code):
    """The exit status the interpreter gives ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _exit(status):
    """Shut down as the interpreter does, short of tearing down the preloaded modules.

    Threads are joined, atexit handlers run, unreachable objects are collected (closing the
    files they hold) and output is flushed; tearing down every preloaded module would add
    about a second to each command.
    """
    import atexit
    import gc
    import threading

    threading._shutdown()
    atexit._run_exitfuncs()
    gc.collect()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    if status == -signal.SIGINT:  # as the interpreter ends on an uncaught KeyboardInterrupt
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(status & 0xFF)


if __name__ == "__main__":
    _become_the_command(*_serve(sys.argv[1]))
