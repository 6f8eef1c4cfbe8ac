"""Longitudinal sources: the ``measurements`` and ``tumor_assessments`` tables.

Each function works on one patient's own rows at a time (unit conversion, a
change from that patient's own baseline), never on cohort statistics.
"""

from pathlib import Path

from irpredict.data._parse import DATE_UNIT, TIME_UNITS
from irpredict.data._patients import as_text, id_text, require_columns
from irpredict.data._spec import format_ids
from irpredict.data.schema import canonical_nontarget
from irpredict.exceptions import CohortDataError

__all__ = ["read_measurements", "read_tumor_assessments"]

_COLUMNS = ["patient_id", "biomarker", "day", "value", "unit"]


def _frame(spec, mapping, table, *, base_dir, source, kind):
    """The table a source reads, its label for messages and its id column."""
    if spec.file is None:
        return table, source, spec.id or mapping.id
    from irpredict.data._readers import read_table

    path = Path(spec.file)
    if not path.is_absolute():
        path = Path(base_dir) / path
    id_col = spec.id or mapping.id
    return read_table(path, table=kind, dtype={id_col: str}), str(path), id_col


def _numeric(frame, column, *, where, ids):
    import pandas as pd

    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    blank = as_text(raw).fillna("").eq("").to_numpy(dtype=bool)
    bad = raw.notna().to_numpy() & values.isna().to_numpy() & ~blank
    if bad.any():
        limit = any(str(v).strip().startswith(("<", ">")) for v in raw[bad].unique())
        raise CohortDataError(
            f"{where}: column {column!r} holds non-numeric values "
            f"{format_ids(raw[bad].unique().tolist())} (patients {format_ids(ids[bad].unique())}); "
            "convert them to numbers or leave the cells empty."
            + (" A result beyond a detection limit ('<0.5') is written as a number, as the "
               "analysis plan says (the limit, or half of it)." if limit else "")
        )
    return values.astype(float)


def _known_ids(ids, patients, where):
    known = set(patients["patient_id"])
    unknown = sorted(set(ids.dropna()) - known)
    if unknown:
        raise CohortDataError(
            f"{where}: patient ids {format_ids(unknown)} are not in the patients table"
            f"{_lost_zeros_hint(unknown, known)}; fix the ids or add those patients."
        )


def _lost_zeros_hint(unknown, known):
    """Say so when the unknown ids are known ids without their leading zeros (``1`` for
    ``000001``), as a spreadsheet or a number column writes them."""
    stripped = {}
    for pid in known:
        text = str(pid)
        if text.isdigit() and text.startswith("0"):
            stripped.setdefault(text.lstrip("0") or "0", text)
    matched = [(u, stripped[str(u)]) for u in unknown if str(u) in stripped]
    if not matched or len(matched) < len(unknown) / 2:
        return ""
    example, original = matched[0]
    return (f" (the patients table has {original!r} for {example!r}: these ids lost their "
            "leading zeros, as ids stored as numbers do; store the id column as text)")


def _days(spec, frame, ids, where, dated):
    """The time column in days since the first dose (``dated``: the mapping and its patients'
    first-dose dates, for a column of dates)."""
    if spec.time_unit == DATE_UNIT:
        import pandas as pd

        from irpredict.data._dates import days_since_start

        mapping, starts = dated
        days = days_since_start(frame, spec.time, ids, starts, date_format=mapping.date_format,
                                where=where, start_column=mapping.start_date)
        return pd.Series(days, index=frame.index)
    return _numeric(frame, spec.time, where=where, ids=ids) * TIME_UNITS[spec.time_unit]


def _long(spec, frame, ids, where, dated=None):
    import pandas as pd

    cols = [spec.time, spec.value, spec.biomarker_column, spec.unit_column]
    require_columns(frame.columns, [c for c in cols if c], source=where, key="measurements")
    day = _days(spec, frame, ids, where, dated)
    out = pd.DataFrame({
        "patient_id": ids,
        "biomarker": as_text(frame[spec.biomarker_column]) if spec.biomarker_column
        else spec.biomarker,
        "day": day + spec.day_offset,
        "value": _numeric(frame, spec.value, where=where, ids=ids),
    })
    if spec.unit_column:
        out["unit"] = as_text(frame[spec.unit_column])
    return out


def _wide(spec, frame, ids, where):
    import pandas as pd

    require_columns(frame.columns, list(spec.days), source=where, key="measurements.days")
    parts = [
        pd.DataFrame({"patient_id": ids, "biomarker": spec.biomarker, "day": float(day),
                      "value": _numeric(frame, column, where=where, ids=ids)})
        for column, day in spec.days.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _fixed_day(spec, frame, ids, where, earlier):
    import pandas as pd

    require_columns(frame.columns, [spec.value], source=where, key="measurements.value")
    values = pd.DataFrame({"patient_id": ids,
                           "value": _numeric(frame, spec.value, where=where, ids=ids)})
    values = values.dropna()
    spread = values.groupby("patient_id")["value"].nunique()
    if (spread > 1).any():
        bad = spread.index[spread > 1].tolist()
        raise CohortDataError(
            f"{where}: column {spec.value!r} should hold one value per patient but disagrees "
            f"across repeated rows for patients {format_ids(bad)}; fix the file."
        )
    per_patient = values.groupby("patient_id", sort=False)["value"].first()
    if spec.change == "log10":
        per_patient = _from_log10_change(spec, per_patient, earlier)
    return pd.DataFrame({"patient_id": per_patient.index.astype("string"),
                         "biomarker": spec.biomarker, "day": float(spec.day),
                         "value": per_patient.to_numpy(dtype=float)})


def _from_log10_change(spec, change, earlier):
    import pandas as pd

    base = pd.Series(dtype=float)
    if earlier is not None:
        rows = earlier[(earlier["biomarker"] == spec.biomarker)
                       & (earlier["day"] == spec.baseline_day)]
        base = rows.groupby("patient_id")["value"].first()
    if base.empty:
        raise CohortDataError(
            f"measurement source for {spec.biomarker!r} at day {spec.day:g} is a log10 change "
            f"from day {spec.baseline_day:g}, but no earlier source gives {spec.biomarker!r} at "
            f"day {spec.baseline_day:g}; list the baseline source first."
        )
    base = base.reindex(change.index)
    zero = (base == 0) & change.notna() & (change != 0)
    if zero.any():
        import warnings

        from irpredict.exceptions import DataWarning

        shown = ", ".join(map(str, zero.index[zero][:5]))
        warnings.warn(
            f"{spec.biomarker!r} at day {spec.day:g} is a log10 change from a day-"
            f"{spec.baseline_day:g} value of 0 for {int(zero.sum())} patients ({shown}): no "
            "value follows from it (any change of 0 is 0), so it is left missing; give the "
            "value itself, or the baseline above the detection limit", DataWarning,
            stacklevel=4)
    return (base.where(~zero) * 10.0 ** change).dropna()


def read_measurements(mapping, table, patients, *, base_dir, source):
    """Build the long ``measurements`` table from ``mapping.measurements``.

    Parameters
    ----------
    mapping : ColumnMapping
        The mapping; its ``measurements`` are read in order.
    table : pandas.DataFrame
        The wide patients table as read (sources without ``file`` read it).
    patients : pandas.DataFrame
        The mapped patients table (every id must be one of its patients).
    base_dir : path-like
        Folder relative ``file`` paths are read from.
    source : str
        Name of the patients file for messages.

    Returns
    -------
    pandas.DataFrame or None
        ``patient_id``, ``biomarker``, ``day``, ``value``, ``unit``; missing values
        dropped, repeated identical rows collapsed. ``None`` without sources.

    Raises
    ------
    CohortDataError
        On absent columns, non-numeric values, unknown patients, or repeated
        (patient, biomarker, day) rows with different values.
    """
    import pandas as pd

    if not mapping.measurements:
        return None
    dated = _dated(mapping, table, source)
    done = None
    for spec in mapping.measurements:
        frame, where, id_col = _frame(spec, mapping, table, base_dir=base_dir, source=source,
                                      kind="measurements")
        require_columns(frame.columns, [id_col], source=where, key="measurements.id")
        ids = id_text(frame[id_col])
        _known_ids(ids, patients, where)
        if spec.layout == "long":
            rows = _long(spec, frame, ids, where, dated)
        elif spec.layout == "wide":
            rows = _wide(spec, frame, ids, where)
        else:
            rows = _fixed_day(spec, frame, ids, where, done)
        if "unit" not in rows.columns:
            rows["unit"] = spec.unit
        _warn_undated(rows, "value", where, spec.time or "day")
        rows = rows.dropna(subset=["patient_id", "biomarker", "day", "value"])
        rows[_SOURCE] = where
        done = rows if done is None else pd.concat([done, rows], ignore_index=True)
    return _deduplicate(done.reindex(columns=[*_COLUMNS, _SOURCE]), source)


def _warn_undated(rows, value, where, time):
    """Rows with a value but no time cannot be placed on the timeline: said, then dropped."""
    undated = rows[rows[value].notna() & rows["day"].isna() & rows["patient_id"].notna()]
    if len(undated):
        import warnings

        from irpredict.exceptions import DataWarning

        warnings.warn(
            f"{where}: {len(undated)} row(s) with a value but no {time!r} are left out "
            f"(patients {format_ids(undated['patient_id'].astype(str).unique().tolist())}); "
            "fill in their time to use them", DataWarning, stacklevel=3)


def _dated(mapping, table, source):
    """(mapping, first-dose dates) when a source has a time column of dates, else None."""
    sources = [*mapping.measurements, *([mapping.tumor_assessments]
                                        if mapping.tumor_assessments else [])]
    if not any(s.time_unit == DATE_UNIT for s in sources):
        return None
    from irpredict.data._dates import start_dates

    return mapping, start_dates(table, mapping, source=source)


#: Temporary column: the file (and layout) each measurement row came from.
_SOURCE = "_read_from"


def _deduplicate(rows, source):
    rows = rows.drop_duplicates(subset=_COLUMNS, ignore_index=True)
    key = ["patient_id", "biomarker", "day"]
    clash = rows[rows.duplicated(key, keep=False)]
    if len(clash):
        first = clash.iloc[0]
        same = clash[(clash[key] == first[key]).all(axis=1)]
        values = ", ".join(f"{v:g}{f' {u}' if isinstance(u, str) and u else ''} ({w})"
                           for v, u, w in zip(same["value"], same["unit"], same[_SOURCE],
                                              strict=True))
        raise CohortDataError(
            f"measurements of {', '.join(dict.fromkeys(clash[_SOURCE]))}: "
            f"{clash[key].drop_duplicates().shape[0]} (patient, biomarker, day) keys have "
            f"different values, e.g. patient {first.patient_id!r} {first.biomarker!r} day "
            f"{first.day:g}: {values}; keep one value per draw."
        )
    rows = rows.drop(columns=_SOURCE)
    rows["patient_id"] = rows["patient_id"].astype("string")
    rows["biomarker"] = rows["biomarker"].astype("string")
    if rows["unit"].isna().all():
        rows = rows.drop(columns="unit")
    else:
        rows["unit"] = rows["unit"].astype("string")
    return rows.sort_values(key, ignore_index=True)


def _flags(frame, column, where, ids):
    import pandas as pd

    words = {"true": True, "yes": True, "y": True, "1": True,
             "false": False, "no": False, "n": False, "0": False}
    text = as_text(frame[column]).str.lower()
    out = text.map(lambda v: words.get(v, "?") if not pd.isna(v) else pd.NA)
    bad = out == "?"
    if bad.any():
        raise CohortDataError(
            f"{where}: column {column!r} must be yes/no; found "
            f"{format_ids(text[bad].unique().tolist())} (patients {format_ids(ids[bad].unique())})."
        )
    return out.astype("boolean")


def read_tumor_assessments(mapping, table, patients, *, base_dir, source):
    """Build the ``tumor_assessments`` table from ``mapping.tumor_assessments``.

    With ``percent_change`` the size is ``baseline * (1 + change / 100)``, rows
    with a missing change are dropped, and (``add_baseline``) every patient of
    the source gets a row at ``baseline_day`` holding the baseline size.

    Returns
    -------
    pandas.DataFrame or None
        ``patient_id``, ``day``, ``target_sld_mm`` and optional ``nontarget``,
        ``new_lesion``; ``None`` without a source.
    """
    import pandas as pd

    spec = mapping.tumor_assessments
    if spec is None:
        return None
    frame, where, id_col = _frame(spec, mapping, table, base_dir=base_dir, source=source,
                                  kind="tumor_assessments")
    cols = [id_col, spec.time, spec.sld, spec.percent_change, spec.nontarget, spec.new_lesion]
    require_columns(frame.columns, [c for c in cols if c], source=where, key="tumor_assessments")
    ids = id_text(frame[id_col])
    _known_ids(ids, patients, where)
    out = pd.DataFrame({"patient_id": ids})
    out["day"] = _days(spec, frame, ids, where, _dated(mapping, table, source)) + spec.day_offset
    baseline = None
    if spec.baseline:
        require_columns(table.columns, [spec.baseline], source=source,
                        key="tumor_assessments.baseline")
        base_ids = id_text(table[mapping.id])
        baseline = pd.Series(_numeric(table, spec.baseline, where=source, ids=base_ids).to_numpy(),
                             index=base_ids.to_numpy())
    if spec.sld:
        out["target_sld_mm"] = _numeric(frame, spec.sld, where=where, ids=ids)
    else:
        change = _numeric(frame, spec.percent_change, where=where, ids=ids)
        out["target_sld_mm"] = baseline.reindex(ids.to_numpy()).to_numpy() * (1 + change / 100.0)
    if spec.nontarget:
        out["nontarget"] = canonical_nontarget(as_text(frame[spec.nontarget]))
    if spec.new_lesion:
        out["new_lesion"] = _flags(frame, spec.new_lesion, where, ids)
    _warn_undated(out, "target_sld_mm", where, spec.time)
    sizeless = out[out["target_sld_mm"].isna() & out["day"].notna() & out["patient_id"].notna()]
    if len(sizeless):
        import warnings

        from irpredict.exceptions import DataWarning

        warnings.warn(
            f"{where}: {len(sizeless)} dated row(s) have no tumour size and are left out "
            f"(patients {format_ids(sizeless['patient_id'].astype(str).unique().tolist())}): "
            "they count as no scan, not as a not-evaluable (NE) one; give their size to use "
            "them", DataWarning, stacklevel=3)
    out = out.dropna(subset=["patient_id", "day", "target_sld_mm"])
    if baseline is not None and spec.add_baseline:
        seen = pd.unique(ids.dropna())
        first = pd.DataFrame({"patient_id": pd.array(seen, dtype="string"),
                              "day": float(spec.baseline_day),
                              "target_sld_mm": baseline.reindex(seen).to_numpy()})
        out = pd.concat([first.dropna(subset=["target_sld_mm"]), out], ignore_index=True)
    out["patient_id"] = out["patient_id"].astype("string")
    return out.drop_duplicates(ignore_index=True).sort_values(["patient_id", "day"],
                                                              ignore_index=True)
