"""The ``irpredict`` command line.

One module per command (``_validate.py``, ``_simulate.py``, ...); each defines
``command`` with typer annotations and keeps heavy imports inside the function
body so that ``irpredict --help`` starts quickly. Errors raised on purpose
(:class:`irpredict.exceptions.IRPredictError`) are caught here, at the
boundary, and printed as one line with exit status 1.
"""

import importlib
import os
import sys

import typer

from irpredict import __version__
from irpredict._interrupts import PENDING as _PENDING
from irpredict._interrupts import SIGNALLED as _SIGNALLED
from irpredict._interrupts import Terminated
from irpredict.exceptions import IRPredictError

__all__ = ["app", "main"]

#: (command name, module) in the order ``--help`` lists them.
COMMANDS = (
    ("demo", "_demo"),
    ("simulate", "_simulate"),
    ("validate", "_validate"),
    ("assess-response", "_assess_response"),
    ("screen", "_screen"),
    ("features", "_features"),
    ("train", "_train"),
    ("evaluate", "_evaluate"),
    ("export", "_export"),
    ("serve", "_serve"),
    ("explain", "_explain"),
    ("report", "_report"),
    ("landmarks", "_landmarks"),
    ("monitor", "_monitor"),
)

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version_callback(value: bool):
    if value:
        typer.echo(f"irpredict {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True,
        help="Print the version and exit.",
    ),
):
    """Predict and monitor response to immunotherapy in breast cancer.

    Start with 'irpredict demo', or 'irpredict simulate --out cohort/' followed by
    'irpredict validate cohort/'. Each command's --help has an example.

    Example: irpredict demo --out out/demo
    """


for _name, _module in COMMANDS:
    _mod = importlib.import_module(f"irpredict.cli.{_module}")
    app.command(_name)(_mod.command)


def _print_error(message):
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/bold red] {message}", markup=True, emoji=False,
    )


def _quiet_libraries():
    """Keep library warnings (sklearn, xgboost, mlflow, ...) off the user's screen."""
    import warnings

    if not os.environ.get("IRPREDICT_DEBUG"):
        warnings.filterwarnings(
            "ignore", module=r"(sklearn|xgboost|mlflow|shap|pandas|numpy|matplotlib)(\.|$)")

    from irpredict.exceptions import DataWarning, MissingFeatureWarning, SparseTrajectoryWarning

    ours = (DataWarning, MissingFeatureWarning, SparseTrajectoryWarning)
    default = warnings.showwarning
    shown = set()  # the same data checked twice in one command is said once

    def show(message, category, filename, lineno, file=None, line=None):
        if "missing from font" in str(message) or "constrained_layout not applied" in str(
                message):  # matplotlib, about a name it cannot draw: said once, in our words
            message = ("some names (e.g. columns in a non-Latin script, or very long ones) "
                       "cannot be drawn well in the plots: they show as boxes or squeeze the "
                       "figure. Shorter Latin-script column names avoid it")
            category = DataWarning
        if not issubclass(category, ours):
            return default(message, category, filename, lineno, file, line)
        if str(message) in shown:
            return None
        shown.add(str(message))
        from rich.console import Console

        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"[bold yellow]warning:[/bold yellow] {_escape(str(message))}", markup=True,
            emoji=False)
        return None

    warnings.showwarning = show


def _raise_terminated(signum, frame):
    """SIGTERM and SIGINT: raise the interrupt where Python will not swallow it."""
    import signal

    if signum == signal.SIGALRM:  # a deferred delivery
        signum = _PENDING[-1] if _PENDING else signal.SIGTERM
    if _in_finalizer(frame) or _in_native_callback(frame):
        # raised inside a weakref callback, __del__ or a callback from XGBoost's C++ code, the
        # exception would be printed and ignored, and the run would go on
        _deliver_later(signum)
        return
    _PENDING.clear()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    _SIGNALLED.append(signum)  # typer turns the interrupt into exit status 130
    raise Terminated


def _redeliver_swallowed(unraisable, default=sys.unraisablehook):
    """An interrupt raised where Python only prints and ignores it (a weakref callback the
    handler could not recognise, e.g. one defined by a library as a lambda): deliver it again
    in 10 ms instead of letting the run go on, and print nothing."""
    import signal

    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        return default(unraisable)
    _deliver_later(signal.SIGTERM if isinstance(unraisable.exc_value, Terminated)
                   else signal.SIGINT)
    return None


def _deliver_later(signum):
    """Raise the interrupt of ``signum`` again in 10 ms, from wherever the run is then."""
    import signal

    _PENDING.append(signum)
    signal.signal(signal.SIGALRM, _raise_terminated)
    signal.setitimer(signal.ITIMER_REAL, 0.01)


def _in_finalizer(frame):
    while frame is not None:
        code = frame.f_code
        if code.co_name == "__del__" or code.co_filename.endswith(("weakref.py",
                                                                     "_weakrefset.py")):
            return True
        frame = frame.f_back
    return False


def _in_native_callback(frame):
    """Whether Python code runs inside XGBoost (its C++ core calls back into Python)."""
    import os.path

    marker = f"{os.path.sep}xgboost{os.path.sep}"
    while frame is not None:
        if marker in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def main(argv=None):
    """Run the command line; exit status 1 with one message on bad input."""
    import signal

    _quiet_libraries()
    if _narrow_terminal():
        app.rich_markup_mode = None  # rich's option tables cut long words below 100 columns
    # an MLflow run interrupted by SIGTERM is marked KILLED, as one interrupted by Ctrl+C
    signal.signal(signal.SIGTERM, _raise_terminated)
    signal.signal(signal.SIGINT, _raise_terminated)
    sys.unraisablehook = _redeliver_swallowed
    try:
        _refuse_empty_arguments(sys.argv[1:] if argv is None else list(argv))
        app(args=argv, prog_name="irpredict", standalone_mode=True)
    except IRPredictError as exc:
        _print_error(_escape(str(exc)))
        sys.exit(1)
    except (KeyboardInterrupt, SystemExit) as exc:
        if _SIGNALLED:
            _print_error("terminated")
            sys.exit(128 + signal.SIGTERM)
        if isinstance(exc, SystemExit):
            if exc.code == 2:  # click's status for a usage error: bad input like any other
                sys.exit(1)
            if exc.code == 130:  # typer's status for Ctrl+C
                _print_error("interrupted")
            raise
        _print_error("interrupted")
        sys.exit(130)
    except OSError as exc:  # a file that cannot be read or written (full disk, a file as folder)
        _print_error(_escape(_os_error_message(exc)))
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - last resort: no traceback for users
        if os.environ.get("IRPREDICT_DEBUG"):
            raise
        _print_error(
            _escape(f"unexpected {type(exc).__name__}: {exc}")
            + " (set IRPREDICT_DEBUG=1 to see the traceback)"
        )
        sys.exit(1)


def _refuse_empty_arguments(args):
    """An empty path would mean the current folder: ``--out ""`` must not write there."""
    from irpredict.exceptions import ExperimentConfigError

    modules = dict(COMMANDS)
    if not args or args[0] not in modules:
        return
    options, positional = _path_parameters(
        importlib.import_module(f"irpredict.cli.{modules[args[0]]}").command)
    for i, arg in enumerate(args[1:], start=1):
        if arg == "--":
            return
        before = args[i - 1]
        if arg == "" and before in options:
            what = f"{before} is given an empty value"
        elif arg == "" and positional and not before.startswith("-"):
            what = "an argument is empty"
        elif arg.endswith("=") and arg[:-1] in options:
            what = f"{arg[:-1]} is given an empty value"
        else:
            continue
        raise ExperimentConfigError(
            f"{what}; give it a path (an empty path would mean the current folder)")


def _path_parameters(function):
    """Option names of a command's path parameters, and whether it takes a path argument."""
    import inspect
    import typing
    from pathlib import Path

    from typer.models import ArgumentInfo, OptionInfo

    hints = typing.get_type_hints(function, include_extras=True)
    options, positional = set(), False
    for name, parameter in inspect.signature(function).parameters.items():
        hint, info = hints.get(name), parameter.default
        if typing.get_origin(hint) is typing.Annotated:
            hint, *extras = typing.get_args(hint)
            info = next((e for e in extras if isinstance(e, ArgumentInfo | OptionInfo)), info)
        if not (hint is Path or Path in typing.get_args(hint)):
            continue
        if isinstance(info, ArgumentInfo):
            positional = True
        elif isinstance(info, OptionInfo):
            options |= set(info.param_decls or (f"--{name.replace('_', '-')}",))
    return options, positional


def _narrow_terminal():
    import shutil

    return shutil.get_terminal_size().columns < 100


def _os_error_message(exc):
    import errno

    hints = {errno.ENOTDIR: "a part of the path is a file, not a folder",
             errno.EEXIST: "a part of the path is a file, not a folder",
             errno.ENOSPC: "free some disk space", errno.EDQUOT: "free some disk space",
             errno.EFBIG: "the file is larger than this system allows",
             errno.EACCES: "check the permissions", errno.EPERM: "check the permissions",
             errno.EROFS: "the file system is read-only"}
    where = f" {exc.filename}" if exc.filename else ""
    hint = hints.get(exc.errno, "check the path, free disk space and permissions")
    return f"cannot read or write{where}: {exc.strerror or exc}; {hint}"


def _escape(text):
    from rich.markup import escape

    return escape(text)
