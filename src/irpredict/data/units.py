"""Biomarker units: normalised spellings, a declared conversion table, one unit per biomarker.

The conversion table is deliberately small and explicit. Two units convert
when they belong to the same dimension (mass concentration, enzyme activity,
cell counts, molar concentration, percent) or when a biomarker-specific
factor is declared (creatinine mg/dL to umol/L).
"""

import re

__all__ = [
    "CANONICAL_UNITS",
    "normalize_unit",
    "conversion_factor",
    "harmonize_units",
    "is_count_unit",
    "is_percent_unit",
]

# Each dimension: normalised unit -> factor to the dimension's first unit.
_DIMENSIONS = {
    "mass": {"g/L": 1.0, "g/dL": 10.0, "mg/mL": 1.0, "mg/dL": 1e-2, "mg/L": 1e-3,
             "ug/mL": 1e-3, "ug/dL": 1e-5, "ug/L": 1e-6, "ng/mL": 1e-6, "ng/dL": 1e-8,
             "ng/L": 1e-9, "pg/mL": 1e-9},
    "activity": {"U/L": 1.0, "IU/L": 1.0, "mU/mL": 1.0, "ukat/L": 60.0},
    "count": {"10^9/L": 1.0, "10^3/uL": 1.0, "/nL": 1.0, "10^3/mm3": 1.0, "K/uL": 1.0,
              "10^6/L": 1e-3, "/uL": 1e-3, "cells/uL": 1e-3, "/mm3": 1e-3, "10^12/L": 1e3,
              "10^6/uL": 1e3},
    "molar": {"mol/L": 1.0, "mmol/L": 1e-3, "umol/L": 1e-6, "nmol/L": 1e-9, "pmol/L": 1e-12},
    "percent": {"%": 1.0},
}
_UNIT_DIMENSION = {u: dim for dim, units in _DIMENSIONS.items() for u in units}
_KEY_TO_UNIT = {u.lower(): u for u in _UNIT_DIMENSION}
_ALIASES = {
    "pct": "%", "percent": "%", "per cent": "%", "percentage": "%",
    "x10^9/l": "10^9/L", "10e9/l": "10^9/L", "x10e9/l": "10^9/L", "10*9/l": "10^9/L",
    "g/l": "g/L", "10^3/ul": "10^3/uL", "x10^3/ul": "10^3/uL", "10e3/ul": "10^3/uL",
    "thousand/ul": "10^3/uL", "/nl": "/nL", "cells/nl": "/nL", "10^3/μl": "10^3/uL",
    "iu/l": "IU/L", "u/l": "U/L", "units/l": "U/L", "micromol/l": "umol/L",
    # grams per decilitre as clinical reports write them
    "g/100ml": "g/dL", "gm/dl": "g/dL", "gr/dl": "g/dL", "g%": "g/dL",
    "mg/100ml": "mg/dL", "mg%": "mg/dL", "gm/l": "g/L",
}

#: Canonical unit of well-known biomarkers (lower-case biomarker names).
CANONICAL_UNITS = {
    "albumin": "g/L", "hemoglobin": "g/L", "haemoglobin": "g/L", "hgb": "g/L", "hb": "g/L",
    "crp": "mg/L", "ldh": "U/L", "creatinine": "umol/L",
    "anc": "10^9/L", "alc": "10^9/L", "wbc": "10^9/L", "neutrophils": "10^9/L",
    "lymphocytes": "10^9/L", "platelets": "10^9/L", "eosinophils": "10^9/L",
    "monocytes": "10^9/L", "aec": "10^9/L", "amc": "10^9/L",
}
# Biomarker-specific factors to the canonical unit: (biomarker, from unit) -> factor.
_SPECIFIC = {("creatinine", "mg/dL"): 88.4, ("creatinine", "mg/L"): 8.84}


def normalize_unit(unit):
    """Return the canonical spelling of a unit string (``None`` for a missing unit).

    Case, spaces, ``µ``/``μ`` versus ``u`` and percent spellings are unified;
    unknown units keep their spelling with spaces removed.

    Parameters
    ----------
    unit : str or None

    Returns
    -------
    str or None

    Examples
    --------
    >>> normalize_unit(" G/dl "), normalize_unit("µmol/l"), normalize_unit("pct")
    ('g/dL', 'umol/L', '%')
    """
    if unit is None or (isinstance(unit, float) and unit != unit):
        return None
    text = str(unit).strip()
    if not text or text.lower() in ("nan", "na", "none"):
        return None
    text = text.replace("µ", "u").replace("μ", "u").replace("×", "x")
    if text.lower() in _ALIASES:
        return _ALIASES[text.lower()]
    compact = re.sub(r"\s+", "", text)
    key = compact.lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("x10"):
        key = key[1:]
    return _KEY_TO_UNIT.get(key, compact)


def conversion_factor(biomarker, from_unit, to_unit):
    """Factor that converts values of ``biomarker`` from ``from_unit`` to ``to_unit``.

    Parameters
    ----------
    biomarker : str
    from_unit, to_unit : str
        Normalised units (see :func:`normalize_unit`).

    Returns
    -------
    float or None
        ``None`` when the units do not convert.

    Examples
    --------
    >>> conversion_factor("albumin", "g/dL", "g/L")
    10.0
    """
    if from_unit == to_unit:
        return 1.0
    name = str(biomarker).lower()
    if (name, from_unit) in _SPECIFIC and to_unit == CANONICAL_UNITS.get(name):
        return _SPECIFIC[(name, from_unit)]
    if (name, to_unit) in _SPECIFIC and from_unit == CANONICAL_UNITS.get(name):
        return 1.0 / _SPECIFIC[(name, to_unit)]
    dim = _UNIT_DIMENSION.get(from_unit)
    if dim is None or _UNIT_DIMENSION.get(to_unit) != dim:
        return None
    return _DIMENSIONS[dim][from_unit] / _DIMENSIONS[dim][to_unit]


def has_other_scales(unit):
    """Whether a value in ``unit`` could as well be written in another unit of its kind
    (g/L as g/dL, U/L as ukat/L): then a value given without its unit is ambiguous."""
    dimension = _UNIT_DIMENSION.get(normalize_unit(unit))
    return dimension is not None and len(_DIMENSIONS[dimension]) > 1


def is_count_unit(unit):
    """Whether ``unit`` is a cell-count unit (values can never be negative)."""
    return _UNIT_DIMENSION.get(unit) == "count"


def is_percent_unit(unit):
    """Whether ``unit`` is a percentage (values lie in [0, 100])."""
    return unit == "%"


def _target_unit(biomarker, counts):
    declared = CANONICAL_UNITS.get(str(biomarker).lower())
    if declared and any(conversion_factor(biomarker, u, declared) for u in counts.index):
        return declared
    return sorted(counts.index, key=lambda u: (-counts[u], u))[0]


def harmonize_units(measurements, *, source="measurements"):
    """Bring each biomarker to one unit, converting the rows that convert.

    Parameters
    ----------
    measurements : pandas.DataFrame
        Long table with ``biomarker``, ``value`` (numeric) and ``unit`` columns
        and the default index (row ``i`` is file row ``i + 2``).
    source : str
        File name used in messages.

    Returns
    -------
    converted : pandas.DataFrame
        A copy with ``value`` converted and ``unit`` normalised.
    units : dict of str to str
        Biomarker to its unit (biomarkers without any unit are left out).
    problems : list of str
        One message per biomarker whose units stay mixed or are partly missing.
    """
    import pandas as pd

    out = measurements.copy()
    spellings = {u: normalize_unit(u) for u in out["unit"].dropna().unique()}
    out["unit"] = out["unit"].astype(object).map(spellings).astype(object)
    out["unit"] = out["unit"].map(_one_spelling_per_case(out["unit"]))
    units, problems = {}, []
    for biomarker, rows in out.groupby("biomarker", sort=True):
        missing = rows["unit"].isna()
        if missing.all():
            continue
        if is_count_unit(CANONICAL_UNITS.get(str(biomarker).lower())):
            # a cell count cannot be grams per litre: 'G/L' is giga (10^9) per litre
            giga = rows.index[rows["unit"] == "g/L"]
            out.loc[giga, "unit"] = "10^9/L"
            rows = out.loc[rows.index]
        if missing.any():
            where = _rows(rows.index[missing])
            problems.append(
                f"{source}: column 'unit': biomarker '{biomarker}' has a unit in "
                f"{int((~missing).sum())} rows but none at {where}. "
                "Fix: fill in the unit on every row of that biomarker"
            )
            continue
        counts = rows["unit"].value_counts()
        target = _target_unit(biomarker, counts)
        factors = pd.Series({u: conversion_factor(biomarker, u, target) for u in counts.index})
        stuck = [u for u in counts.index if factors[u] is None or pd.isna(factors[u])]
        if stuck:
            listing = ", ".join(f"{u} ({counts[u]} rows)" for u in counts.index)
            problems.append(
                f"{source}: column 'unit': biomarker '{biomarker}' is recorded in units that "
                f"do not convert into each other: {listing}. "
                "Fix: convert the values to one unit, or give each assay its own biomarker "
                "name (e.g. 'ctdna_mtm' and 'ctdna_vaf')"
            )
            continue
        scale = rows["unit"].map(factors).astype(float)
        out.loc[rows.index, "value"] = rows["value"].astype(float) * scale
        out.loc[rows.index, "unit"] = target
        units[str(biomarker)] = target
    return out, units, problems


def _one_spelling_per_case(units):
    """Map unknown units that differ only in case ('MTM/mL', 'mtm/ml') to the most common one."""
    counts = units.value_counts()
    chosen = {}
    for unit in sorted(counts.index, key=lambda u: (-counts[u], u)):
        chosen.setdefault(unit.lower(), unit)
    return {unit: chosen[unit.lower()] for unit in counts.index}


def _rows(index, limit=5):
    rows = ", ".join(str(int(i) + 2) for i in index[:limit])
    if len(index) == 1:
        return f"row {rows}"
    more = f" (... {len(index)} rows in all)" if len(index) > limit else f" ({len(index)} rows)"
    return f"rows {rows}{more}"
