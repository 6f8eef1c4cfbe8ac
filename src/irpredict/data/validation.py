"""Validate the three cohort tables at once and build a :class:`~irpredict.data.Cohort`.

Every problem is collected (pandera ``lazy=True`` plus cross-table checks) and
raised as one :class:`~irpredict.exceptions.CohortDataError` listing them one
per line, each naming the file, the column, a few rows or patient ids, the
count and the fix.
"""

from difflib import get_close_matches

from irpredict.data._column_checks import (
    _case,
    _check_leakage,
    _check_range,
    _check_text_in_numbers,
    _ids,
    _label_values,
    _rows,
    check_ldh_uln,
)
from irpredict.data._lab_names import one_biomarker_spelling
from irpredict.data._patients import is_ordinal_code_column
from irpredict.data.cohort import Cohort
from irpredict.data.outcome_names import drop_outcome_like
from irpredict.data.plausibility import LAB_RANGES_TEXT, implausible_labs
from irpredict.data.schema import (
    BOOLEAN_VALUES,
    canonical_nontarget,
    describe_failures,
    measurements_schema,
    patients_schema,
    tumor_assessments_schema,
)
from irpredict.data.units import harmonize_units, is_count_unit, is_percent_unit
from irpredict.exceptions import CohortDataError

__all__ = ["validate_tables", "TABLES"]

#: The table names of a cohort, in order.
TABLES = ("patients", "measurements", "tumor_assessments")
_NON_FEATURES = ("patient_id", "therapy_class", "site")


def validate_tables(patients, measurements=None, tumor_assessments=None, *, sources=None,
                    name="cohort", label_col="response", feature_columns=None,
                    categorical_columns=None, excluded_columns=None,
                    response_derived_biomarkers=None, feature_sets=None):
    """Validate cohort tables and return a :class:`~irpredict.data.Cohort`.

    Parameters
    ----------
    patients : pandas.DataFrame
        One row per patient: ``patient_id``, ``therapy_class``, optionally the
        label and baseline columns.
    measurements, tumor_assessments : pandas.DataFrame or None, default=None
        The long tables of the data model (see :mod:`irpredict.data.schema`).
    sources : dict of str to str or None, default=None
        Table name to the file it came from, used in messages.
    name : str, default="cohort"
        Study name.
    label_col : str, default="response"
        The 0/1 label column of ``patients`` (optional in the table).
    feature_columns : list of str or None, default=None
        Columns that may be model inputs; ``None`` takes every column but
        ``patient_id``, ``therapy_class``, ``site``, the label and the excluded ones.
    categorical_columns : list of str or None, default=None
        Categorical features; ``None`` takes the non-numeric feature columns.
    excluded_columns : list of str or None, default=None
        Columns that must never be features (outcomes, response-derived scores).
    response_derived_biomarkers : list of str or None, default=None
        Biomarkers of ``measurements`` derived from the response assessment.
    feature_sets : dict of str to list of str or None, default=None
        Named feature sets, stored on the cohort.

    Returns
    -------
    Cohort
        ``patient_id`` as text, ``day``/``value``/``target_sld_mm`` as float,
        the label as nullable ``Int8``, ``new_lesion`` as nullable boolean,
        each biomarker in one unit (``Cohort.units``).

    Raises
    ------
    CohortDataError
        Listing every problem, one per line; ``failure_cases`` holds the
        structured cases (pandera's columns plus ``table``).

    Notes
    -----
    Measurement rows without a value are dropped (a missing draw), and so are
    exact duplicate rows; duplicates with different values are an error. Blank
    text cells count as missing. Rows are reported as file rows (the header
    is row 1), assuming the tables come straight from their files.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"patient_id": ["a", "b"], "therapy_class": ["cytokine"] * 2,
    ...                   "response": [0, 1]})
    >>> validate_tables(p).n_patients
    2
    """
    import pandas as pd

    sources = {k: str(v) for k, v in (sources or {}).items()}
    src = {t: sources.get(t, f"{t} table") for t in TABLES}
    frames = {"patients": _prepared(patients, "patients")}
    if measurements is not None:
        frames["measurements"] = _prepared(measurements, "measurements")
    if tumor_assessments is not None:
        frames["tumor_assessments"] = _prepared(tumor_assessments, "tumor_assessments")
    schemas = {"patients": patients_schema(label_col), "measurements": measurements_schema(),
               "tumor_assessments": tumor_assessments_schema()}
    problems, cases = [], []
    if len(frames["patients"]) == 0:
        problems.append(f"{src['patients']}: the patients table has no rows. "
                        "Fix: add one row per patient below the header")
    for table, frame in frames.items():
        failures = _run_schema(schemas[table], frame)
        if failures is not None:
            cases.append(failures.assign(table=table))
    if cases:
        problems += describe_failures(pd.concat(cases, ignore_index=True), frames, src, label_col)
    extra = []
    meta = _check_patients(frames["patients"], src["patients"], label_col, feature_columns,
                           categorical_columns, excluded_columns, problems, extra)
    known = None
    if "patient_id" in frames["patients"] and len(frames["patients"]):
        known = set(_ids(frames["patients"]["patient_id"]).dropna())
    out = {"measurements": None, "tumor_assessments": None, "units": {}}
    if "measurements" in frames:
        out["measurements"], out["units"] = _check_measurements(
            frames["measurements"], src["measurements"], known, problems, extra)
    if "tumor_assessments" in frames:
        out["tumor_assessments"] = _check_tumor(
            frames["tumor_assessments"], src["tumor_assessments"], known, problems, extra)
    if problems:
        fc = None
        if cases or extra:
            fc = pd.concat(cases + [pd.DataFrame(extra)], ignore_index=True)
        noun = "problem" if len(problems) == 1 else "problems"
        raise CohortDataError(
            f"cohort '{name}' is not valid ({len(problems)} {noun}):\n"
            + "\n".join(f"- {p}" for p in problems),
            failure_cases=fc,
        )
    from irpredict.data._level_spellings import fold_level_spellings

    return Cohort(
        patients=fold_level_spellings(_coerce_patients(frames["patients"], label_col),
                                      meta["categorical"], src["patients"]),
        measurements=out["measurements"], tumor_assessments=out["tumor_assessments"],
        name=name, label_col=label_col, feature_columns=meta["features"],
        categorical_columns=meta["categorical"], excluded_columns=list(excluded_columns or []),
        response_derived_biomarkers=list(response_derived_biomarkers or []),
        units=out["units"], sources=sources, feature_sets=dict(feature_sets or {}),
    )


def _prepared(frame, table):
    """Default index (row i is file row i + 2), stripped names, blank text cells as missing."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"the {table} table must be a pandas DataFrame with named columns; got "
                        f"{type(frame).__name__}. Read files with irpredict.data.load_cohort")
    frame = frame.reset_index(drop=True).copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            blank = series.astype("string").str.strip().eq("").fillna(False).astype(bool)
            if blank.any():
                frame[col] = series.mask(blank)
    if "patient_id" in frame.columns and (pd.api.types.is_object_dtype(frame["patient_id"])
                                          or pd.api.types.is_string_dtype(frame["patient_id"])):
        # 'SIM-00005 ' is patient SIM-00005 everywhere else: the same when counting duplicates
        ids = frame["patient_id"]
        frame["patient_id"] = ids.map(lambda v: v.strip() if isinstance(v, str) else v)
    return frame


def _run_schema(schema, frame):
    import pandera.errors as pe

    try:
        schema.validate(frame, lazy=True)
    except pe.SchemaErrors as exc:
        return exc.failure_cases
    return None


def _check_patients(frame, source, label_col, feature_columns, categorical_columns,
                    excluded_columns, problems, extra):
    import pandas as pd

    excluded = list(excluded_columns or [])
    for kind, listed in (("feature", feature_columns), ("categorical", categorical_columns),
                         ("excluded", excluded_columns)):
        absent = [c for c in (listed or []) if c not in frame.columns]
        for col in absent:
            close = get_close_matches(col, [str(c) for c in frame.columns], n=3)
            hint = f" (close: {', '.join(close)})" if close else ""
            problems.append(f"{source}: {kind} column '{col}' is not in the table{hint}. "
                            "Fix: correct the name or drop it from the list")
    reserved = set(_NON_FEATURES) | {label_col} | set(excluded)
    if feature_columns is None:
        features = drop_outcome_like([c for c in frame.columns if c not in reserved],
                                     source=source)
    else:
        features = [c for c in feature_columns if c in frame.columns]
    ids = _ids(frame["patient_id"]) if "patient_id" in frame else None
    declared_categorical = set(categorical_columns or [])
    text_reported = set()
    for col in features:
        # codes such as HER2 IHC "0", "1+", "2+" are text on purpose
        if col not in declared_categorical and not is_ordinal_code_column(col, frame[col]) \
                and _check_text_in_numbers(frame, col, source, ids, problems, extra):
            text_reported.add(col)
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    if categorical_columns is None:
        categorical = [c for c in features if c not in numeric]
    else:
        categorical = [c for c in categorical_columns if c in frame.columns]
    for col in numeric:
        _check_range(frame, col, source, ids, problems)
    check_ldh_uln(frame, source, ids, problems, text_checked="ldh_uln" in text_reported)
    if label_col in frame.columns and len(frame):
        _check_leakage(frame, features, numeric, label_col, source, problems, extra)
    return {"features": features, "categorical": categorical}


def _check_unknown(frame, table, source, known, problems, extra):
    ids = _ids(frame["patient_id"])
    if known is None:  # the patients table is unusable; its own problem is reported
        return ids
    unknown = ids.notna() & ~ids.isin(known)
    if unknown.any():
        names = list(dict.fromkeys(ids[unknown]))
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        stripped = {str(k).lstrip("0"): k for k in known}
        zeros = [(n, stripped[n.lstrip("0")]) for n in names
                 if n.lstrip("0") in stripped and n != stripped[n.lstrip("0")]]
        hint = (f"; the patients table has {zeros[0][1]!r} for {zeros[0][0]!r}: these ids lost "
                "(or gained) leading zeros, as ids stored as numbers do: write them as in the "
                "patients table" if zeros else "")
        problems.append(
            f"{source}: column 'patient_id': patients not in the patients table: {shown} "
            f"({len(names)} patient{'s' if len(names) > 1 else ''}; "
            f"at {_rows(frame.index[unknown])}){hint}. "
            "Fix: add them to the patients table or drop their rows")
        extra.extend(_case(table, "patient_id", "known_patient", v, i)
                     for i, v in ids[unknown].items())
    return ids


#: The columns of a measurements table; any other is not read.
MEASUREMENT_COLUMNS = ("patient_id", "biomarker", "day", "value", "unit")


def _warn_unread_columns(frame, source):
    import warnings

    from irpredict.exceptions import DataWarning

    unread = [str(c) for c in frame.columns if c not in MEASUREMENT_COLUMNS]
    if not unread:
        return
    hint = (" (ldh_uln, LDH's upper limit of normal, is read from the patients table: one "
            "value per patient)" if "ldh_uln" in unread else "")
    warnings.warn(f"{source}: columns {', '.join(map(repr, unread[:8]))} are not read (a "
                  f"measurements table is read as {', '.join(MEASUREMENT_COLUMNS)}){hint}",
                  DataWarning, stacklevel=4)


def _check_measurements(frame, source, known, problems, extra):
    import numpy as np
    import pandas as pd

    if not {"patient_id", "biomarker", "day", "value"} <= set(frame.columns):
        return None, {}
    _warn_unread_columns(frame, source)
    m = frame.copy()
    m["patient_id"] = _check_unknown(frame, "measurements", source, known, problems, extra)
    m["biomarker"] = m["biomarker"].astype("string").str.strip()
    m["biomarker"] = one_biomarker_spelling(m["biomarker"], source)
    m["day"] = pd.to_numeric(m["day"], errors="coerce").astype(float)
    m["value"] = pd.to_numeric(m["value"], errors="coerce").astype(float)
    m = m[m["value"].notna() & np.isfinite(m["value"]) & m["day"].notna() & m["biomarker"].notna()]
    units = {}
    if "unit" in m.columns:
        m, units, unit_problems = harmonize_units(m, source=source)
        problems.extend(unit_problems)
        unit = m["unit"]
    else:
        unit = pd.Series(None, index=m.index, dtype=object)
    count = unit.map(lambda u: is_count_unit(u)).astype(bool) & (m["value"] < 0)
    pct = (unit.map(lambda u: is_percent_unit(u)).astype(bool)
           | m["biomarker"].str.lower().str.endswith("_pct").fillna(False).astype(bool))
    pct = pct & ((m["value"] > 100) | (m["value"] < 0))
    lab = implausible_labs(m, unit)
    for mask, what, fix in ((count, "negative cell counts", "counts cannot be negative"),
                            (pct, "percentages outside 0-100", "write percents as 0-100"),
                            (lab, "lab values no patient can have in their unit",
                             "check the unit column (e.g. albumin in g/dL labelled g/L) and "
                             f"the values; plausible: {LAB_RANGES_TEXT}")):
        if mask.any():
            names = ", ".join(sorted(set(m.loc[mask, "biomarker"])))
            problems.append(f"{source}: column 'value': {what} for {names} at "
                            f"{_rows(m.index[mask], m['patient_id'])}. Fix: {fix}")
            extra.extend(_case("measurements", "value", what, v, i)
                         for i, v in m.loc[mask, "value"].items())
    _check_unitless_scales(m, unit, source, problems)
    m = m.drop_duplicates(subset=["patient_id", "biomarker", "day", "value"])
    _conflicts(m, ["patient_id", "biomarker", "day"], "value", source, problems, extra,
               "keys have conflicting values",
               "keep one value per draw (e.g. average replicates) or correct the day")
    return m.reset_index(drop=True), units


def _check_unitless_scales(m, unit, source, problems):
    """A lab without a unit is read in irpredict's unit for it; values that cannot be in
    that unit are refused when mixed with ones that can (two scales in one series), and
    warned about when the whole series is so (a model trained on it reads it as such)."""
    import warnings

    from irpredict.data.plausibility import unitless_lab_scales
    from irpredict.exceptions import DataWarning

    for biomarker, lab_unit, inside, outside in unitless_lab_scales(m, unit):
        values = m.loc[outside, "value"]
        shown = f"{values.min():g}-{values.max():g}" if len(values) > 1 else f"{values.min():g}"
        if len(inside):
            problems.append(
                f"{source}: column 'value': {biomarker} has no unit, and its values mix two "
                f"scales: {len(inside)} rows fit {lab_unit}, {len(outside)} rows ({shown}) "
                f"cannot be {lab_unit}, at {_rows(outside, m['patient_id'])}. Fix: add a "
                "'unit' column (irpredict converts, e.g. g/dL to g/L), or convert those rows")
        else:
            warnings.warn(
                f"{source}: {biomarker} has no unit and none of its values ({shown}) can be "
                f"{lab_unit}, the unit irpredict reads it in: give it a 'unit' column, so that "
                "a model trained on it scores cohorts in other units correctly", DataWarning,
                stacklevel=4)


def _conflicts(frame, keys, column, source, problems, extra, what, fix):
    """Report rows sharing ``keys`` (the last one the day; exact duplicates already dropped)."""
    clash = frame.duplicated(subset=keys, keep=False) & frame[keys].notna().all(axis=1)
    if not clash.any():
        return
    groups = frame[clash].groupby(keys, sort=False)
    # keys end with the day: "P1 crp day 14", "P1 day 42"
    shown = "; ".join(" ".join(map(str, key[:-1])) + f" day {key[-1]:g}"
                      for key in list(groups.groups)[:5])
    table = "measurements" if "biomarker" in keys else "tumor_assessments"
    problems.append(f"{source}: {groups.ngroups} ({', '.join(keys)}) {what} ({shown}; at "
                    f"{_rows(frame.index[clash])}). Fix: {fix}")
    extra.extend(_case(table, column, "conflicting_duplicate", v, i)
                 for i, v in frame.loc[clash, column].items())


def _check_tumor(frame, source, known, problems, extra):
    import pandas as pd

    if not {"patient_id", "day", "target_sld_mm"} <= set(frame.columns):
        return None
    t = frame.copy()
    t["patient_id"] = _check_unknown(frame, "tumor_assessments", source, known, problems, extra)
    t["day"] = pd.to_numeric(t["day"], errors="coerce").astype(float)
    t["target_sld_mm"] = pd.to_numeric(t["target_sld_mm"], errors="coerce").astype(float)
    if "nontarget" in t.columns:
        t["nontarget"] = canonical_nontarget(t["nontarget"])
    if "new_lesion" in t.columns:
        flags = t["new_lesion"].astype("string").str.strip().str.lower().map(BOOLEAN_VALUES)
        t["new_lesion"] = flags.astype("boolean")
    t = t.drop_duplicates()  # a visit written twice is one visit
    lesion = next((c for c in t.columns if "lesion" in str(c).lower()
                   and str(c).lower() not in ("new_lesion", "new_lesion_sld_mm",
                                               "new_lesion_count")), None)
    fix = (f"the table looks lesion-level (column '{lesion}'): sum the target lesions' "
           "diameters of each visit into target_sld_mm, one row per patient and scan day"
           if lesion is not None else
           "keep one row per patient and scan day (the response criteria read one assessment "
           "per visit)")
    _conflicts(t, ["patient_id", "day"], "day", source, problems, extra,
               "visits have conflicting rows", fix)
    return t.reset_index(drop=True)


def _coerce_patients(frame, label_col):
    p = frame.copy()
    p["patient_id"] = _ids(p["patient_id"])
    p["therapy_class"] = p["therapy_class"].astype("string").str.strip()
    if label_col in p.columns:
        p[label_col] = _label_values(p[label_col]).astype("Int8")
    return p
