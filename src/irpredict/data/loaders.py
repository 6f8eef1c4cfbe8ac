"""Load a cohort from a folder of tables, an experiment file, or one wide table."""

import warnings
from pathlib import Path

from irpredict.data._readers import TABLE_EXTENSIONS, read_table
from irpredict.data.mapping import TUMOR_SIZE
from irpredict.data.validation import TABLES, validate_tables
from irpredict.exceptions import CohortDataError, DataWarning

__all__ = ["load_cohort", "find_tables", "load_folder", "simulated_leakage"]


def find_tables(folder):
    """Find the table files of a cohort folder.

    Parameters
    ----------
    folder : str or path-like
        A folder holding ``patients.<ext>`` (required) and optionally
        ``measurements.<ext>`` and ``tumor_assessments.<ext>`` (or
        ``tumour_assessments.<ext>``), where ``<ext>`` is one of ``csv, tsv,
        txt, parquet, pq, xlsx, xls``. A table file whose name is close to one
        of these but not it (``measurement.csv``) is named in a warning.

    Returns
    -------
    dict of str to pathlib.Path
        Table name to file, for the tables present.

    Raises
    ------
    CohortDataError
        When the patients file is missing, or a table exists in two formats.
    """
    folder = Path(folder)
    found = {}
    for table in TABLES:
        names = {table, *_SPELLINGS.get(table, ())}
        files = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.stem.lower() in names and not p.name.startswith("."))
        if len(files) > 1:
            raise CohortDataError(
                f"folder {folder} holds {len(files)} {table} files "
                f"({', '.join(p.name for p in files)}); keep exactly one"
            )
        if files:
            found[table] = files[0]
    _warn_unused_tables(folder, found)
    if "patients" not in found:
        present = ", ".join(sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")))
        raise CohortDataError(
            f"folder {folder} has no patients table (looked for patients with one of the "
            f"extensions {', '.join(TABLE_EXTENSIONS)}; found: {present or 'nothing'}). "
            "Fix: add patients.csv with columns patient_id and therapy_class, or point at an "
            "experiment .toml file"
        )
    return found


#: Other spellings of the table names that a folder may use.
_SPELLINGS = {"tumor_assessments": ("tumour_assessments",)}


def _warn_unused_tables(folder, found):
    """Name table files that look meant as a cohort table but are not read."""
    import difflib
    import warnings

    from irpredict.exceptions import DataWarning

    used = set(found.values())
    for path in sorted(folder.iterdir()):
        if (path in used or not path.is_file() or path.name.startswith(".")
                or path.suffix.lower() not in TABLE_EXTENSIONS):
            continue
        close = difflib.get_close_matches(path.stem.lower(), TABLES, n=1, cutoff=0.75)
        if close:
            warnings.warn(f"{path} is not read as a cohort table; did you mean "
                          f"{close[0]}{path.suffix}? Rename it to use it", DataWarning,
                          stacklevel=3)


def load_folder(folder, *, name=None):
    """Read and validate the tables of a cohort folder.

    Parameters
    ----------
    folder : str or path-like
        See :func:`find_tables`.
    name : str or None, default=None
        Cohort name; ``None`` uses the folder's name.

    Returns
    -------
    Cohort
    """
    folder = Path(folder)
    files = find_tables(folder)
    tables = {table: read_table(path, table=table) for table, path in files.items()}
    for table in ("measurements", "tumor_assessments"):
        if table in tables and tables[table].empty:
            warnings.warn(f"{files[table]} has a header but no rows: the cohort is read without "
                          f"{table.replace('_', ' ')}. If it should have rows, check the export",
                          DataWarning, stacklevel=2)
    return validate_tables(
        tables["patients"], tables.get("measurements"), tables.get("tumor_assessments"),
        sources={table: str(path) for table, path in files.items()},
        name=name or folder.resolve().name,
        **simulated_leakage(folder, tables["patients"]),
    )


def simulated_leakage(folder, patients):
    """What a folder written by ``irpredict simulate`` declares as never-a-feature.

    Its truth.json lists the response-derived biomarkers; its tumour measurements
    follow the response the label records (so the tumour series is response-derived
    too), and
    ``response_definition`` describes the label. Other folders declare nothing.
    """
    import json

    truth_path = folder / "truth.json"
    if not truth_path.is_file():
        return {}
    try:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        derived = [str(b) for b in truth["response_derived_biomarkers"]]
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # not the simulator's truth file
    excluded = [c for c in ("response_definition",) if c in patients.columns]
    return {"response_derived_biomarkers": [*derived, TUMOR_SIZE],
            "excluded_columns": excluded or None}


def load_cohort(source, *, mapping=None):
    """Load and validate a cohort.

    Parameters
    ----------
    source : str or path-like
        A cohort folder (see :func:`find_tables`); an experiment file
        ``experiments/<study>.toml``; or one table file, read with ``mapping``
        (without a mapping the file must already be a patients table with
        ``patient_id`` and ``therapy_class`` columns).
    mapping : irpredict.data.mapping.ColumnMapping or None, default=None
        How the columns of a wide table map onto the data model.

    Returns
    -------
    Cohort

    Raises
    ------
    CohortDataError
        When the source does not exist or its tables are malformed.
    ExperimentConfigError
        When an experiment file is malformed.

    Examples
    --------
    >>> cohort = load_cohort("cohort/")  # doctest: +SKIP
    >>> cohort = load_cohort("experiments/transneo.toml")  # doctest: +SKIP
    """
    path = Path(source)
    if not path.exists():
        raise CohortDataError(
            f"cohort source {path} does not exist; give a cohort folder, an experiment .toml file "
            "or a table file"
        )
    if path.is_dir():
        if mapping is not None:
            raise CohortDataError(f"a column mapping needs one table file, but {path} is a folder")
        return load_folder(path)
    if path.suffix.lower() == ".toml":
        from irpredict.experiment import load_experiment

        return load_experiment(path).load_cohort()
    if mapping is not None:
        from irpredict.data.mapping import load_wide_table

        return load_wide_table(path, mapping)
    patients = read_table(path, table="patients")
    return validate_tables(patients, sources={"patients": str(path)}, name=path.stem)
