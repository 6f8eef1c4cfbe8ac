"""What produced a run: experiment file, data fingerprint, code and environment.

Everything here is cheap (no pip requirement inference, one ``git`` call of
each kind) so it can be logged on every study run.
"""

import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from irpredict.tracking import artifacts as _art
from irpredict.tracking.fingerprint import cohort_fingerprint
from irpredict.tracking.runs import log_batch, log_files
from irpredict.tracking.store import TrackingError

__all__ = ["git_info", "environment_info", "log_provenance"]


def git_info(path="."):
    """Return the git commit of the working tree containing ``path``.

    Parameters
    ----------
    path : path-like, default="."

    Returns
    -------
    dict
        ``{"git_commit": sha, "git_dirty": bool}`` (``git_dirty`` is true
        when tracked files have uncommitted changes), or ``{}`` outside a
        git repository or without a ``git`` executable.
    """
    folder = Path(path).resolve()
    folder = folder if folder.is_dir() else folder.parent
    commit = _git(folder, "rev-parse", "HEAD")
    if not commit:
        return {}
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    return {"git_commit": commit, "git_dirty": bool(status)}


def _git(folder, *args):
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def environment_info():
    """Return the Python version, platform and package versions.

    Returns
    -------
    dict
        ``python``, ``platform`` and ``versions`` (from
        :func:`irpredict.show_versions`).
    """
    from irpredict import show_versions

    return {"python": platform.python_version(), "platform": platform.platform(),
            "executable": sys.executable, "versions": show_versions()}


def log_provenance(run, *, cohort=None, experiment_file=None, repo_dir=None):
    """Log where a study run came from, onto ``run`` (a ``StudyRun``).

    Logs, in one batch of params/tags and one artifact upload:

    - ``provenance/<experiment file>``: the experiment TOML as read;
    - ``provenance/data_fingerprint.json`` plus params ``data.sha256``,
      ``data.n_patients``, ``data.n_responders`` and ``data.responders.<class>``
      (and the same as tags, for search);
    - ``provenance/environment.json`` plus tags ``irpredict.version``,
      ``python_version``, ``platform``, ``versions.<package>``, ``git_commit``,
      ``git_dirty``.

    Parameters
    ----------
    run : irpredict.tracking.StudyRun
    cohort : irpredict.data.Cohort or None, default=None
    experiment_file : path-like or None, default=None
    repo_dir : path-like or None, default=None
        Where to look for the code's git working tree; ``None`` uses
        irpredict's own source folder (nothing is logged for an installed
        package outside a working tree). The experiment file's own working
        tree, when it is another one, is logged as ``experiment.git_commit``
        and ``experiment.git_dirty``.

    Returns
    -------
    dict
        Everything logged (``fingerprint``, ``environment``, ``git``).

    Raises
    ------
    TrackingError
        When ``experiment_file`` does not exist.
    """
    if experiment_file is not None and not Path(experiment_file).is_file():
        raise TrackingError(
            f"experiment file {experiment_file} does not exist; pass the TOML file the study "
            "was run from."
        )
    env = environment_info()
    # the commit of the code that ran; an experiment file kept in another repository (a
    # study's own) has its commit logged beside it
    git = git_info(repo_dir or Path(__file__).resolve().parent)
    if experiment_file is not None:
        of_file = git_info(Path(experiment_file).resolve().parent)
        if of_file and of_file.get("git_commit") != git.get("git_commit"):
            git.update({f"experiment.{k}": v for k, v in of_file.items()})
    params, tags = {}, {
        "irpredict.version": env["versions"].get("irpredict", "unknown"),
        "python_version": env["python"], "platform": env["platform"],
        "mlflow.source.git.commit": git.get("git_commit", ""),
    }
    tags.update({k: str(v).lower() if isinstance(v, bool) else v for k, v in git.items()})
    if experiment_file is not None:  # where its relative data paths were resolved from
        tags["irpredict.experiment_dir"] = str(Path(experiment_file).resolve().parent)
    tags.update({f"versions.{pkg}": version for pkg, version in env["versions"].items()})
    fingerprint = None
    if cohort is not None:
        fingerprint = cohort_fingerprint(cohort)
        params.update({"data.sha256": fingerprint["sha256"],
                       "data.n_patients": fingerprint["n_patients"]})
        if "n_responders" in fingerprint:
            params["data.n_responders"] = fingerprint["n_responders"]
        for klass, count in fingerprint.get("responders", {}).items():
            params[f"data.responders.{klass}"] = count
        tags.update({k: v for k, v in params.items()})
    if not git.get("git_commit"):
        tags.pop("mlflow.source.git.commit")
    log_batch(run.client, run.run_id, params=params, tags=tags)
    with tempfile.TemporaryDirectory(prefix="irpredict-prov-") as tmp:
        folder = Path(tmp, "provenance")
        _art.write_json({**env, **git}, folder / "environment.json")
        if fingerprint is not None:
            _art.write_json(fingerprint, folder / "data_fingerprint.json")
        if experiment_file is not None:
            _art.copy_files([experiment_file], folder)
        log_files(run.client, run.run_id, tmp)
    return {"fingerprint": fingerprint, "environment": env, "git": git}
