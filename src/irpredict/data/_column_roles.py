"""Roles of patients-table columns beyond the mapping's keys: columns renamed on reading,
and text columns that can only tell patients apart (dates, ids, free text) or hold
numbers written with units."""

import re

from irpredict.data._patients import as_text
from irpredict.data._spec import close_matches, format_ids
from irpredict.exceptions import CohortDataError

__all__ = ["rename_columns", "identifier_like", "numbers_written_as_text",
           "drop_identifier_like", "warn_identifier_like"]


def rename_columns(table, mapping, *, source):
    """``table`` with the feature columns of ``mapping.rename`` under their new names.

    Raises
    ------
    CohortDataError
        When a renamed column is absent, is the id, label, site or therapy-rule
        column, or takes the name of a column the table keeps.
    """
    rename = dict(getattr(mapping, "rename", ()) or ())
    if not rename:
        return table
    where = f"{source}: columns.rename"
    absent = [c for c in rename if c not in table.columns]
    if absent:
        hints = "; ".join(f"{c!r} may be {m!r}" for c in absent
                          for m in close_matches(c, [str(x) for x in table.columns])[:1])
        raise CohortDataError(
            f"{where} names columns the table does not have: {format_ids(absent)}"
            f"{f' ({hints})' if hints else ''}. Name them as written in the file's header.")
    roles = {"id": mapping.id, "label": mapping.label, "site": mapping.site,
             "therapy_rule.column": getattr(mapping.therapy_rule, "column", None),
             "start_date": getattr(mapping, "start_date", None)}
    read = {key: name for key, name in roles.items() if name is not None and name in rename}
    if read:
        raise CohortDataError(
            f"{where} renames {', '.join(f'the {k} column {n!r}' for k, n in read.items())}, "
            "which the mapping reads under its own key; rename only feature columns.")
    taken = [new for new in rename.values() if new in table.columns and new not in rename]
    if taken:
        raise CohortDataError(
            f"{where} gives columns the names of columns the table already has: "
            f"{format_ids(taken)}. Rename or drop (columns.drop) the existing column first.")
    return table.rename(columns=rename)


#: A calendar date written as text (2021-03-04, 04/03/2021, 4.3.21), a time optional.
_DATE_TEXT = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
#: Below this many filled cells a column of distinct values is no sign of an identifier.
_IDENTIFIER_MIN = 20


def identifier_like(series):
    """Why a text column cannot be a category (it holds dates, or a different value for
    nearly every patient, as ids and free text do), or ``None``."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_datetime64_any_dtype(series):
        return "dates"
    text = as_text(series).str.strip()
    text = text[text.notna() & (text != "")]
    if not len(text):
        return None
    if text.str.fullmatch(_DATE_TEXT).mean() >= 0.8:
        return "dates"
    if len(text) >= _IDENTIFIER_MIN and text.nunique() >= 0.9 * len(text):
        return f"{text.nunique()} different values in {len(text)} patients"
    return None


#: A number with a unit or a word after it (45 mm, 12.3 g/dL, <5 %), or with thousands
#: separators (1,234): a measurement a category would read as a level per value.
_NUMBER_WITH_TEXT = re.compile(r"[<>~]?\s*[+-]?\d+(?:[.,]\d+)?\s*[^\d\s.,+-][^\d]*"
                               r"|[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
#: Fewer distinct values than this and such a column can be a real category (1L, 2L).
_NUMBERS_MIN_LEVELS = 10


def numbers_written_as_text(series):
    """A few values of a text column of measurements written with units or separators
    (``45 mm``, ``1,234``), or ``None``."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    text = as_text(series).str.strip()
    text = text[text.notna() & (text != "")]
    if text.nunique() < _NUMBERS_MIN_LEVELS or text.str.fullmatch(_NUMBER_WITH_TEXT).mean() < 0.8:
        return None
    return ", ".join(repr(v) for v in text.unique()[:3])


def _numbers_text_note(found):
    named = "; ".join(f"{c!r} ({examples}, ...)" for c, examples in list(found.items())[:6])
    return (f"numbers written with a unit or separators would be read as categories, one "
            f"level per value: {named}. Write plain numbers (one unit, named in the column, "
            "no thousands separators)")


def drop_identifier_like(columns, patients, source):
    """Default features without text columns of dates, near-unique values or numbers
    written with units (each said once)."""
    import warnings

    from irpredict.exceptions import DefaultFeatureWarning

    numbers = {c: ex for c in columns if (ex := numbers_written_as_text(patients[c])) is not None}
    if numbers:
        warnings.warn(f"{source}: left out of the default features, as "
                      f"{_numbers_text_note(numbers)}", DefaultFeatureWarning, stacklevel=3)
    columns = [c for c in columns if c not in numbers]
    found = {c: why for c in columns if (why := identifier_like(patients[c])) is not None}
    if found:
        named = "; ".join(f"{c!r} ({why})" for c, why in list(found.items())[:6])
        warnings.warn(
            f"{source}: left out of the default features, as a category could only tell "
            f"patients apart, not learn from them: {named}. Exclude them under "
            "[data.columns] exclude to say so (a first-dose date can serve as [data] "
            "start_date); to use one, derive a number from it", DefaultFeatureWarning,
            stacklevel=3)
    return [c for c in columns if c not in found]


def warn_identifier_like(columns, patients, source, where):
    import warnings

    from irpredict.exceptions import DataWarning

    numbers = {c: ex for c in columns if (ex := numbers_written_as_text(patients[c])) is not None}
    if numbers:
        warnings.warn(f"{source}: {where} uses columns of {_numbers_text_note(numbers)}",
                      DataWarning, stacklevel=3)
    columns = [c for c in columns if c not in numbers]
    found = {c: why for c in columns if (why := identifier_like(patients[c])) is not None}
    if found:
        named = "; ".join(f"{c!r} ({why})" for c, why in list(found.items())[:6])
        warnings.warn(
            f"{source}: {where} uses text columns a category can only tell patients apart by, "
            f"not learn from: {named}. Derive a number from them, or leave them out",
            DataWarning, stacklevel=3)
