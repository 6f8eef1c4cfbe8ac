"""Numbers of a tumour-assessment table: days and sizes as written by radiology exports."""

import numpy as np
import pandas as pd

from irpredict.data.schema import _DAY_FIX, PLAUSIBLE_MAGNITUDE
from irpredict.exceptions import CohortDataError

__all__ = ["file_rows", "numeric_column"]


def file_rows(mask):
    """File row numbers (the header is row 1) of a boolean Series over the table's rows."""
    rows = np.asarray(mask.index[np.asarray(mask, dtype=bool)]) + 2
    return ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")


#: How a size that could not be measured is written (read as missing: the visit is NE).
_NOT_EVALUABLE = ("NE", "N/E", "NOT EVALUABLE", "NOT EVALUATED", "UE")


def _dates(values):
    """Whether every value reads as a calendar date (2021-03-01, 01/03/2021)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not infer format"
        parsed = pd.to_datetime(values.astype(str), errors="coerce", format="mixed")
    return bool(parsed.notna().all())


_NUMBER_FIX = {
    "day": "write plain numbers: days since the first dose",
    "new_lesion_count": "write whole numbers of new lesions (0 for none), or leave it empty "
                        "when not assessed",
    "new_nontarget_count": "write whole numbers of new non-target lesions (0 for none), or "
                           "leave it empty when not assessed",
}


def numeric_column(frame, column, source, *, required):
    raw = frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw) or pd.api.types.is_timedelta64_dtype(raw):
        # to_numeric would turn them into nanoseconds without a word
        raise CohortDataError(
            f"{source}: column '{column}' holds dates, not numbers, e.g. rows "
            f"{file_rows(raw.notna())} with {raw.dropna().astype(str).unique()[:3].tolist()}; "
            + (f"{_DAY_FIX}" if column == "day" else "write plain numbers")
        )
    values = pd.to_numeric(raw, errors="coerce")
    text = raw.astype("string").str.strip()
    filled = (text != "").fillna(False).to_numpy(dtype=bool)
    # radiology exports write a size that could not be measured as NE: a missing size
    not_evaluable = (text.str.upper().isin(_NOT_EVALUABLE).fillna(False).to_numpy(dtype=bool)
                     if column != "day" else np.zeros(len(raw), dtype=bool))
    bad = pd.Series(values.isna().to_numpy() & raw.notna().to_numpy() & filled
                    & ~not_evaluable, index=raw.index)
    if bad.any():
        shown = raw[bad].astype(str).unique()[:3].tolist()
        where = (f"{int(bad.sum())} rows are not, e.g. rows {file_rows(bad)} hold" if bad.sum() > 1
                 else f"row {file_rows(bad)} holds")
        if column == "day" and _dates(raw[bad]):
            raise CohortDataError(
                f"{source}: column 'day' holds dates, not numbers: "
                f"{'rows' if bad.sum() > 1 else 'row'} {file_rows(bad)} "
                f"{'hold' if bad.sum() > 1 else 'holds'} {shown}; {_DAY_FIX}")
        raise CohortDataError(
            f"{source}: column '{column}' must be numeric; {where} {shown}; "
            + _NUMBER_FIX.get(column, "write plain numbers in mm, or leave a size empty (or NE) "
                                      "when it was not measured")
        )
    huge = np.abs(values.astype(float)) >= PLAUSIBLE_MAGNITUDE
    if huge.any():
        raise CohortDataError(
            f"{source}: column '{column}' holds infinite or implausibly large values "
            f"(beyond 1e15) in rows {file_rows(huge)}: "
            f"{raw[huge].astype(str).unique()[:3].tolist()}; "
            "replace them by finite numbers (mm for sizes, days since first dose for day) or "
            "empty cells"
        )
    if required and values.isna().any():
        miss = values.isna()
        raise CohortDataError(
            f"{source}: column '{column}' is empty in {int(miss.sum())} rows "
            f"(rows {file_rows(miss)}); "
            f"every row needs a {column}"
        )
    return values.astype(float)
