"""Calendar dates in longitudinal sources, read as days since each patient's first dose."""

from irpredict.data._patients import as_text, id_text, require_columns
from irpredict.data._spec import format_ids
from irpredict.exceptions import CohortDataError

__all__ = ["parse_dates", "start_dates", "days_since_start"]


def parse_dates(values, *, date_format, where, column, ids):
    """``values`` as datetimes (NaT where blank).

    Text is read with ``date_format`` (strftime) or, without one, as ISO 8601;
    spreadsheet date cells are taken as they are.

    Raises
    ------
    CohortDataError
        Naming the values that are not dates in that format, their patients and
        the fix.
    """
    import pandas as pd
    from pandas.api.types import is_datetime64_any_dtype

    if is_datetime64_any_dtype(values):
        return pd.to_datetime(values).dt.tz_localize(None) if getattr(
            values.dt, "tz", None) is not None else pd.to_datetime(values)
    text = as_text(values).str.strip()
    blank = text.isna() | text.eq("")
    parsed = pd.to_datetime(text.where(~blank), format=date_format or "ISO8601",
                            errors="coerce")
    bad = (~blank & parsed.isna()).to_numpy(dtype=bool)
    if bad.any():
        shown = format_ids(text[bad].unique().tolist())
        how = (f"dates written as {date_format!r}" if date_format
               else "ISO 8601 dates (2021-03-04)")
        fix = ("Fix those dates, or date_format if the column is written another way"
               if date_format else "Write them as dates, or set [data] date_format to how they "
               "are written (\"%d/%m/%Y\" for 04/03/2021)")
        raise CohortDataError(
            f"{where}: column {column!r} holds values that are not real {how}: {shown} "
            f"(patients {format_ids(ids[bad].dropna().unique().tolist())}). {fix}.")
    return parsed.dt.normalize()


def start_dates(table, mapping, *, source):
    """Each patient's first-dose date (index: patient id) from the wide patients table."""
    import pandas as pd

    require_columns(table.columns, [mapping.start_date], source=source, key="start_date")
    ids = id_text(table[mapping.id])
    dates = parse_dates(table[mapping.start_date], date_format=mapping.date_format,
                        where=source, column=mapping.start_date, ids=ids)
    return pd.Series(dates.to_numpy(), index=ids.to_numpy())


def days_since_start(frame, column, ids, starts, *, date_format, where, start_column):
    """Days from each row's patient's first-dose date to the date in ``column``.

    Raises
    ------
    CohortDataError
        When a dated row's patient has no first-dose date.
    """
    import numpy as np

    dates = parse_dates(frame[column], date_format=date_format, where=where, column=column,
                        ids=ids)
    start = starts.reindex(ids.to_numpy()).to_numpy().astype("datetime64[D]")
    lost = dates.notna().to_numpy() & np.isnat(start)
    if lost.any():
        raise CohortDataError(
            f"{where}: patients {format_ids(ids[lost].unique().tolist())} have dated rows in "
            f"{column!r} but no first-dose date in the patients table's {start_column!r}; "
            "fill it in (days are counted from it), or leave those rows out.")
    # in whole days: datetime64[ns] overflows outside 1677-2262, a day count never does
    day = dates.to_numpy().astype("datetime64[D]")
    days = (day - start.astype("datetime64[D]")) / np.timedelta64(1, "D")
    far = np.abs(days) > MAX_YEARS_FROM_START * 365.25
    if far.any():
        shown = ", ".join(f"{d} (patient {p})" for d, p in
                          zip(frame.loc[far, column].astype(str)[:5], ids[far][:5], strict=True))
        raise CohortDataError(
            f"{where}: column {column!r} holds dates more than {MAX_YEARS_FROM_START} years "
            f"from the patient's first dose: {shown}{' ...' if far.sum() > 5 else ''}. A year "
            "is likely mistyped; fix the dates (or the first-dose dates in "
            f"{start_column!r}).")
    return days


#: Dates further than this from a patient's first dose are taken for typing errors.
MAX_YEARS_FROM_START = 20
