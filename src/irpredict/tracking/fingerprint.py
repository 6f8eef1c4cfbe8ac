"""A fingerprint of the cohort a model was trained on.

The fingerprint is a SHA-256 over a canonical form of each cohort table:
columns sorted by name, rows sorted by every column, numbers (and booleans)
as little-endian float64, text as UTF-8, missing values as one fixed marker.
It does not change with row or column order or with the file format the
cohort was read from (as long as column types agree), and it changes when
any value does. Alongside it: the number of
patients and measurements and the responders per therapy class.
"""

import hashlib

__all__ = ["cohort_fingerprint", "table_digest"]

_TABLES = ("patients", "measurements", "tumor_assessments")


def table_digest(frame):
    """Return the SHA-256 hex digest of a table's canonical form.

    Parameters
    ----------
    frame : pandas.DataFrame or None

    Returns
    -------
    str or None
        ``None`` for a missing table.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"x": [1.0, 2.0], "id": ["b", "a"]})
    >>> table_digest(a) == table_digest(a.iloc[::-1][["id", "x"]])
    True
    """
    if frame is None:
        return None
    import numpy as np

    columns = sorted(frame.columns, key=str)
    canonical = frame.reset_index(drop=True)[columns]
    for name in columns:  # text columns compare as text (mixed objects cannot be sorted)
        if canonical[name].dtype.kind not in "biuf":
            canonical[name] = canonical[name].astype("string")
    if len(columns) and len(canonical):
        canonical = canonical.sort_values(columns, kind="mergesort", na_position="last")
    digest = hashlib.sha256(f"{len(canonical)}\n".encode())
    for name in columns:
        col = canonical[name]
        digest.update(f"\n{name}\n".encode())
        if col.dtype.kind in "biuf":
            values = col.to_numpy(dtype="float64", na_value=np.nan, copy=True)
            values[np.isnan(values)] = np.nan  # one NaN bit pattern
            digest.update(np.ascontiguousarray(values, dtype="<f8").tobytes())
        else:
            digest.update("\x1f".join(col.fillna("\x00").tolist()).encode("utf-8"))
    return digest.hexdigest()


def cohort_fingerprint(cohort, *, therapy_col="therapy_class"):
    """Summarise a :class:`irpredict.data.Cohort` for provenance.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
    therapy_col : str, default="therapy_class"

    Returns
    -------
    dict
        ``sha256`` (over the digests of all tables), ``tables`` (digest per
        table), ``name``, ``n_patients``, ``n_measurements``,
        ``n_tumor_assessments``, ``n_responders``, ``n_labelled`` and
        ``responders`` / ``labelled`` / ``patients`` per therapy class (responder
        and label counts are absent when the cohort has no label).
    """
    tables = {name: table_digest(getattr(cohort, name, None)) for name in _TABLES}
    overall = hashlib.sha256()
    for name in _TABLES:
        overall.update(f"{name}={tables[name] or '-'}\n".encode())
    patients = cohort.patients
    info = {
        "sha256": overall.hexdigest(),
        "tables": tables,
        "name": getattr(cohort, "name", None),
        "n_patients": int(len(patients)),
        "n_measurements": _n_rows(getattr(cohort, "measurements", None)),
        "n_tumor_assessments": _n_rows(getattr(cohort, "tumor_assessments", None)),
    }
    if therapy_col in patients.columns:
        counts = patients[therapy_col].astype(str).value_counts().sort_index()
        info["patients"] = {k: int(v) for k, v in counts.items()}
    label = getattr(cohort, "label_col", "response")
    if label in patients.columns:
        y = patients[label]
        info["n_responders"] = int((y == 1).sum())
        info["n_labelled"] = int(y.notna().sum())
        if therapy_col in patients.columns:
            per = (y == 1).groupby(patients[therapy_col].astype(str)).sum().sort_index()
            info["responders"] = {k: int(v) for k, v in per.items()}
            known = y.notna().groupby(patients[therapy_col].astype(str)).sum().sort_index()
            info["labelled"] = {k: int(v) for k, v in known.items()}
    return info


def _n_rows(frame):
    return 0 if frame is None else int(len(frame))
