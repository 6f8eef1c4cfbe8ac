"""Pandera schemas of the three cohort tables, and their failures as readable messages.

The schemas check the tables as read (before any type conversion), so that a
text value in a numeric column is reported with its row instead of silently
becoming missing. :func:`irpredict.data.validation.validate_tables` runs them
lazily (every failure at once) and adds the cross-table checks.
"""

import re

from irpredict.data.cohort import THERAPY_CLASSES

__all__ = [
    "NONTARGET_VALUES",
    "BOOLEAN_VALUES",
    "patients_schema",
    "measurements_schema",
    "tumor_assessments_schema",
    "describe_failures",
]

#: Allowed RECIST non-target lesion responses.
NONTARGET_VALUES = ("CR", "NON-CR/NON-PD", "PD", "NE")
_NONTARGET_SPELLINGS = {"NON-CR-NON-PD": "NON-CR/NON-PD", "NON-CR NON-PD": "NON-CR/NON-PD",
                        "NONCR/NONPD": "NON-CR/NON-PD", "NON-CR/NON PD": "NON-CR/NON-PD",
                        "NON CR/NON PD": "NON-CR/NON-PD"}
#: Accepted spellings of a boolean (lower-case text) and their meaning.
BOOLEAN_VALUES = {"1": True, "0": False, "1.0": True, "0.0": False, "true": True, "false": False,
                  "yes": True, "no": False, "y": True, "n": False, "t": True, "f": False}
#: No clinical quantity reaches this in any unit; larger values overflow the kinetic features.
PLAUSIBLE_MAGNITUDE = 1e15
_LABEL_VALUES = {"0", "1", "0.0", "1.0", "true", "false"}
_DATE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_DAY_FIX = ("days must be numbers of days since the first dose (day 0; negative = before "
            "treatment): subtract each patient's first-dose date and write the difference in "
            "days, or read the dates through an experiment file (its [data] start_date, the "
            "first-dose date column, and time_unit = \"date\"; see experiments/README.md)")
#: Values written below a detection limit, as lab exports write them.
_BELOW_LIMIT = re.compile(r"^\s*(<|&lt;|≤|<=)\s*\d|^\s*(nd|n\.d\.|neg|negative|bdl|<lod|"
                          r"below|not detected|undetectable)\s*$", re.IGNORECASE)


def _numeric(series):
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return pd.Series(False, index=series.index)  # would silently become nanoseconds
    return pd.to_numeric(series, errors="coerce").notna()


def _finite(series):
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return pd.Series(True, index=series.index)  # the numeric check names them as dates
    values = pd.to_numeric(series, errors="coerce").astype(float)
    return ~(np.abs(values) >= PLAUSIBLE_MAGNITUDE)


def _non_negative(series):
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce")
    return values.isna() | (values >= 0)


def canonical_nontarget(series):
    """Non-target responses as the RECIST codes: upper case, spaces around ``/``
    dropped, common spellings (``Non-CR / Non-PD``, ``NON-CR-NON-PD``) mapped;
    missing stays missing (``pd.NA``), other text is kept for the error message.

    Parameters
    ----------
    series : pandas.Series

    Returns
    -------
    pandas.Series of string dtype
    """
    import pandas as pd

    text = series.astype("string").str.strip().str.upper()
    text = text.str.replace(r"\s*/\s*", "/", regex=True).str.replace(r"\s+", " ", regex=True)
    return text.replace(_NONTARGET_SPELLINGS).replace({"": pd.NA})


def _nontarget_known(series):
    return canonical_nontarget(series).fillna("NE").isin(NONTARGET_VALUES)


def _text_in(allowed, upper=False, strip=True):
    def check(series):
        text = series.astype(str)
        if strip:
            text = text.str.strip()
            text = text.str.upper() if upper else text.str.lower()
        return text.isin(allowed)
    return check


def _checks(*names):
    import pandera.pandas as pa

    table = {
        "numeric": _numeric, "finite": _finite, "non_negative": _non_negative,
        "label_01": _text_in(_LABEL_VALUES),
        "boolean_like": _text_in(set(BOOLEAN_VALUES)),
        "nontarget_set": _nontarget_known,
    }
    return [pa.Check(table[n], name=n) for n in names]


def patients_schema(label_col="response"):
    """Schema of the patients table (one row per patient).

    Parameters
    ----------
    label_col : str, default="response"
        The 0/1 label column, checked when present.

    Returns
    -------
    pandera.pandas.DataFrameSchema
    """
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "patient_id": pa.Column(nullable=False, unique=True),
            "therapy_class": pa.Column(
                nullable=False,
                checks=pa.Check(_text_in(set(THERAPY_CLASSES), strip=False), name="therapy_class"),
            ),
            label_col: pa.Column(nullable=True, required=False, checks=_checks("label_01")),
        },
        name="patients",
    )


def measurements_schema():
    """Schema of the long measurements table (one row per biomarker draw).

    Returns
    -------
    pandera.pandas.DataFrameSchema
    """
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "patient_id": pa.Column(nullable=False),
            "biomarker": pa.Column(nullable=False),
            "day": pa.Column(nullable=False, checks=_checks("numeric", "finite")),
            "value": pa.Column(nullable=True, checks=_checks("numeric", "finite")),
        },
        name="measurements",
    )


def tumor_assessments_schema():
    """Schema of the long tumour-assessment table (one row per imaging visit).

    Returns
    -------
    pandera.pandas.DataFrameSchema
    """
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "patient_id": pa.Column(nullable=False),
            "day": pa.Column(nullable=False, checks=_checks("numeric", "finite")),
            "target_sld_mm": pa.Column(
                nullable=True, checks=_checks("numeric", "finite", "non_negative"),
            ),
            "nontarget": pa.Column(nullable=True, required=False, checks=_checks("nontarget_set")),
            "new_lesion": pa.Column(nullable=True, required=False, checks=_checks("boolean_like")),
        },
        name="tumor_assessments",
    )


def _where(index, ids=None, limit=5):
    index = sorted({int(i) for i in index})
    rows = ", ".join(str(i + 2) for i in index[:limit])
    text = f"rows {rows}" if len(index) > 1 else f"row {rows}"
    named = []
    if ids is not None:
        named = [str(ids.iloc[i]) for i in index[:limit]
                 if i < len(ids) and ids.iloc[i] == ids.iloc[i]]
    notes = []
    if named:
        notes.append(("patients " if len(named) > 1 else "patient ") + ", ".join(named))
    if len(index) > limit:
        notes.append(f"... {len(index)} rows in all")
    elif len(index) > 1:
        notes.append(f"{len(index)} rows")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _examples(values, limit=5):
    shown = []
    for v in values:
        r = repr(v) if isinstance(v, str) else str(v)
        if r not in shown:
            shown.append(r)
    more = ", ..." if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


_SIMPLE = {
    "not_nullable": "missing at {where}. Fix: fill in every {column}",
    "finite": ("holds infinite or implausibly large values {values} (beyond 1e15) at {where}. "
               "Fix: replace them by finite numbers in the table's units, or empty cells"),
    "non_negative": ("holds negative sizes {values} at {where}. "
                     "Fix: tumour sizes are lengths in mm and must be >= 0"),
    "nontarget_set": ("values {values} at {where} are not RECIST non-target responses. "
                      "Fix: use one of {allowed} or leave empty"),
    "boolean_like": ("values {values} at {where} are not yes/no. "
                     "Fix: use 0/1, true/false or yes/no, or leave empty"),
}


def _describe_one(table, column, check, cases, frame, label_col):
    ids = frame["patient_id"] if "patient_id" in frame.columns else None
    values = cases["failure_case"].tolist()
    where = _where(cases["index"].dropna(), ids)
    if check in _SIMPLE:
        return _SIMPLE[check].format(column=column, where=where, values=_examples(values),
                                     allowed=", ".join(NONTARGET_VALUES))
    if check == "column_in_dataframe":
        from difflib import get_close_matches

        close = get_close_matches(str(values[0]), [str(c) for c in frame.columns], n=3, cutoff=0.6)
        hint = f" (close: {', '.join(close)})" if close else ""
        return (f"required column '{values[0]}' is missing{hint}; columns present: "
                f"{', '.join(map(str, frame.columns[:12]))}. Fix: add or rename the column")
    if check == "field_uniqueness":
        counts = cases["failure_case"].astype(str).value_counts()
        listed = ", ".join(f"{k} ({v} rows)" for k, v in list(counts.items())[:5])
        more = f", ... ({len(counts)} duplicated ids in all)" if len(counts) > 5 else ""
        return f"duplicate values: {listed}{more}. Fix: keep one row per {column}"
    if check == "therapy_class":
        return _describe_therapy(cases, ids)
    if check == "numeric":
        text = [str(v) for v in values]
        if column == "day" and any(_DATE.match(v) for v in text):
            return f"holds dates, not days: {_examples(values)} at {where}. Fix: {_DAY_FIX}"
        if column == "day" and any(" days " in v for v in text):
            return (f"holds durations, not numbers of days: {_examples(values)} at {where}. "
                    f"Fix: {_DAY_FIX}")
        if column == "day":
            return f"holds text, not numbers: {_examples(values)} at {where}. Fix: {_DAY_FIX}"
        below = (" A result below a detection limit ('<0.1', 'ND') is a measured value: "
                 "write it as a number, as the analysis plan says (the limit, or half of it), "
                 "not an empty cell (a missing draw)" if any(_BELOW_LIMIT.match(v)
                                                            for v in text) else "")
        return (f"holds non-numeric values {_examples(values)} at {where}. "
                "Fix: write plain numbers (decimal point, no units or text) or leave the cell "
                f"empty.{below}")
    if check == "label_01":
        counts = cases["failure_case"].astype(str).value_counts()
        listed = ", ".join(f"{k!r} ({v})" for k, v in counts.items())
        return (f"the label must be 0 or 1 (or empty), found {listed} at {where}. "
                f"Fix: map responders to 1 and non-responders to 0 (e.g. 'responder'/'yes' -> 1, "
                "'non-responder'/'no' -> 0), or use label_map in an experiment file")
    return f"check '{check}' failed for {_examples(values)} at {where}"


def _describe_therapy(cases, ids):
    from difflib import get_close_matches

    values = cases["failure_case"].astype(str)
    counts = values.value_counts()
    parts = []
    for value, _count in counts.items():
        key = value.strip().lower().replace(" ", "_").replace("-", "_")
        close = get_close_matches(key, THERAPY_CLASSES, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        where = _where(cases.loc[values == value, "index"].dropna(), ids)
        parts.append(f"'{value}' at {where}{hint}")
    return (f"unknown therapy classes: {'; '.join(parts)}. "
            f"Fix: use one of {', '.join(THERAPY_CLASSES)}")


def describe_failures(failure_cases, frames, sources, label_col="response"):
    """Turn pandera failure cases into one message per (table, column, check).

    Parameters
    ----------
    failure_cases : pandas.DataFrame
        Pandera's failure cases with an added ``table`` column.
    frames : dict of str to pandas.DataFrame
        The tables as validated (default index: row ``i`` is file row ``i + 2``).
    sources : dict of str to str
        Table name to the file it came from.
    label_col : str, default="response"

    Returns
    -------
    list of str
    """
    lines = []
    keys = ["table", "column", "check"]
    cases = failure_cases.assign(column=failure_cases["column"].fillna(""))
    for (table, column, check), group in cases.groupby(keys, sort=False, dropna=False):
        where = sources.get(table, table)
        what = _describe_one(table, column, check, group, frames[table], label_col)
        named = column and check != "column_in_dataframe"
        prefix = f"{where}: " + (f"column '{column}': " if named else "")
        lines.append(prefix + what)
    return lines
