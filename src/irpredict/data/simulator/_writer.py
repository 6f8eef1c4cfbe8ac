"""Write a simulated cohort to a folder, each file through a temporary file and a rename."""

import json
import os
import tempfile
from pathlib import Path

from irpredict._files import default_file_mode

__all__ = ["COHORT_FILES", "write_cohort"]

#: Files :func:`write_cohort` writes.
COHORT_FILES = ("patients.csv", "measurements.csv", "tumor_assessments.csv", "truth.json")


def _atomic_write(path, write):
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, default_file_mode())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_cohort(sim, out_dir):
    """Write ``patients.csv``, ``measurements.csv``, ``tumor_assessments.csv`` and ``truth.json``.

    Each file is written to a temporary file in ``out_dir`` and renamed, so a
    reader never sees a truncated file. Existing files of the same name are
    replaced; other files are left alone.

    Parameters
    ----------
    sim : SimulatedCohort
        The output of :func:`irpredict.data.simulator.simulate_cohort`.
    out_dir : str or os.PathLike
        Target folder (created if missing).

    Returns
    -------
    dict of str to pathlib.Path
        File name to written path.

    Examples
    --------
    >>> import tempfile
    >>> from irpredict.data.simulator import simulate_cohort, write_cohort
    >>> paths = write_cohort(simulate_cohort(n_patients=50, seed=0), tempfile.mkdtemp())
    >>> sorted(paths)
    ['measurements.csv', 'patients.csv', 'truth.json', 'tumor_assessments.csv']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {"patients.csv": sim.patients, "measurements.csv": sim.measurements,
              "tumor_assessments.csv": sim.tumor_assessments}
    paths = {}
    for name, frame in tables.items():
        paths[name] = out / name
        _atomic_write(paths[name], lambda h, f=frame: f.to_csv(h, index=False, lineterminator="\n"))
    paths["truth.json"] = out / "truth.json"
    _atomic_write(paths["truth.json"],
                  lambda h: h.write(json.dumps(sim.truth, indent=1, allow_nan=False) + "\n"))
    return paths
