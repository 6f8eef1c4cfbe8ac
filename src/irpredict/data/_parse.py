"""Parsing the ``[data]`` table of an experiment file into a :class:`ColumnMapping`."""

import math

from irpredict.data._spec import check_keys, close_matches, get
from irpredict.data.cohort import THERAPY_CLASSES
from irpredict.data.mapping import MeasurementSource, TherapyRule, TumorSource
from irpredict.exceptions import ExperimentConfigError, UnknownTherapyError

__all__ = ["parse_mapping", "TIME_UNITS", "DATE_UNIT", "MAPPING_KEYS"]

#: Keys of the ``[data]`` table that describe the column mapping.
MAPPING_KEYS = (
    "id", "label", "label_map", "therapy_class", "therapy_rule", "site", "columns",
    "measurements", "tumor_assessments", "response_derived_biomarkers", "start_date",
    "date_format",
)
_COLUMN_KEYS = ("drop", "exclude", "response_derived", "categorical", "features")
_LAYOUT_KEYS = {
    "long": {"time", "time_unit", "day_offset", "value", "biomarker_column", "unit_column"},
    "wide": {"days"},
    "fixed_day": {"value", "day", "change", "baseline_day"},
}
_COMMON_KEYS = ("layout", "file", "id", "biomarker", "unit", "response_derived")
TIME_UNITS = {"days": 1.0, "weeks": 7.0, "hours": 1.0 / 24.0}
#: ``time_unit`` of a time column holding calendar dates (days counted from ``start_date``).
DATE_UNIT = "date"


def _parse_measurement(item, *, where, resolve):
    layout = get(item, "layout", "str", where=where, default="long", choices=list(_LAYOUT_KEYS))
    allowed = _COMMON_KEYS + tuple(sorted(_LAYOUT_KEYS[layout]))
    for key in item:
        for other, keys in _LAYOUT_KEYS.items():
            if key in keys and key not in _LAYOUT_KEYS[layout]:
                raise ExperimentConfigError(
                    f"{where} key {key!r} applies to layout {other!r}, not {layout!r}; "
                    f"remove it or set layout = {other!r}."
                )
    check_keys(item, allowed, where=where)
    kw = {"layout": layout}
    for key in ("biomarker", "biomarker_column", "id", "unit", "unit_column", "time", "value"):
        kw[key] = get(item, key, "str", where=where)
    kw["file"] = _file(item, "file", where, resolve)
    kw["time_unit"] = get(item, "time_unit", "str", where=where, default="days",
                          choices=[*TIME_UNITS, DATE_UNIT])
    kw["day_offset"] = float(get(item, "day_offset", "number", where=where, default=0.0))
    kw["days"] = dict(get(item, "days", "dict[str,number]", where=where, default={}))
    kw["day"] = get(item, "day", "number", where=where)
    kw["change"] = get(item, "change", "str", where=where, default="none",
                       choices=["none", "log10"])
    kw["baseline_day"] = float(get(item, "baseline_day", "number", where=where, default=0.0))
    kw["response_derived"] = get(item, "response_derived", "bool", where=where, default=False)
    required = {"long": ["time", "value"], "wide": ["days", "biomarker"],
                "fixed_day": ["value", "day", "biomarker"]}[layout]
    for key in required:
        if kw[key] is None or kw[key] == {}:
            raise ExperimentConfigError(f"{where} (layout {layout!r}) needs the key {key!r}.")
    if layout == "long" and bool(kw["biomarker"]) == bool(kw["biomarker_column"]):
        raise ExperimentConfigError(
            f"{where} needs exactly one of 'biomarker' (a name) or 'biomarker_column'."
        )
    if kw["unit"] and kw["unit_column"]:
        raise ExperimentConfigError(f"{where} sets both 'unit' and 'unit_column'; keep one.")
    return MeasurementSource(**kw)


def _parse_tumor(item, *, where, resolve):
    keys = [f.name for f in TumorSource.__dataclass_fields__.values()]
    check_keys(item, keys, where=where)
    kw = {key: get(item, key, "str", where=where) for key in
          ("id", "sld", "percent_change", "baseline", "nontarget", "new_lesion")}
    kw["time"] = get(item, "time", "str", where=where, required=True)
    kw["file"] = _file(item, "file", where, resolve)
    kw["time_unit"] = get(item, "time_unit", "str", where=where, default="days",
                          choices=[*TIME_UNITS, DATE_UNIT])
    kw["day_offset"] = float(get(item, "day_offset", "number", where=where, default=0.0))
    kw["baseline_day"] = float(get(item, "baseline_day", "number", where=where, default=0.0))
    kw["add_baseline"] = get(item, "add_baseline", "bool", where=where, default=True)
    kw["response_derived"] = get(item, "response_derived", "bool", where=where, default=False)
    if bool(kw["sld"]) == bool(kw["percent_change"]):
        raise ExperimentConfigError(
            f"{where} needs exactly one of 'sld' (size in mm) or 'percent_change'."
        )
    if kw["percent_change"] and not kw["baseline"]:
        raise ExperimentConfigError(
            f"{where} uses 'percent_change' and so needs 'baseline' (the patients column "
            "with the baseline size in mm)."
        )
    return TumorSource(**kw)


def _file(item, key, where, resolve):
    text = get(item, key, "str", where=where)
    if text is None:
        return None
    return str(resolve(text)) if resolve is not None else text




def _therapy(value, *, where):
    if value not in THERAPY_CLASSES:
        matches = close_matches(value, THERAPY_CLASSES)
        hint = f" Did you mean {matches[0]!r}?" if matches else ""
        raise UnknownTherapyError(
            f"{where}: unknown therapy class {value!r}.{hint} "
            f"Known classes: {', '.join(THERAPY_CLASSES)}."
        )
    return value


def _refuse_clashing_keys(mapping, *, where):
    """Values are matched in any case and spacing, so keys that differ only so must agree."""
    from irpredict.data._therapy_rule import _rule_key

    seen = {}
    for key, value in mapping.items():
        seen.setdefault(_rule_key(key), []).append((key, value))
    for pairs in seen.values():
        if len({value for _, value in pairs}) > 1:
            keys = " and ".join(repr(k) for k, _ in pairs)
            classes = " and ".join(repr(v) for _, v in pairs)
            raise ExperimentConfigError(
                f"{where}: keys {keys} are the same value written differently (values match "
                f"in any case and spacing) but map to {classes}; keep one of them.")


def _parse_rule(item, *, where):
    check_keys(item, ("column", "map", "patterns", "default"), where=where)
    column = get(item, "column", "str", where=where, required=True)
    mapping = get(item, "map", "dict[str,str]", where=where, default={})
    patterns = get(item, "patterns", "dict[str,str]", where=where, default={})
    default = get(item, "default", "str", where=where)
    for key, value in mapping.items():
        _therapy(value, where=f"{where} map[{key!r}]")
    for key, value in patterns.items():
        _therapy(value, where=f"{where} patterns[{key!r}]")
        _compile(key, where=f"{where} patterns")
    if default is not None:
        _therapy(default, where=f"{where} default")
    _refuse_clashing_keys(mapping, where=f"{where} map")
    if not mapping and not patterns and default is None:
        raise ExperimentConfigError(f"{where} needs 'map', 'patterns' or 'default'.")
    return TherapyRule(column=column, map=dict(mapping), patterns=dict(patterns),
                       default=default)


def _compile(pattern, *, where):
    import re

    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ExperimentConfigError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc


def _parse_rename(rename, *, where):
    """``[data.columns.rename]``: source column = name in the features (text to text)."""
    from irpredict.data._patients import CANONICAL

    bad = {k: v for k, v in rename.items() if not isinstance(v, str) or not v.strip()}
    if bad:
        raise ExperimentConfigError(
            f"{where}: each entry is \"source column\" = \"name\" (text); got {bad}.")
    canonical = {k: v for k, v in rename.items() if v in CANONICAL}
    if canonical:
        raise ExperimentConfigError(
            f"{where} renames {canonical}: {', '.join(CANONICAL)} are read by the [data] keys "
            "id, label, therapy_class/therapy_rule and site, not renamed. Use those keys.")
    targets = list(rename.values())
    repeated = sorted({t for t in targets if targets.count(t) > 1})
    if repeated:
        raise ExperimentConfigError(
            f"{where} gives several columns the same name {repeated}; each name once.")
    return tuple(rename.items())


def parse_mapping(cls, data, *, where, resolve):
    """Build ``cls`` (:class:`ColumnMapping`) from the ``[data]`` dictionary; see its docs."""
    check_keys(data, MAPPING_KEYS, where=where)
    kw = {"id": get(data, "id", "str", where=where, required=True)}
    kw["label"] = get(data, "label", "str", where=where)
    kw["site"] = get(data, "site", "str", where=where)
    for role in ("id", "label"):
        if kw["site"] is not None and kw["site"] == kw[role]:
            raise ExperimentConfigError(
                f"{where} site {kw['site']!r} is also the {role} column; site names the "
                "centre each patient was treated at (folds are grouped by it). Name that "
                "column, or drop 'site'.")
    label_map = get(data, "label_map", "dict", where=where)
    if label_map is not None:
        def unlabelled(v):
            return isinstance(v, float) and math.isnan(v)

        bad = {k: v for k, v in label_map.items()
               if isinstance(v, bool) or not (v in (0, 1) or unlabelled(v))}
        if bad:
            raise ExperimentConfigError(
                f"{where} label_map must map values to 0 or 1 (or nan: no label, e.g. "
                f'"NE" = nan for patients not evaluable); got {bad}.'
            )
        if kw["label"] is None:
            raise ExperimentConfigError(f"{where} sets 'label_map' but no 'label' column.")
        kw["label_map"] = {k: None if unlabelled(v) else int(v) for k, v in label_map.items()}
    constant = get(data, "therapy_class", "str", where=where)
    rule = get(data, "therapy_rule", "dict", where=where)
    if (constant is None) == (rule is None):
        raise ExperimentConfigError(
            f"{where} needs exactly one of 'therapy_class' (a constant, one of "
            f"{', '.join(THERAPY_CLASSES)}) or a [therapy_rule] table."
        )
    if constant is not None:
        kw["therapy_class"] = _therapy(constant, where=f"{where} therapy_class")
    else:
        kw["therapy_rule"] = _parse_rule(rule, where=f"{where}.therapy_rule")
    columns = get(data, "columns", "dict", where=where, default={})
    cwhere = f"{where}.columns"
    check_keys(columns, (*_COLUMN_KEYS, "rename"), where=cwhere)
    for key in _COLUMN_KEYS:
        value = get(columns, key, "list[str]", where=cwhere)
        if value is not None:
            kw[key] = tuple(value)
    kw["rename"] = _parse_rename(get(columns, "rename", "dict", where=cwhere, default={}),
                                 where=f"{cwhere}.rename")
    items = get(data, "measurements", "list[dict]", where=where, default=[])
    kw["measurements"] = tuple(
        _parse_measurement(item, where=f"{where}.measurements entry {i + 1}", resolve=resolve)
        for i, item in enumerate(items)
    )
    tumor = get(data, "tumor_assessments", "dict", where=where)
    if tumor is not None:
        kw["tumor_assessments"] = _parse_tumor(
            tumor, where=f"{where}.tumor_assessments", resolve=resolve)
    derived = get(data, "response_derived_biomarkers", "list[str]", where=where, default=[])
    kw["response_derived_biomarkers"] = tuple(derived)
    kw["start_date"] = get(data, "start_date", "str", where=where)
    kw["date_format"] = get(data, "date_format", "str", where=where)
    _check_dates(kw, where=where)
    return cls(**kw)


def _check_dates(kw, *, where):
    """A time column of dates needs ``start_date``; ``start_date`` and ``date_format`` need
    something to read."""
    sources = [*kw["measurements"], *([kw["tumor_assessments"]] if kw.get("tumor_assessments")
                                      else [])]
    dated = [s for s in sources if s.time_unit == DATE_UNIT]
    if dated and kw["start_date"] is None:
        raise ExperimentConfigError(
            f"{where}: a time column of dates (time_unit = \"date\") counts days from each "
            "patient's first dose: add start_date = \"<patients column with the first-dose "
            "date>\".")
    if kw["start_date"] is not None and kw["start_date"] in (kw["id"], kw["label"], kw["site"]):
        raise ExperimentConfigError(
            f"{where}: start_date {kw['start_date']!r} is also the id, label or site column; "
            "name the column holding each patient's first-dose date.")
    if kw["date_format"] is not None:
        from datetime import datetime

        try:
            datetime(2021, 3, 4).strftime(kw["date_format"])
        except ValueError as exc:
            raise ExperimentConfigError(
                f"{where}: date_format {kw['date_format']!r} is not a date format ({exc}); "
                "write it as in Python's strftime, e.g. \"%d/%m/%Y\".") from None
        if "%" not in kw["date_format"]:
            raise ExperimentConfigError(
                f"{where}: date_format {kw['date_format']!r} has no %-directive; write it as "
                "in Python's strftime, e.g. \"%d/%m/%Y\" for 04/03/2021.")
