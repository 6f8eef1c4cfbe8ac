"""Request bodies of ``POST /invocations`` as one DataFrame (MLflow's JSON formats, CSV)."""

import json
import re

__all__ = ["BadRequest", "parse_payload", "parse_csv"]

_PAYLOAD_KEYS = ("dataframe_split", "dataframe_records", "inputs", "instances")


class BadRequest(ValueError):
    """A request the server refuses with status 400."""


def parse_payload(body):
    """Turn a request body into one DataFrame (raises :class:`BadRequest`).

    Parameters
    ----------
    body : bytes

    Returns
    -------
    pandas.DataFrame
    """
    import pandas as pd

    payload = _decode_json(body)
    if not isinstance(payload, dict) or len(payload) != 1 or next(iter(payload)) not in (
            _PAYLOAD_KEYS):
        if isinstance(payload, dict):
            got = f"the keys {list(payload)[:5]}" if payload else "an empty object"
        else:
            kinds = {list: "an array", str: "a string", bool: "a boolean", int: "a number",
                     float: "a number", type(None): "null"}
            got = kinds.get(type(payload), f"a JSON {type(payload).__name__}")
        raise BadRequest(f"the JSON must be an object with exactly one of the keys "
                         f"{', '.join(_PAYLOAD_KEYS)}; got {got}")
    key, value = next(iter(payload.items()))
    try:
        if key == "dataframe_split":
            if not isinstance(value, dict) or not isinstance(value.get("data"), list):
                raise BadRequest('dataframe_split needs {"columns": [...], "data": [[...], ...]}')
            frame = _object_frame(value["data"], value.get("columns"))
        elif isinstance(value, list) and all(isinstance(r, dict) for r in value):
            columns = list(dict.fromkeys(k for r in value for k in r))
            frame = _object_frame([[r.get(k) for k in columns] for r in value], columns)
        elif key in ("inputs", "instances") and isinstance(value, dict):
            if set(value) >= {"columns", "data"}:
                raise BadRequest(f'{key} holds a split table ("columns" and "data"); send it '
                                 'as {"dataframe_split": {"columns": [...], "data": [...]}}, '
                                 f'or {key} as {{"column": [values, ...], ...}}')
            lengths = {k: len(v) if isinstance(v, list) else 1 for k, v in value.items()}
            if len(set(lengths.values())) > 1:
                raise BadRequest(f"{key} gives columns of different lengths "
                                 f"({', '.join(f'{k}: {n}' for k, n in list(lengths.items())[:6])}"
                                 "); give every column one value per patient")
            scalars = not any(isinstance(v, list) for v in value.values())
            frame = pd.DataFrame([value] if scalars else value)  # scalars: one patient
        else:
            raise BadRequest(f"{key} must be a list of records (objects column -> value)")
    except BadRequest:
        raise
    except (ValueError, TypeError, AssertionError) as exc:
        raise BadRequest(f"{key} does not form a table: {exc}") from None
    if len(frame) == 0:
        raise BadRequest(f"{key} holds no rows; send at least one patient")
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # messages name rows as people count them
    return frame


def parse_csv(body):
    """Turn a ``text/csv`` body (a header row, then one row per patient) into one DataFrame.

    Values stay text (an id keeps its leading zeros); the model's input check reads numbers.

    Parameters
    ----------
    body : bytes

    Returns
    -------
    pandas.DataFrame
    """
    import csv
    import io

    import pandas as pd

    if not body.strip():
        raise BadRequest("the request body is empty; send a CSV table: a header row of column "
                         "names, then one row per patient")
    unreadable = ("the request body is not a readable CSV table (UTF-8, comma-separated, a "
                  "header row first)")
    try:
        text = body.decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(text)))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadRequest(f"{unreadable}: {str(exc).strip()}") from None
    if text.lstrip()[:1] in ("{", "["):
        raise BadRequest("the body is JSON, sent as text/csv: send it with the header "
                         "Content-Type: application/json")
    header = [name.strip() for name in lines[0]]
    if len(header) == 1 and ";" in header[0]:
        raise BadRequest("the CSV header is one column holding ';': the table is semicolon-"
                         "separated; send it comma-separated (decimal points, not commas)")
    if len(header) == 1 and "\t" in header[0]:
        raise BadRequest("the CSV header is one column holding tabs: the table is tab-"
                         "separated; send it comma-separated")
    numbers = sum(bool(re.fullmatch(r"[+-]?\d+(\.\d*)?", name)) for name in header)
    if len(lines) == 1 and (numbers or len(set(header)) < len(header)):
        raise BadRequest("the CSV body is one line: its line breaks are gone (curl -d drops "
                         "them); send the file as it is, e.g. curl --data-binary @patients.csv")
    uneven = [k for k, row in enumerate(lines[1:], start=1) if row and len(row) != len(header)]
    if uneven:
        k = uneven[0]
        raise BadRequest(
            f"CSV row {k} has {len(lines[k])} values and the header {len(header)} columns"
            + (f" ({len(uneven) - 1} more rows differ)" if len(uneven) > 1 else "")
            + "; every row needs one value per column (nothing between two commas for a "
            "missing value)")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated or "" in header:
        raise BadRequest("the CSV header must name every column once; "
                         + (f"it repeats {repeated[:5]}" if repeated else "a column has no name"))
    try:
        # ids are text as written (NA and None are ids too); a number column's missing
        # words are read by the model's input check
        frame = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False,
                            na_values=[""])
    except ValueError as exc:  # pandas' ParserError is a ValueError
        raise BadRequest(f"{unreadable}: {str(exc).strip()}") from None
    frame.columns = header
    if len(frame) == 0:
        raise BadRequest("the CSV table holds no rows; send at least one patient")
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _decode_json(body):
    """The request's JSON object, its MLflow ``params`` checked and removed."""
    if not body.strip():
        raise BadRequest("the request body is empty; send JSON with one of the keys "
                         f"{', '.join(_PAYLOAD_KEYS)}")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadRequest("the request body nests JSON arrays or objects too deeply; send "
                         "one flat table") from None
    if isinstance(payload, dict) and "params" in payload:
        # MLflow's protocol allows inference parameters; this model takes none
        params = payload.pop("params")
        if params not in (None, {}):
            raise BadRequest("this model takes no inference parameters; drop \"params\" "
                             f"(got {str(params)[:80]})")
    return payload


def _object_frame(rows, columns):
    """One object block (no per-column type inference; the model's check converts)."""
    import numpy as np
    import pandas as pd

    if columns is None or not isinstance(columns, list):
        raise BadRequest('dataframe_split needs "columns": a list of column names')
    try:
        unique = set(columns)
    except TypeError:
        raise BadRequest("dataframe_split columns must be column names (text)") from None
    if len(unique) != len(columns):
        from collections import Counter

        repeated = sorted(str(c) for c, n in Counter(columns).items() if n > 1)
        raise BadRequest(f"dataframe_split repeats the columns {repeated[:5]}; name each column "
                         "once")
    if not rows:
        return pd.DataFrame(columns=columns)
    if not any(isinstance(row, list) for row in rows):
        raise BadRequest(f"dataframe_split data must be a list of rows, each a list of "
                         f"{len(columns)} values, one per column (got one flat list of "
                         f"{len(rows)} values): e.g. \"data\": [[61, 1], [70, 0]]")
    wrong = [(i, len(row) if isinstance(row, list) else None) for i, row in enumerate(rows, 1)
             if not isinstance(row, list) or len(row) != len(columns)]
    if wrong:
        shown = "; ".join(f"row {i} has {'no list of' if n is None else n} values"
                          for i, n in wrong[:5])
        raise BadRequest(f"every row of dataframe_split data must be a list of "
                         f"{len(columns)} values, one per column: {shown}"
                         f"{f' ({len(wrong)} rows in all)' if len(wrong) > 5 else ''}")
    values = np.empty((len(rows), len(columns)), dtype=object)
    try:
        values[:] = rows
    except ValueError as exc:
        raise BadRequest(f"every row must have {len(columns)} values, one per column: "
                         f"{exc}") from None
    return pd.DataFrame(values, columns=columns, dtype=object, copy=False)
