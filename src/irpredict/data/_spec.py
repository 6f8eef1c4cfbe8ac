"""Checking plain dictionaries (parsed TOML) against a declared set of keys and types.

Every failure is an :class:`~irpredict.exceptions.ExperimentConfigError` that
names the key, where it sits (file and section) and, for unknown keys, the
closest allowed keys.
"""

import difflib
import math

from irpredict.exceptions import ExperimentConfigError

__all__ = ["check_keys", "get", "close_matches", "format_ids"]

_TYPE_NAMES = {
    "str": "a string",
    "number": "a number",
    "int": "an integer",
    "bool": "true or false",
    "list[str]": "a list of strings",
    "dict": "a table",
    "dict[str,number]": "a table of numbers",
    "dict[str,str]": "a table of strings",
    "dict[str,scalar]": "a table of strings or numbers",
    "list[dict]": "an array of tables",
}


def close_matches(name, candidates, n=3):
    """Return up to ``n`` candidates close to ``name`` (case-insensitive difflib)."""
    candidates = [str(c) for c in candidates]
    lowered = {c.lower(): c for c in candidates}
    key = str(name).lower()
    found = difflib.get_close_matches(key, list(lowered), n=n, cutoff=0.6)
    if len(key) >= 3:  # "SLD" for "SLD (mm)": a name inside a longer header
        found += [c for c in lowered if key in c and c != key and c not in found]
    return [lowered[f] for f in found[:n]]


def _suggest(name, candidates):
    matches = close_matches(name, candidates)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"


def format_ids(values, limit=5):
    """Format the first few offending values plus a count, e.g. ``'a', 'b' ... (7 in total)``."""
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:limit])
    if len(values) > limit:
        shown += f" ... ({len(values)} in total)"
    return shown


def check_keys(section, allowed, *, where):
    """Raise when ``section`` holds a key outside ``allowed``.

    Parameters
    ----------
    section : dict
        The parsed table.
    allowed : iterable of str
        Keys this table may hold.
    where : str
        Location for messages, e.g. ``"experiments/x.toml [data]"``.

    Raises
    ------
    ExperimentConfigError
        Naming the unknown key, the location and close matches.
    """
    if not isinstance(section, dict):
        raise ExperimentConfigError(f"{where} must be a table, got {type(section).__name__}.")
    allowed = list(allowed)
    for key in section:
        if key not in allowed:
            home = _home_of(key) if where.endswith(_SECTIONS) else None
            hint = (f" {key!r} belongs in {home}." if home and not where.endswith(home)
                    else _suggest(key, allowed))
            raise ExperimentConfigError(
                f"unknown key {key!r} in {where}.{hint} Allowed keys: {', '.join(allowed)}."
            )


#: Sections whose stray keys may belong in another (not tables nested in a list).
_SECTIONS = ("[data]", "[study]", "[evaluation]", "[data].columns", "[monitoring]",
             "[screening]")


def home_hint(key, where):
    """`` 'x' belongs in [section].`` for a key of another section, else an empty string."""
    home = _home_of(key)
    return f" {key!r} belongs in {home}." if home and not where.endswith(home) else ""


def _home_of(key):
    """The section of an experiment file where ``key`` belongs, if it is one of a section's
    own keys (``threshold`` under [data] belongs in [model])."""
    from dataclasses import fields

    from irpredict.training.settings import ModelSettings

    homes = {
        **dict.fromkeys(("drop", "exclude", "response_derived", "categorical", "features",
                         "rename"), "[data.columns]"),
        **dict.fromkeys(("published_auc", "published_note"), "[evaluation]"),
        **dict.fromkeys(("days",), "[monitoring]"),
        **dict.fromkeys((f.name for f in fields(ModelSettings)), "[model]"),
        **dict.fromkeys(("source", "folder", "simulate", "id", "label", "label_map",
                         "therapy_class", "therapy_rule", "site", "start_date"), "[data]"),
        **dict.fromkeys(("name", "description"), "[study]"),
        **dict.fromkeys(("sheet",), "[data]"),
        **dict.fromkeys(("definition", "criteria", "confirm_days", "min_sd_days",
                         "benefit_days", "max_nr_ne", "accept_sd", "pcr_column"),
                        "[data.response_label]"),
    }
    return homes.get(key)


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _matches(value, kind):
    if kind == "str":
        return isinstance(value, str) and value.strip() != ""
    if kind == "number":
        return _is_number(value)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) and v for v in value)
    if kind == "dict":
        return isinstance(value, dict)
    if kind == "list[dict]":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if kind.startswith("dict[str,"):
        if not isinstance(value, dict):
            return False
        inner = kind[len("dict[str,"):-1]
        if inner == "scalar":
            return all(isinstance(v, str) or _is_number(v) for v in value.values())
        return all(_matches(v, inner) for v in value.values())
    raise AssertionError(kind)  # pragma: no cover - programming error


def get(section, key, kind, *, where, default=None, required=False, choices=None):
    """Return ``section[key]`` after checking its type (and allowed values).

    Parameters
    ----------
    section : dict
        The parsed table.
    key : str
        Key to read.
    kind : str
        One of ``"str"``, ``"number"``, ``"int"``, ``"bool"``, ``"list[str]"``,
        ``"dict"``, ``"list[dict]"``, ``"dict[str,number]"``, ``"dict[str,str]"``,
        ``"dict[str,scalar]"``.
    where : str
        Location for messages.
    default : object, default=None
        Returned when the key is absent and not required.
    required : bool, default=False
        Raise when the key is absent.
    choices : sequence of str or None, default=None
        Allowed values of a string key.

    Raises
    ------
    ExperimentConfigError
        When the key is missing, has the wrong type or a value outside ``choices``.
    """
    if key not in section:
        if required:
            raise ExperimentConfigError(f"{where} needs the key {key!r}; add it.")
        return default
    value = section[key]
    if not _matches(value, kind):
        raise ExperimentConfigError(
            f"{where} key {key!r} must be {_TYPE_NAMES[kind]}, got {value!r} "
            f"({type(value).__name__})."
        )
    if choices is not None and value not in choices:
        raise ExperimentConfigError(
            f"{where} key {key!r} is {value!r}; it must be one of "
            f"{', '.join(map(repr, choices))}.{_suggest(value, choices)}"
        )
    return value
