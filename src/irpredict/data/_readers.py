"""Read one cohort table (CSV, Parquet or Excel) into a DataFrame, with clear errors.

Only the file format is checked here: the content (required columns, types,
values) is checked by :func:`irpredict.data.validation.validate_tables`.
"""

import csv
import io
import re
from pathlib import Path

from irpredict.data._number_text import (
    dashes_as_missing,
    read_decimal_commas,
    read_grouped_thousands,
)
from irpredict.exceptions import CohortDataError

__all__ = ["read_table", "CSV_DELIMITERS", "TABLE_EXTENSIONS"]

#: Delimiters sniffed in CSV files, in order of preference on ties.
CSV_DELIMITERS = (",", ";", "\t", "|")
#: Extensions read_table understands.
TABLE_EXTENSIONS = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".xlsx", ".xls")
_DELIM_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes", " ": "spaces"}
_FIX_FORMAT = "save it as UTF-8 CSV (comma, semicolon, tab or pipe separated), Parquet or .xlsx"


def read_table(path, *, table="table", sheet=None, dtype=None, duplicate_columns="error"):
    """Read a CSV, Parquet or Excel file into a DataFrame.

    Parameters
    ----------
    path : str or path-like
        The file. CSV delimiters (``, ; tab |``) are sniffed from the header;
        UTF-8 with or without a byte-order mark is accepted.
    table : str, default="table"
        Name of the table, used in error messages (e.g. ``"patients"``).
    sheet : str or int or None, default=None
        Excel sheet to read; ``None`` reads the first sheet.
    dtype : dict or None, default=None
        Column to dtype, passed to pandas for CSV files. A ``patient_id``
        column is always read as text so that ids such as ``007`` survive.
    duplicate_columns : {"error", "mangle"}, default="error"
        Duplicate column names with identical contents are collapsed to one;
        with different contents they raise (``"error"``) or are kept under
        pandas' ``name.1`` spelling (``"mangle"``).

    Returns
    -------
    pandas.DataFrame
        The table with a default RangeIndex: row ``i`` is file row ``i + 2``
        (the header is row 1).

    Raises
    ------
    CohortDataError
        Missing or empty file, unsupported extension, binary or non-UTF-8
        content, a wrong delimiter, unparseable rows, or duplicate column names.

    Examples
    --------
    >>> patients = read_table("cohort/patients.csv", table="patients")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise CohortDataError(
            f"{table} file {path} does not exist; check the path (relative paths are resolved "
            f"from {Path.cwd()})"
        )
    if path.is_dir():
        raise CohortDataError(f"{table} file {path} is a folder, not a table file")
    ext = "".join(path.suffixes[-1:]).lower()
    if ext not in TABLE_EXTENSIONS:
        raise CohortDataError(
            f"{table} file {path} has the unsupported extension '{ext or '(none)'}'; "
            f"use one of {', '.join(TABLE_EXTENSIONS)}"
        )
    if path.stat().st_size == 0:
        raise CohortDataError(
            f"{table} file {path} is empty (0 bytes); write a header row and data rows")
    if sheet is not None and ext not in (".xlsx", ".xls"):
        raise CohortDataError(
            f"{table} file {path} is no Excel workbook, so it has no sheet {sheet!r}; leave "
            "out the sheet")
    if ext in (".parquet", ".pq"):
        frame = _read_parquet(path, table)
    elif ext in (".xlsx", ".xls"):
        frame = _read_excel(path, table, sheet)
    else:
        frame = _read_csv(path, table, dtype)
    return _check_columns(frame, path, table, duplicate_columns)


def _decode(path, table):
    import codecs

    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" and some hospital exports: UTF-16 with a byte-order mark
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise CohortDataError(
                f"{table} file {path} starts as UTF-16 text but cannot be read as such; "
                "re-save it with UTF-8 encoding (e.g. in Excel: 'CSV UTF-8')") from None
        return _not_blank(text, path, table)
    head = raw[:65536]
    if b"\x00" in head and head[1::2].count(0) >= 0.9 * len(head[1::2]):
        raise CohortDataError(
            f"{table} file {path} looks like UTF-16 text without a byte-order mark; re-save it "
            "with UTF-8 encoding (e.g. in Excel: 'CSV UTF-8')")
    if b"\x00" in head:
        raise CohortDataError(
            f"{table} file {path} looks binary (it contains NUL bytes), not a text table; "
            f"{_FIX_FORMAT}"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CohortDataError(
            f"{table} file {path} is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at line {line}); "
            "re-save it with UTF-8 encoding (e.g. in Excel: 'CSV UTF-8')"
        ) from None
    return _not_blank(text, path, table)


def _not_blank(text, path, table):
    if not text.strip():
        raise CohortDataError(
            f"{table} file {path} holds only blank space; write a header and data rows")
    return text


def _sniff_delimiter(header):
    counts = {d: len(next(csv.reader([header], delimiter=d))) - 1 for d in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(path, table, dtype):
    import pandas as pd

    text = _decode(path, table)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    comments = [ln for ln in lines[:50] if ln.lstrip().startswith("#")]
    if lines[0].lstrip().startswith("#"):
        raise CohortDataError(
            f"{table} file {path} starts with comment lines ({comments[0].strip()[:60]!r}"
            f"{' ...' if len(comments) > 1 else ''}); the first line must be the header: "
            "delete the lines above it")
    header = lines[0]
    # a title line above the header holds no delimiter: sniff the header below it
    delimiter = _sniff_delimiter(header if len(lines) < 2 or any(
        d in header for d in CSV_DELIMITERS) else lines[1])
    text, lines = _without_trailing_empty_rows(text, lines, delimiter)
    _warn_blank_lines(text, delimiter, path, table)
    _check_title_row([next(csv.reader([ln], delimiter=delimiter)) for ln in lines[:2]],
                     path, table)
    names = next(csv.reader([header], delimiter=delimiter))
    # Patient_ID or "patient id" is renamed patient_id later: its ids are text from the start
    dtypes = {name: str for name in names
              if name.strip().lower().replace(" ", "_") == "patient_id"}
    dtypes.update(dtype or {})
    first_row = next(csv.reader(lines[1:2], delimiter=delimiter), [])
    if len(first_row) > len(names):
        # pandas would take the first column as an index and shift every other one left
        _check_extra_fields(text, delimiter, len(names), path, table)
    try:
        # "." is how SAS and Stata export a missing value, as pandas already reads NA and n/a
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=dtypes or None,
                            skip_blank_lines=True, index_col=False, na_values=["."])
    except pd.errors.ParserError as exc:
        raise CohortDataError(
            f"{table} file {path} could not be parsed as a "
            f"{_DELIM_NAMES[delimiter][:-1]}-separated "
            f"table: {exc}; check quoting and the number of fields on that line"
        ) from None
    if frame.shape[1] == 1:
        _check_single_column(path, table, lines, delimiter)
    frame = dashes_as_missing(frame, exclude=set(dtypes))
    frame = read_decimal_commas(frame, exclude=set(dtypes), any_comma=delimiter != ",")
    if delimiter != ",":
        frame = read_grouped_thousands(frame, text, delimiter, path, table)
    # trailing delimiters (a spreadsheet's empty columns) name no column and hold nothing
    kept = [i for i, name in enumerate(names)
            if name.strip() or i >= frame.shape[1] or frame.iloc[:, i].notna().any()]
    if len(kept) < len(names) and len(names) == frame.shape[1]:
        frame = frame.iloc[:, kept]
        names = [names[i] for i in kept]
    frame.attrs["duplicate_header"] = [n.strip() for n in names]
    return frame


def _check_title_row(rows, path, table):
    """Refuse a title above the header: a first row with one filled cell over a full row."""
    if len(rows) < 2:
        return
    filled = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    if len(filled[0]) == 1 and len(filled[1]) >= 3 and len(rows[1]) >= 3:
        raise CohortDataError(
            f"{table} file {path}: the first row holds only {filled[0][0][:60]!r}, and the "
            f"next one {', '.join(repr(c) for c in filled[1][:4])} ...: the header seems to be "
            "on row 2. Delete the title rows above the header")


def _warn_blank_lines(text, delimiter, path, table):
    """Blank lines between rows are skipped; say so, as rows are numbered without them."""
    import warnings

    from irpredict.exceptions import DataWarning

    if not re.search(r"\n[ \t]*\r?\n", text):
        return  # no blank line at all: no second pass over the file
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    blank, last = [], 0
    for record in reader:
        if any(field.strip() for field in record) or len(record) > 1:
            last = reader.line_num
        elif last:  # after the header
            blank.append(reader.line_num)
    blank = [n for n in blank if n < last]  # trailing ones change no row number
    if blank:
        shown = ", ".join(map(str, blank[:5])) + (" ..." if len(blank) > 5 else "")
        warnings.warn(
            f"{table} file {path}: blank line(s) {shown} skipped; rows named in messages are "
            "counted without them (row 2 is the first data row). Delete the blank lines to "
            "make row numbers match the file's lines", DataWarning, stacklevel=4)


def _without_trailing_empty_rows(text, lines, delimiter):
    """Drop the rows of bare delimiters (``;;;;``) a spreadsheet leaves at the end of a file."""
    empty = re.compile(rf"[\s{re.escape(delimiter)}\"]*")
    end = len(lines)
    while end > 1 and empty.fullmatch(lines[end - 1]):
        end -= 1
    if end == len(lines):
        return text, lines
    kept = lines[:end]
    raw = text.splitlines()
    last = max(i for i, ln in enumerate(raw) if ln == kept[-1])
    return "\n".join(raw[:last + 1]) + "\n", kept


def _check_extra_fields(text, delimiter, n_columns, path, table):
    """Refuse rows with more filled fields than the header; allow trailing delimiters."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader, None)
    filled = []
    for row in reader:
        if len(row) > n_columns and any(field.strip() for field in row[n_columns:]):
            filled.append(reader.line_num)
    if filled:
        shown = ", ".join(str(n) for n in filled[:5]) + (" ..." if len(filled) > 5 else "")
        raise CohortDataError(
            f"{table} file {path}: line(s) {shown} ({len(filled)} in total) have more "
            f"values than the header's {n_columns} columns; add the missing column names "
            "to the header or remove the extra values"
        )


def _check_single_column(path, table, lines, delimiter):
    sample = lines[:50]
    for other in CSV_DELIMITERS + (" ",):
        if other == delimiter:
            continue
        per_line = [len(ln.strip().split(other)) - 1 for ln in sample]
        if min(per_line) > 0:
            raise CohortDataError(
                f"{table} file {path} parses into a single column ('{lines[0][:60]}') although "
                f"its lines contain {_DELIM_NAMES[other]}: the columns seem separated by "
                f"{_DELIM_NAMES[other]}; "
                "separate columns with commas, semicolons, tabs or pipes"
            )


def _read_parquet(path, table):
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        raise CohortDataError(
            f"{table} file {path} is not a readable Parquet file ({type(exc).__name__}: "
            f"{str(exc)[:120]}); {_FIX_FORMAT}"
        ) from None


def _only_sheet(path, table, engine):
    """The workbook's one sheet with data; several are refused, never half-read."""
    import pandas as pd

    sheets = pd.read_excel(path, sheet_name=None, header=None, engine=engine, dtype=object)
    filled = [name for name, frame in sheets.items() if not frame.dropna(how="all").empty]
    if len(filled) > 1:
        names = ", ".join(repr(str(n)) for n in filled)
        raise CohortDataError(
            f"{table} file {path} has {len(filled)} sheets with data ({names}); irpredict reads "
            "one table per file. Save each sheet as its own file, or, for the table an "
            f"experiment file's [data] source names, name the sheet there ([data] sheet = "
            f"{str(filled[0])!r})")
    return filled[0] if filled else 0


def _check_sheet(path, table, engine, sheet):
    import pandas as pd

    with pd.ExcelFile(path, engine=engine) as book:
        names = [str(n) for n in book.sheet_names]
    if sheet not in names:
        from irpredict.data._spec import close_matches

        close = close_matches(sheet, names, n=1)
        raise CohortDataError(
            f"{table} file {path} has no sheet {sheet!r}; its sheets: "
            f"{', '.join(map(repr, names))}"
            + (f". Did you mean {close[0]!r}?" if close else ""))


def _read_excel(path, table, sheet):
    import pandas as pd

    if path.suffix.lower() == ".xls":
        engine = None
    else:
        engine = "openpyxl"
    try:
        if sheet is None:
            sheet = _only_sheet(path, table, engine)
        else:
            _check_sheet(path, table, engine, sheet)
        raw = pd.read_excel(path, sheet_name=sheet, header=None, engine=engine, dtype=object)
    except CohortDataError:
        raise
    except ImportError as exc:
        raise CohortDataError(
            f"{table} file {path}: reading this Excel format needs an extra package ({exc}); "
            "re-save the sheet as .xlsx or CSV"
        ) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl/zipfile raise many types
        raise CohortDataError(
            f"{table} file {path} is not a readable Excel workbook ({type(exc).__name__}: "
            f"{str(exc)[:120]}); {_FIX_FORMAT}"
        ) from None
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise CohortDataError(
            f"{table} file {path}: the sheet is empty; write a header and data rows")
    _check_title_row([["" if pd.isna(v) else str(v) for v in row]
                      for row in raw.head(2).itertuples(index=False)], path, table)
    names = ["" if pd.isna(v) else str(v).strip() for v in raw.iloc[0]]
    body = raw.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    frame = pd.DataFrame({i: _infer(body[i]) for i in range(body.shape[1])})
    frame.attrs["duplicate_header"] = names
    frame.columns = _mangle(names)
    return read_decimal_commas(dashes_as_missing(frame, exclude=set()), exclude=set(),
                                any_comma=False)


def _infer(series):
    import pandas as pd

    values = series.infer_objects()
    if values.dtype == object:
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().sum() == values.notna().sum():
            return numeric
        return values.where(values.isna(), values.astype(str))
    return values


def _mangle(names):
    seen = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out


def _check_columns(frame, path, table, duplicate_columns):
    header = frame.attrs.pop("duplicate_header", None)
    if frame.shape[1] == 0:
        raise CohortDataError(f"{table} file {path} has no columns; write a header row")
    frame.columns = [str(c).strip() for c in frame.columns]
    if header is None or len(header) != frame.shape[1]:
        header = list(frame.columns)
    dupes = sorted({n for n in header if n and header.count(n) > 1})
    drop, conflicting = [], []
    for name in dupes:
        positions = [i for i, h in enumerate(header) if h == name]
        first = frame.iloc[:, positions[0]]
        if all(first.equals(frame.iloc[:, i]) for i in positions[1:]):
            drop.extend(positions[1:])
        else:
            conflicting.append(f"'{name}' ({len(positions)} times)")
    if conflicting and duplicate_columns == "error":
        raise CohortDataError(
            f"{table} file {path} has duplicate column names with different contents: "
            f"{', '.join(conflicting)}; rename or drop the extra columns"
        )
    if drop:
        keep = [i for i in range(frame.shape[1]) if i not in set(drop)]
        frame = frame.iloc[:, keep]
    return frame
