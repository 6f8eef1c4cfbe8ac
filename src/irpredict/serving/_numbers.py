"""How the served model reads numbers: text, true/false and missing-value words."""

import re
import sys

import numpy as np

from irpredict.exceptions import CohortDataError

__all__ = ["rows_word", "MISSING_TEXT"]


def rows_word(index):
    """``rows`` for request rows, ``patients`` where the frame is indexed by patient id."""
    return "patients" if index.name == "patient_id" else "rows"


def _first(values, k=5):
    values = list(values)
    more = f" and {len(values) - k} more" if len(values) > k else ""
    return ", ".join(map(str, values[:k])) + more


def _numeric_problems(X, columns):
    """Per-column reasons why ``X[columns]`` does not convert to float (slow path)."""
    import pandas as pd

    problems = []
    for col in columns:
        try:
            values = pd.to_numeric(X[col], errors="coerce")
        except OverflowError:  # an integer beyond the float range (JSON allows any length)
            huge = X[col].map(lambda v: isinstance(v, int) and abs(v) > sys.float_info.max)
            problems.append(f"column {col!r} holds integers too large for a number in "
                            f"{rows_word(X.index)} "
                            f"{_first(X.index[huge.to_numpy(dtype=bool)])}; check the unit")
            continue
        bad = X.index[values.isna() & X[col].notna()]
        if len(bad):
            shown = X.loc[bad, col].astype(str).unique()
            comma = any(re.fullmatch(r"\s*[+-]?\d*,\d+\s*", v) for v in shown)
            problems.append(f"column {col!r} must be numeric; {rows_word(X.index)} "
                            f"{_first(bad)} hold {_first(shown, 3)}"
                            + ("; write one decimal separator for the whole table, a point "
                               "(2.5, not 2,5)" if comma else ""))
    return problems


#: How a missing number is written in a request, as in a file (empty, NA, a lone dash, ...).
MISSING_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", ".", "-", "--"})


def _yes_no_as_numbers(X, columns, ranges=None):
    """A numeric (0/1) feature written as true/false or yes/no reads as 1/0, and a number
    written as missing (``MISSING_TEXT``) is missing.

    Only whole columns of such words are read this way, and, when the training
    ``ranges`` are given, only in columns that were 0/1 flags in training (``age``
    written ``true`` is no flag); any other text stays for :func:`_as_float` to name.
    """
    import pandas as pd

    from irpredict.data.schema import BOOLEAN_VALUES

    converted = {}
    for col in columns:
        values = X[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            continue
        text = values.dropna().astype(str).str.strip().str.lower()
        missing = text.isin(MISSING_TEXT)
        if missing.any():  # as a file's reader reads them: no value
            values = values.mask(values.index.isin(text.index[missing]))
            converted[col] = values
            text = text[~missing]
        low, high = (ranges or {}).get(col, (0.0, 1.0) if ranges is None else (np.nan, np.nan))
        if len(text) and low >= 0 and high <= 1 and text.isin(BOOLEAN_VALUES.keys()).all():
            converted[col] = values.map(
                lambda v: v if pd.isna(v) else float(BOOLEAN_VALUES[str(v).strip().lower()]))
    return X.assign(**converted) if converted else X


#: A number written as text: ASCII digits, one decimal point, an exponent (Python's float()
#: also takes 4_9 and other scripts' digits, which no table means as a number).
_NUMBER_TEXT = r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*|\s*[+-]?(inf|infinity|nan)\s*"


def _odd_number_text(X, columns):
    """Columns holding text that float() reads but a table does not mean as a number."""
    import pandas as pd

    odd = []
    for col in columns:
        if pd.api.types.is_numeric_dtype(X[col]):
            continue
        text = _text_cells(X[col])
        if len(text) and not text.str.fullmatch(_NUMBER_TEXT, flags=re.ASCII
                                                | re.IGNORECASE).all():
            odd.append(col)
    return odd


def _text_cells(values):
    return values[values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)].astype(str)


def _as_float(X, columns):
    """``X[columns]`` as one float matrix, or a :class:`CohortDataError` naming the text."""
    if not columns:
        return np.empty((len(X), 0))
    try:
        values = X[columns].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError, OverflowError):
        problems = _numeric_problems(X, columns) or [
            f"columns {_first(columns, 3)} must hold numbers"]
    else:
        odd = _odd_number_text(X, columns)
        if not odd:
            return values
        problems = [_odd_problem(X, col) for col in odd]
    grouped = any(_text_cells(X[c]).str.fullmatch(_GROUPED).any() for c in columns)
    raise CohortDataError("invalid input: " + "; ".join(problems)
                          + (". Write numbers without thousands separators (23579.4, not "
                             "23,579.4)" if grouped else
                             ". Give numbers, coded as in the training data (1/0 where "
                             "training had 1/0, not words such as Male/Female)"))


#: A number written with thousands separators (23,579.386).
_GROUPED = r"\s*[+-]?\d{1,3}(,\d{3})+(\.\d+)?\s*"


def _odd_problem(X, col):
    text = _text_cells(X[col])
    bad = text.index[~text.str.fullmatch(_NUMBER_TEXT, flags=re.ASCII | re.IGNORECASE)]
    return (f"column {col!r} must be numeric; {rows_word(X.index)} {_first(bad)} hold "
            f"{_first(X.loc[bad, col].astype(str).unique(), 3)}, which are not plain numbers "
            "(ASCII digits and one decimal point, no underscores)")
