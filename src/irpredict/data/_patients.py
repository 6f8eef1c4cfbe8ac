"""The patients table: id, label, therapy class, column clashes, feature metadata and leakage."""

import fnmatch
import re

from irpredict.data._number_text import numbers_with_stray_text
from irpredict.data._spec import close_matches, format_ids
from irpredict.data.outcome_names import drop_outcome_like
from irpredict.exceptions import CohortDataError, LeakageError

__all__ = ["map_patients", "resolve_columns", "require_columns", "as_text", "id_text",
           "text_value", "SOURCE_PREFIX"]

#: Prefix of source columns whose name clashes with a canonical column.
SOURCE_PREFIX = "source:"
CANONICAL = ("patient_id", "therapy_class", "response", "site")
_CLASH = re.compile(r"(?:patient_id|therapy_class|response|site)(?:\.\d+)?")
MEASUREMENT_MARKER = "measurements:"

#: Ordinal text codes known by column name (lowest first).
ORDINAL_CODES = {"her2_ihc": ("0", "1+", "2+", "3+")}
#: How a HER2 IHC score may be written: 0, 1+, 2+, 3+ (also "2", "3.0", "2 +").
HER2_IHC_CODE = re.compile(r"^\s*([0-3])(?:\.0)?\s*\+?\s*$")


#: How each column of :data:`ORDINAL_CODES` may be written.
_CODE_PATTERNS = {"her2_ihc": HER2_IHC_CODE}


def is_ordinal_code_column(name, values):
    """True when column ``name`` has a known ordinal coding and every value follows it."""
    pattern = _CODE_PATTERNS.get(name)
    if pattern is None:
        return False
    text = values.dropna().astype(str)
    return bool(text.str.match(pattern).all())


def _is_pattern(name):
    return any(ch in name for ch in "*?[")


def require_columns(columns, names, *, source, key, dropped=(), renamed=None):
    """Resolve ``names`` (exact names or glob patterns) against ``columns``.

    Parameters
    ----------
    columns : sequence of str
        Columns of the table.
    names : iterable of str
        Requested names; ``*``, ``?`` and ``[`` make a glob pattern.
    source : str
        File (or table) name for messages.
    key : str
        Mapping key that asked for the columns, for messages.
    dropped : iterable of str, default=()
        Columns ``columns.drop`` removed: asking for one of them is said so.
    renamed : dict or None, default=None
        ``columns.rename`` (old name to new): asking for an old name is said so.

    Returns
    -------
    list of str
        Matching columns, in request order, without repeats.

    Raises
    ------
    CohortDataError
        Naming the absent column, the file and close matches.
    """
    columns = [str(c) for c in columns]
    out = []
    for name in names:
        if _is_pattern(name):
            found = [c for c in columns if fnmatch.fnmatchcase(c, name)]
        else:
            found = [name] if name in columns else []
        if not found and renamed and name in renamed:
            raise CohortDataError(
                f"column {name!r} (from {key}) is renamed to {renamed[name]!r} by "
                f"[data.columns.rename] in {source}; name it {renamed[name]!r} there.")
        if not found and any(fnmatch.fnmatchcase(name, d) for d in dropped):
            raise CohortDataError(
                f"column {name!r} (from {key}) is removed by [data.columns] drop in {source}; "
                "take it out of drop to use it, or out of the features.")
        if not found:
            matches = close_matches(name, columns)
            hint = f" Close matches: {', '.join(map(repr, matches))}." if matches else ""
            shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
            raise CohortDataError(
                f"column {name!r} (from {key}) is not in {source}.{hint} "
                f"The table has {len(columns)} columns ({shown}); fix the name in the mapping."
            )
        out.extend(found)
    return list(dict.fromkeys(out))


def text_value(value):
    """One value as text: whole floats lose their ``.0`` (``1.0`` -> ``"1"``); missing is NA."""
    import pandas as pd

    if pd.isna(value):
        return pd.NA
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_text(series):
    """Values of ``series`` as text (see :func:`text_value`), as a pandas string Series."""
    return series.map(text_value).astype("string")


def id_text(series):
    """Patient ids as text, as written (``007`` stays ``007``); ``8738.0`` becomes ``8738``."""
    return as_text(series).str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def _ids(table, mapping, source, problems):
    """The patient ids; empty and repeated ids are added to ``problems``."""
    ids = id_text(table[mapping.id])
    missing = ids.isna()
    if missing.any():
        rows = (ids.index[missing] + 2).tolist()  # rows of the file, the header row 1
        problems.append(
            f"{source}: id column {mapping.id!r} is empty in rows {format_ids(rows)}; "
            "fill in the ids or drop those rows."
        )
    repeated = ids.duplicated(keep=False) & ~missing
    dup = ids[repeated].unique().tolist()
    if dup:
        rows = (ids.index[repeated] + 2).tolist()
        copies = table.loc[repeated].astype(str).assign(_id=ids[repeated])
        identical = not copies.drop_duplicates()["_id"].duplicated().any()
        why = ("the repeated rows are identical copies: drop the copies" if identical
               else "the patients table needs one row per patient")
        problems.append(
            f"{source}: id column {mapping.id!r} repeats patient ids {format_ids(dup)} (rows "
            f"{format_ids(rows)}); {why}."
        )
    return ids


_UNMAPPED = object()  # a label value label_map does not name


def _label(table, mapping, ids, source):
    import pandas as pd

    raw = table[mapping.label]
    if mapping.label_map is not None:
        text = as_text(raw)
        table = {text_value(k): v for k, v in mapping.label_map.items()}
        # 'PCR' for 'pCR', ' rd' for 'RD': the same value to a person (unless both are keys)
        folded = {}
        for key, value in table.items():
            folded.setdefault(str(key).strip().casefold(), []).append(value)
        loose = {k: v[0] for k, v in folded.items() if len(set(v)) == 1}

        def one(value):
            if pd.isna(value):
                return pd.NA
            if value in table:
                return table[value]
            key = str(value).strip().casefold()
            if key in folded and key not in loose:
                keys = [k for k in table if str(k).strip().casefold() == key]
                raise CohortDataError(
                    f"{source}: label_map keys {' and '.join(map(repr, keys))} both match the "
                    f"label value {value!r} (keys match in any case and spacing) but map to "
                    f"{' and '.join(map(repr, folded[key]))}; keep one of them, or write the "
                    "key exactly as the data do.")
            return loose.get(key, _UNMAPPED)

        looked_up = [one(v) for v in text]
        bad = pd.Series([v is _UNMAPPED for v in looked_up], index=text.index)
        if bad.any():
            values = text[bad].value_counts()
            raise CohortDataError(
                f"{source}: label column {mapping.label!r} has values not in label_map: "
                f"{dict(values.head(5))} (patients {format_ids(ids[bad].tolist())}); "
                'add them to label_map (as 0, 1, or nan for "no label").'
            )
        return pd.Series([pd.NA if v is None or v is pd.NA else v for v in looked_up],
                         index=text.index, dtype="Int64")
    values = pd.to_numeric(raw, errors="coerce")
    if values.isna().any():  # TRUE/FALSE read as 1/0, as in a cohort folder's patients table
        flags = as_text(raw).str.lower().map({"true": 1, "false": 0})
        values = values.fillna(flags)
    bad = (raw.notna() & values.isna()) | (values.notna() & ~values.isin([0, 1]))
    if bad.any():
        raise CohortDataError(
            f"{source}: label column {mapping.label!r} must hold 0/1 (or true/false); found "
            f"{format_ids(raw[bad].unique().tolist())} (patients {format_ids(ids[bad].tolist())}). "
            "Map each value to 0 or 1 with label_map in the [data] of an experiment file that "
            'describes this table (e.g. label_map = { CR = 1, PR = 1, SD = 0, PD = 0, NE = nan '
            "}; experiments/README.md; to evaluate a trained model on it, pass that file as "
            "--data), or write the column as 0/1."
        )
    return values.astype("Int64")


def _therapy(table, mapping, ids, source):
    import pandas as pd

    from irpredict.data._therapy_rule import therapy_from_rule

    if mapping.therapy_class is not None:
        return pd.Series(mapping.therapy_class, index=table.index, dtype="string")
    rule = mapping.therapy_rule
    if rule is None:
        if "therapy_class" not in table.columns:
            raise CohortDataError(
                f"{source}: no therapy class for the patients: the table has no "
                "'therapy_class' column; give one class for every patient (--therapy-class on "
                "the command line, therapy_class in an experiment's [data]) or a "
                "[data.therapy_rule] that reads it from a column"
            )
        return as_text(table["therapy_class"]).astype("string")
    return therapy_from_rule(table[rule.column], rule, ids, source)


def _require_mapped_columns(table, mapping, source):
    """Every column the mapping names for a role (id, label, ...) is in ``table``."""
    used = {"id": mapping.id, "label": mapping.label, "site": mapping.site,
            "start_date": getattr(mapping, "start_date", None)}
    if mapping.therapy_rule is not None:
        used["therapy_rule.column"] = mapping.therapy_rule.column
    problems = []
    for key, name in used.items():
        if name is not None:
            _checked(problems, require_columns, table.columns, [name], source=source, key=key)
    _raise_together(problems, f"mapped columns are not in {source}")


def _checked(problems, read, *args, **kwargs):
    """``read(*args, **kwargs)``, or None with its error added to ``problems``."""
    try:
        return read(*args, **kwargs)
    except CohortDataError as exc:
        problems.append(str(exc))
        return None


def _raise_together(problems, what):
    """One error naming every problem, so that one run of validate names every fix."""
    if problems:
        raise CohortDataError(problems[0] if len(problems) == 1 else f"{len(problems)} {what}:\n"
                              + "\n".join(f"- {p}" for p in problems))


def map_patients(table, mapping, *, source):
    """Return the canonical patients table built from the wide ``table``.

    Parameters
    ----------
    table : pandas.DataFrame
        The wide table as read.
    mapping : ColumnMapping
        The column mapping.
    source : str
        File name for messages.

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``therapy_class``, ``response`` (when labelled), ``site``
        (when mapped) and every other source column; clashing names get the
        ``source:`` prefix.
    """
    import pandas as pd

    table = table.copy()
    table.columns = [str(c) for c in table.columns]
    if mapping.drop:
        table = table.drop(columns=require_columns(table.columns, mapping.drop, source=source,
                                                   key="columns.drop"))
    start = getattr(mapping, "start_date", None)
    _require_mapped_columns(table, mapping, source)
    from irpredict.data._column_roles import rename_columns

    table = rename_columns(table.reset_index(drop=True), mapping, source=source)
    problems = []
    ids = _ids(table, mapping, source, problems)
    out = {"patient_id": ids,
           "therapy_class": _checked(problems, _therapy, table, mapping, ids, source)}
    if mapping.label is not None:
        out["response"] = _checked(problems, _label, table, mapping, ids, source)
    _raise_together(problems, f"problems in {source}")
    if mapping.site is not None:
        out["site"] = as_text(table[mapping.site])
    consumed = {mapping.id, mapping.label, mapping.site, start}  # a date is never a feature
    if mapping.therapy_class is None and mapping.therapy_rule is None:
        consumed.add("therapy_class")  # read from the table's own column
    for column in table.columns:
        if column in consumed:
            continue
        name = SOURCE_PREFIX + column if _CLASH.fullmatch(column) else column
        out[name] = table[column]
    return pd.DataFrame(out)


def _check_leaks(columns, *, what, label, exclude, derived, allow_derived, timed=None):
    later = [c for c in columns if (timed or {}).get(c, 0) > 0]
    if later:
        raise LeakageError(
            f"{what} lists {format_ids(later)}, read by [[data.measurements]] as draws after the "
            "first dose: they come in through their series at a landmark "
            "(measurements:<biomarker>), never as baseline columns; remove them.")
    if label is not None and (label in columns or "response" in columns):
        raise LeakageError(
            f"{what} lists the label column {label!r}; remove it (the label is never a feature)."
        )
    leaked = [c for c in columns if c in exclude]
    if leaked:
        raise LeakageError(
            f"{what} lists excluded columns {format_ids(leaked)} (outcomes, published scores "
            "or response-derived data); remove them from the features."
        )
    leaked = [c for c in columns if c in derived]
    if leaked and not allow_derived:
        raise LeakageError(
            f"{what} lists response-derived columns {format_ids(leaked)}; remove them, or mark "
            "the feature set as a sensitivity analysis (sensitivity = true)."
        )


def _resolve_set(name, entries, patients, *, source, biomarkers, derived_markers, dropped=(),
                 renamed=None):
    columns, markers = [], []
    for entry in entries:
        if entry.startswith(MEASUREMENT_MARKER):
            biomarker = entry[len(MEASUREMENT_MARKER):]
            if biomarker != "*" and biomarker not in biomarkers:
                hint = close_matches(biomarker, biomarkers)
                raise CohortDataError(
                    f"feature set {name!r} asks for {entry!r} but the measurements hold "
                    f"{format_ids(biomarkers) or 'no biomarkers'}"
                    + (f"; did you mean {hint[0]!r}?" if hint else "; map that biomarker first.")
                )
            if biomarker in derived_markers:
                raise LeakageError(
                    f"feature set {name!r} asks for {entry!r}, a response-derived series; "
                    "remove it."
                )
            markers.append(entry)
        else:
            columns.extend(require_columns(patients.columns, [entry], source=source,
                                           key=f"feature set {name!r}", dropped=dropped,
                                           renamed=renamed))
    return columns, markers


def resolve_columns(patients, mapping, *, source, measurements=None,
                    response_derived_biomarkers=(), feature_sets=None, sensitivity_sets=()):
    """Feature metadata of the mapped ``patients`` table, with leakage checks.

    Returns
    -------
    dict
        Keys ``feature_columns``, ``categorical_columns``, ``excluded_columns``,
        ``feature_sets`` (ready for ``validate_tables``).

    Raises
    ------
    LeakageError
        When a label, excluded or response-derived column is asked to be a feature.
    """
    from pandas.api.types import is_numeric_dtype

    from irpredict.data._column_roles import drop_identifier_like, warn_identifier_like

    cols = [c for c in patients.columns if c not in CANONICAL]
    # the label, id and site columns are consumed by the mapping: never features anyway
    consumed = {getattr(mapping, key, None) for key in ("label", "id", "site")}
    requested = [n for n in mapping.exclude if n not in consumed]
    renamed = dict(getattr(mapping, "rename", ()) or ())
    exclude = _resolve_optional(cols, requested, source, "columns.exclude", renamed)
    derived = _resolve_optional(cols, mapping.response_derived, source,
                                "columns.response_derived", renamed)
    # patients-table columns a measurement source reads as draws: the series carries them
    timed = {col: float(day) for m in getattr(mapping, "measurements", ()) if m.file is None
             for col, day in ({m.value: m.day} if m.layout == "fixed_day" else
                              dict(m.days or {})).items() if col is not None and day is not None}
    leak = {"label": mapping.label, "exclude": set(exclude), "derived": set(derived),
            "timed": timed}
    if mapping.features is not None:
        what = f"{source} columns.features"
        _check_leaks(list(mapping.features), what=what, allow_derived=False, **leak)
        features = require_columns(patients.columns, mapping.features, source=source,
                                   key="columns.features", dropped=mapping.drop,
                                   renamed=renamed)
        _check_leaks(features, what=what, allow_derived=False, **leak)
    else:
        features = drop_outcome_like(
            [c for c in cols if c not in leak["exclude"] and c not in leak["derived"]
             and c not in timed and not c.startswith(SOURCE_PREFIX)], source=source)
        features = drop_identifier_like(features, patients, source)
    biomarkers = []
    if measurements is not None and len(measurements):
        biomarkers = sorted(measurements["biomarker"].unique().tolist())
    sets, used = {}, list(features)
    consumed = {mapping.id: "patient_id", mapping.site: "site"}
    for name, entries in (feature_sets or {}).items():
        allow = name in set(sensitivity_sets)
        for entry in entries:
            if entry in consumed and entry is not None and entry not in patients.columns:
                raise CohortDataError(
                    f"{source}: feature set {name!r} names {entry!r}, which the mapping reads as "
                    f"{consumed[entry]}: ids and sites identify patients and centres, they are "
                    "never features. Remove it from the feature set")
        _check_leaks(list(entries), what=f"feature set {name!r}", allow_derived=allow, **leak)
        columns, markers = _resolve_set(name, entries, patients, source=source,
                                        dropped=mapping.drop, renamed=renamed,
                                        biomarkers=biomarkers,
                                        derived_markers=set(response_derived_biomarkers))
        _check_leaks(columns, what=f"feature set {name!r}", allow_derived=allow, **leak)
        warn_identifier_like(columns, patients, source, f"feature set {name!r}")
        sets[name] = columns + markers
        used.extend(columns)
    categorical = _resolve_optional(patients.columns, mapping.categorical, source,
                                    "columns.categorical", renamed)
    for column in dict.fromkeys(used):
        if (not is_numeric_dtype(patients[column]) and column not in categorical
                and not numbers_with_stray_text(patients[column])):
            # (a numeric column with a few '<0.5' cells is not a category: validation names them)
            categorical.append(column)
    return {
        "feature_columns": features,
        "categorical_columns": categorical,
        "excluded_columns": exclude,
        "feature_sets": sets,
    }


def _resolve_optional(columns, names, source, key, renamed=None):
    if not names:
        return []
    return require_columns(columns, names, source=source, key=key, renamed=renamed)
