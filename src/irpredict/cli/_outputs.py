"""Writing command outputs without leaving anything half-written."""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from irpredict._files import default_file_mode
from irpredict.exceptions import IRPredictError

__all__ = ["staged_folder", "atomic_path", "check_output_file", "check_output_folder",
           "refuse_overwriting_inputs", "cohort_input_files", "OutputError"]


class OutputError(IRPredictError, OSError):
    """An output folder or file cannot be written."""


def _nearest_existing(path):
    return next(p for p in (path, *path.parents) if p.exists())


def _require_writable_folder(path, folder, *, probe=True):
    """``folder`` (where ``path`` goes) takes new files; ``probe`` tries creating one, for the
    checks made before a command's work (writing a file tries it anyway)."""
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: {folder} is a file, not a folder; choose "
                          "another --out")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"cannot write {path}: the folder {folder} is not writable; choose "
                          "another --out")
    if not probe:
        return
    import tempfile

    try:  # os.access says yes to root everywhere; /proc, a read-only mount still refuse
        os.rmdir(tempfile.mkdtemp(prefix=".irpredict-check-", dir=folder))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: nothing can be created in {folder} "
                          f"({exc.strerror}); choose another --out") from None


def _check_parent(path, *, probe=True):
    """The folder ``path`` goes in; missing folders above it are fine (they are created)."""
    parent = path.parent if str(path.parent) else Path(".")
    _require_writable_folder(path, _nearest_existing(parent), probe=probe)
    return parent


@contextlib.contextmanager
def staged_folder(out):
    """Yield a temporary folder beside ``out``; on success move its files into ``out``.

    Nothing appears in ``out`` unless the block finishes: files are written to
    a hidden sibling folder and renamed into place one by one at the end.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} exists and is not a folder; choose a folder")
    check_output_folder(out)
    try:  # an output folder is created with its parents, as check_output_folder promised
        out.absolute().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {out.parent}: {exc.strerror or exc}; "
                          "choose another --out") from exc
    parent = _check_parent(out.absolute(), probe=False)  # mkdtemp below is the probe
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot write to {parent}: {exc.strerror}") from exc
    try:
        yield tmp
        out.mkdir(exist_ok=True)
        items = list(tmp.iterdir())
        blocked = [out / i.name for i in items if (out / i.name).is_dir() != i.is_dir()
                   and (out / i.name).exists()]
        if blocked:  # said before any file moves, so nothing is half-written
            raise OutputError(f"cannot write {blocked[0]}: a "
                              f"{'folder' if blocked[0].is_dir() else 'file'} of that name is "
                              f"in the way in {out}; move it or choose another --out")
        for item in items:
            os.replace(item, out / item.name)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to {out}: {exc.strerror or exc}; check free space "
                          "and permissions") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_output_file(path):
    """Raise :class:`OutputError` now if ``path`` cannot be written as a file.

    Commands call it before their work, so that a wrong ``--out`` is said at once,
    not after minutes of computing. Missing folders on the way are fine: they are
    created when the file is written.
    """
    return _file_parent(Path(path), probe=True)


def _file_parent(path, *, probe):
    parent = _check_parent(path.absolute(), probe=probe)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder; give a file name")
    return parent


def check_output_folder(out):
    """Raise :class:`OutputError` now if the folder ``out`` cannot be created or written.

    Missing parent folders are fine (they are created when the outputs are
    written); a file in the way or an unwritable ancestor is not.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} exists and is not a folder; choose a folder")
    _require_writable_folder(out, _nearest_existing(out.absolute()))


def refuse_overwriting_inputs(outputs, inputs):
    """Raise :class:`OutputError` if an output path is one of the input files.

    Parameters
    ----------
    outputs : iterable of path-like, or dict of path-like to str
        Files the command is about to write; as a dict, each with the option that
        names it (default ``--out``).
    inputs : iterable of path-like
        Files the command read (cohort tables, the experiment file).
    """
    options = outputs if isinstance(outputs, dict) else dict.fromkeys(outputs, "--out")
    read = {}
    for item in inputs:
        if item is not None and Path(item).exists():
            read[Path(item).resolve()] = Path(item)
    for out, option in options.items():
        if out is not None and Path(out).resolve() in read:
            raise OutputError(
                f"cannot write {out}: it is an input of this command "
                f"({read[Path(out).resolve()]}) and would be overwritten; choose another "
                f"{option}")


def tracking_store_files(tracking_uri=None):
    """The SQLite file of the MLflow store a command reads or writes (empty for a server).

    Outputs are checked against it with :func:`refuse_overwriting_inputs`: a report written
    over ``mlruns/mlflow.db`` would lose every run.
    """
    from irpredict.tracking.store import store_file

    path = store_file(tracking_uri)
    return [] if path is None else [path]


def cohort_input_files(source):
    """The files a command reads for ``source``: itself, a folder's files, an experiment's data.

    An experiment file that cannot be read is left to the command to report.
    """
    source = Path(source)
    files = [source]
    if source.is_dir():
        files += [p for p in source.iterdir() if p.is_file()]
    elif source.suffix.lower() == ".toml" and source.is_file():
        from irpredict.exceptions import IRPredictError
        from irpredict.experiment import load_experiment

        try:
            data = load_experiment(source).data
        except (IRPredictError, OSError, ValueError):
            return files
        for where in (data.source, data.folder):
            if where is not None:
                files += cohort_input_files(where)
        mapping = data.mapping
        files += [m.file for m in (mapping.measurements if mapping else ()) if m.file]
        if mapping is not None and mapping.tumor_assessments is not None:
            files.append(mapping.tumor_assessments.file)
    return [f for f in files if f is not None]


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The folder of ``path`` is created, with its parents, if it does not exist.
    """
    path = Path(path)
    parent = _file_parent(path, probe=False)  # the temporary file below is the probe
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: cannot create the folder {parent} "
                          f"({exc.strerror or exc}); choose another --out") from exc
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    os.close(fd)
    os.chmod(tmp, default_file_mode())  # as a plain open() would create it, not mkstemp's 0600
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}; check free space "
                          "and permissions") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
