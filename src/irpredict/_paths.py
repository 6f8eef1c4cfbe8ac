"""Paths written in experiment files: ``${VAR}`` and ``${VAR:-default}`` expanded, ``~``
and relative paths resolved against the experiment file's folder."""

import os
import re
from pathlib import Path

from irpredict.exceptions import ExperimentConfigError

__all__ = ["SHARED_DATA_ENV", "resolve_path"]

#: Environment variable naming the folder of the shared cohorts.
SHARED_DATA_ENV = "IRPREDICT_SHARED_DATA"

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _repo_root(start):
    for folder in [start, *start.parents]:
        if (folder / "pyproject.toml").is_file():
            return folder
    return None


def _expand(text, path, where):
    def one(match):
        var, default = match.group(1), match.group(2)
        value = os.environ.get(var)
        if value:
            return value
        if default is not None:
            return default
        if var == SHARED_DATA_ENV:
            root = _repo_root(path.parent)
            if root is not None:
                return str(root.parent / "shared" / "data")
        note = ""
        if var == SHARED_DATA_ENV:
            note = (" (its default, ../shared/data beside the repository, applies only to "
                    "files inside a folder tree with a pyproject.toml)")
        raise ExperimentConfigError(
            f"{where}: environment variable {var} in {text!r} is not set{note}; set it or "
            f"write ${{{var}:-default}}."
        )

    return _VAR.sub(one, text)


def resolve_path(text, path, where):
    """``text`` from the experiment file at ``path`` as a normalised absolute path.

    An unset variable without a default raises ExperimentConfigError naming
    ``where``; ``${IRPREDICT_SHARED_DATA}`` defaults to ``../shared/data``
    beside the repository holding ``path``.
    """
    expanded = Path(os.path.expanduser(_expand(text, path, where)))
    if not expanded.is_absolute():
        expanded = path.parent / expanded
    return Path(os.path.normpath(expanded))
