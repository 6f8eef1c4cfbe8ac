"""What a logged irpredict model carries so that it loads where irpredict is not installed.

A pyfunc model holds a pickled irpredict object, so loading it needs irpredict's code.
irpredict is not on a package index, so instead of a requirement the model carries a copy of
the package (MLflow's ``code_paths``, put on ``sys.path`` when the model loads) and pins the
packages that copy imports.
"""

import contextlib
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

__all__ = ["bundled_code", "pinned_requirements"]

#: Pinned when irpredict's own metadata cannot be read (running from a bundled copy).
_FALLBACK_REQUIREMENTS = ("scikit-learn", "xgboost", "pandas", "numpy", "scipy", "joblib",
                          "mlflow", "shap", "pandera")


def pinned_requirements(names=None):
    """Requirements pinned to the versions installed here.

    Parameters
    ----------
    names : iterable of str or None, default=None
        Distribution names; ``None`` means irpredict's own run-time requirements (not its
        extras).

    Returns
    -------
    list of str
        ``name==version`` for each installed distribution; absent ones are left out.
    """
    if names is None:
        names = _runtime_requirements()
    out = []
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out.append(f"{name}=={metadata.version(name)}")
    return out


def _runtime_requirements():
    from packaging.requirements import Requirement

    try:
        declared = metadata.requires("irpredict") or []
    except metadata.PackageNotFoundError:
        return list(_FALLBACK_REQUIREMENTS)
    names = []
    for text in declared:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        names.append(requirement.name)
    return names


@contextlib.contextmanager
def bundled_code():
    """A copy of the irpredict package, without compiled files, for ``code_paths``.

    Yields
    ------
    list of str
        One folder named ``irpredict``, removed when the block ends.
    """
    import irpredict

    source = Path(irpredict.__file__).parent
    with tempfile.TemporaryDirectory(prefix="irpredict-code-") as tmp:
        target = Path(tmp, "irpredict")
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        yield [str(target)]
