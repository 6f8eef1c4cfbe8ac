"""Numbers written as text the way spreadsheets and hospital exports write them: decimal
commas, dots grouping thousands, a lone dash for "no value"."""

import io

__all__ = ["NUMBER_SHARE", "dashes_as_missing", "numbers_with_stray_text", "read_decimal_commas",
           "read_grouped_thousands"]


#: How an export writes "no value" in a column of numbers (a dash alone in its cell).
_DASHES = {"-", "--", "\u2013", "\u2014"}


def dashes_as_missing(frame, exclude):
    """A lone dash in a column of numbers is a missing value, as ``NA`` is.

    Only in columns whose every other filled cell is a number: in a text column
    a dash can be a value (a receptor status written ``+``/``-``).
    """
    import pandas as pd

    for name in frame.columns:
        values = frame[name]
        if name in exclude or not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        text = values.map(lambda v: v.strip() if isinstance(v, str) else v)
        dash = text.isin(_DASHES)
        if not dash.any():
            continue
        rest = text[~dash & text.notna() & (text.astype(str) != "")]
        numeric = rest.astype(str).str.fullmatch(
            r"[+-]?(?:\d[\d.,]*|\.\d+)(?:[eE][+-]?\d+)?")
        if len(rest) and numeric.all():
            frame[name] = values.where(~dash, None)
            if not rest.astype(str).str.contains(",").any():
                frame[name] = pd.to_numeric(frame[name])
    return frame


#: A number written with a decimal comma (``275,0``, ``-0,27``, ``2,5e-05``), optionally with
#: dots grouping thousands (``20.144,253``); plain integers match too.
_DECIMAL_COMMA = r"^\s*[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)?(?:,\d*)?(?:[eE][+-]?\d+)?\s*$"
#: A comma that cannot be grouping thousands: not followed by exactly three digits.
_UNAMBIGUOUS_COMMA = r",(?:\d{1,2}|\d{4,})(?:\D|$)"
#: Share of a column's filled cells that must be numbers for the rest to count as stray text.
NUMBER_SHARE = 0.8


def read_decimal_commas(frame, exclude, any_comma=True):
    """Read text columns written with decimal commas (``275,0``) as numbers.

    A column is read so when most of its filled cells are such numbers and some
    hold a comma; ``any_comma=False`` (a comma-separated
    file, an Excel sheet) also needs one comma that cannot group thousands
    (``1,5``; ``1,234`` could be either). The cells that are not numbers keep
    their text, for validation to name them; ids and codes with commas stay text.
    """
    import pandas as pd

    for name in frame.columns:
        values = frame[name]
        if name in exclude or not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        present = values.dropna()
        present = present[present.map(lambda v: isinstance(v, str))].str.strip()
        present = present[present != ""]
        commas = present.str.contains(",", regex=False)
        if present.empty or not commas.any():
            continue
        if not any_comma and not present[commas].str.contains(_UNAMBIGUOUS_COMMA).any():
            continue
        dots_only = present.str.contains(".", regex=False) & ~commas
        if dots_only.sum() >= commas.sum():
            # '5.352' beside one '2,5' is a column of decimal points with a stray comma, not
            # thousands: left as text, validation names the cell
            continue
        numbers = present.str.fullmatch(_DECIMAL_COMMA) & present.str.contains(r"\d")
        if numbers.mean() <= 0.5:  # most cells are numbers written with decimal commas
            continue
        converted = pd.to_numeric(present[numbers].str.replace(".", "", regex=False)
                                  .str.replace(",", ".", regex=False), errors="coerce")
        if numbers.all() and values.notna().sum() == len(present):
            frame[name] = converted.reindex(values.index)
        else:
            mixed = values.astype(object).copy()
            mixed[converted.index] = converted.to_numpy(dtype=object)
            frame[name] = mixed
        frame.attrs.setdefault("decimal_comma_columns", []).append(name)
    return frame


_GROUPED_THOUSANDS = r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+"


def read_grouped_thousands(frame, text, delimiter, path, table):
    """In a file written with decimal commas, ``1.250`` is one thousand two hundred and fifty.

    pandas reads it as 1.25; a column whose every value with a dot groups thousands this way
    is read again from its text (and said, in a warning).
    """
    import warnings

    import pandas as pd

    from irpredict.exceptions import DataWarning

    converted = set(frame.attrs.get("decimal_comma_columns") or ())
    # (a column read with decimal commas has read its dots as thousands already)
    floats = [c for c in frame.columns
              if pd.api.types.is_float_dtype(frame[c]) and c not in converted]
    if not converted and (delimiter != ";" or not floats):
        return frame
    raw = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                      index_col=False, usecols=lambda c: c in set(floats) | converted)
    if not converted:
        _say_dots_that_may_group_thousands(raw, floats, path, table)
        return frame
    regrouped = []
    for name in [c for c in frame.columns if c in converted and c in raw.columns]:
        dotted = raw[name].str.strip()
        dotted = dotted[dotted.str.fullmatch(_GROUPED_THOUSANDS)]
        if len(dotted):
            regrouped.append(f"{name} ({dotted.iloc[0]!r} as "
                             f"{dotted.iloc[0].replace('.', '')})")
    for name, cells, first in _columns_of_dotted_thousands(raw, floats):
        frame[name] = pd.to_numeric(cells.str.replace(".", "", regex=False)
                                    .replace("", None), errors="coerce").to_numpy()
        regrouped.append(f"{name} ({first!r} as {first.replace('.', '')})")
    if regrouped:
        warnings.warn(f"{table} file {path} writes decimals with commas, so a dot groups "
                      f"thousands: read {', '.join(regrouped)}", DataWarning, stacklevel=3)
    return frame


def _columns_of_dotted_thousands(raw, names):
    """(name, stripped cells, first dotted cell) of the columns of ``raw`` among ``names``
    whose every value with a dot could be grouping thousands (``1.250``)."""
    for name in names:
        if name not in raw.columns:
            continue
        cells = raw[name].str.strip()
        dotted = cells[cells.str.contains(".", regex=False)]
        if len(dotted) and dotted.str.fullmatch(_GROUPED_THOUSANDS).all():
            yield name, cells, dotted.iloc[0]


def _say_dots_that_may_group_thousands(raw, floats, path, table):
    """A semicolon file without decimal commas: ``1.250`` is read as 1.25, but may be 1250.

    Said for columns whose every value with a dot could group thousands.
    """
    import warnings

    from irpredict.exceptions import DataWarning

    ambiguous = [f"{name} ({first!r} as {float(first):g})"
                 for name, _, first in _columns_of_dotted_thousands(raw, floats)]
    if ambiguous:
        warnings.warn(
            f"{table} file {path} is separated by semicolons, as exports with decimal commas "
            f"are, but holds no decimal comma: read {', '.join(ambiguous)} with a decimal "
            "point. If those dots group thousands, write the numbers without them",
            DataWarning, stacklevel=4)


def numbers_with_stray_text(series):
    """Whether at least 80% of a text column's filled cells are numbers and some are not.

    Parameters
    ----------
    series : pandas.Series

    Returns
    -------
    bool
    """
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return False
    kinds = series.dropna().map(lambda v: "text" if isinstance(v, str) and v.strip() else
                                "number" if isinstance(v, int | float) and not isinstance(v, bool)
                                else "other")
    if {"text", "number"} <= set(kinds):  # the reader kept the cells it could not read as text
        return True
    text = series.dropna().astype(str).str.strip()
    text = text[text != ""]
    if len(text) < 3:
        return False
    numeric = pd.to_numeric(text, errors="coerce").notna()
    # '250,0' (a decimal comma the reader could not be sure of) is a number written oddly
    number_like = numeric | (text.str.fullmatch(_DECIMAL_COMMA) & text.str.contains(r"\d"))
    return bool((~numeric).any() and number_like.mean() >= NUMBER_SHARE)
