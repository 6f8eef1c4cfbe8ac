"""Checks of single patients-table columns: plausible ranges, text among numbers, label
leakage; and how problems name rows and patients."""

from irpredict.data._number_text import numbers_with_stray_text
from irpredict.data.plausibility import PATIENT_RANGES

__all__ = ["LEAKAGE_CHANCE", "check_ldh_uln"]

#: Upper limits of normal of LDH in U/L, the unit LDH is read in (assays: about 190-480);
#: a limit in ukat/L (3-8) is 60 times smaller.
LDH_ULN_RANGE = (50, 2000)


def _ids(series):
    """Patient ids as text; integral floats lose their '.0'."""
    import pandas as pd

    if pd.api.types.is_float_dtype(series) and (series.dropna() % 1 == 0).all():
        series = series.astype("Int64")
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def _rows(index, ids=None, limit=5):
    index = list(index)
    text = ("rows " if len(index) > 1 else "row ")
    text += ", ".join(str(int(i) + 2) for i in index[:limit])
    notes = []
    if ids is not None:
        notes.append(("patients " if len(index) > 1 else "patient ")
                     + ", ".join(str(ids[i]) for i in index[:limit]))
    if len(index) > limit:
        notes.append(f"... {len(index)} rows in all")
    elif len(index) > 1:
        notes.append(f"{len(index)} rows")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _case(table, column, check, value, index):
    return {"schema_context": "Cohort", "column": column, "check": check, "check_number": None,
            "failure_case": value, "index": index, "table": table}


def _label_values(series):
    import pandas as pd

    text = series.astype("string").str.strip().str.lower()
    mapping = {"1": 1, "1.0": 1, "true": 1, "0": 0, "0.0": 0, "false": 0}
    return pd.to_numeric(text.map(mapping), errors="coerce")


def _check_range(frame, col, source, ids, problems):
    for applies, low, high, what, fix in PATIENT_RANGES:
        if applies(str(col).lower()):
            bad = frame.index[(frame[col] > high) | (frame[col] < low)]
            if len(bad):
                problems.append(f"{source}: column '{col}': {what} at {_rows(bad, ids)}. "
                                f"Fix: {fix}")
            return


def check_ldh_uln(frame, source, ids, problems, *, text_checked=False):
    """``ldh_uln`` divides baseline LDH (in U/L): it must be a number in U/L too (text in it
    is reported here unless the feature checks did, ``text_checked``)."""
    import pandas as pd

    if "ldh_uln" not in frame.columns:
        return
    raw = frame["ldh_uln"]
    given = raw.notna() & (raw.astype("string").str.strip() != "")
    values = pd.to_numeric(raw, errors="coerce")
    text = given & values.isna() & (not text_checked)
    low, high = LDH_ULN_RANGE
    # infinite or absurd values are the plausibility check's to report
    outside = values.notna() & ((values < low) | (values > high)) & (values.abs() < 1e15)
    if text.any():
        shown = ", ".join(repr(v) for v in list(dict.fromkeys(raw[text].astype(str)))[:3])
        problems.append(
            f"{source}: column 'ldh_uln' holds text {shown} at {_rows(frame.index[text], ids)}. "
            "Fix: write the LDH upper limit of normal as a number in U/L (e.g. 250), without "
            "its unit")
    if outside.any():
        problems.append(
            f"{source}: column 'ldh_uln': LDH upper limits of normal outside {low}-{high} U/L "
            f"at {_rows(frame.index[outside], ids)}. Fix: give it in U/L, as LDH is read "
            "(a limit in ukat/L times 60, e.g. 4.1 -> 246)")


def _check_text_in_numbers(frame, col, source, ids, problems, extra):
    """Report text among a column's numbers; return whether it did."""
    import pandas as pd

    series = frame[col]
    if numbers_with_stray_text(series):
        text = series.dropna().astype(str).str.strip()
        text = text[text != ""]
        bad = pd.to_numeric(text, errors="coerce").isna()
        values = ", ".join(repr(v) for v in list(dict.fromkeys(text[bad]))[:5])
        problems.append(
            f"{source}: column '{col}' looks numeric but holds text {values} at "
            f"{_rows(text.index[bad], ids)}. Fix: write numbers only (no units, '<' or "
            "comments; one decimal separator for the whole file, a point in a comma-separated "
            "file) or leave the cell empty; write a result below a detection limit ('<0.5') as "
            "a number, as the analysis plan says (the limit, or half of it); if the column is "
            "a category, list it under [data.columns] categorical")
        extra.extend(_case("patients", col, "numeric", v, i) for i, v in text[bad].items())
        return True
    return False


#: A two-valued column matching the label exactly is leakage when chance alone would do that
#: less often than this (a handful of patients can match by chance: 4 patients, 2
#: responders, 1 in 3).
LEAKAGE_CHANCE = 0.01


def _chance_of_exact_match(label):
    """Chance that a two-valued column independent of ``label``, with as many patients in
    each value, reproduces it or its inverse exactly: 2 / C(n, responders)."""
    from math import comb

    return 2 / comb(len(label), int(label.sum()))


def _check_leakage(frame, features, numeric, label_col, source, problems, extra):
    label = _label_values(frame[label_col])
    for col in features:
        if col in numeric:
            values = frame[col]
        else:
            values = frame[col].astype("string").str.strip()
        both = label.notna() & values.notna()
        if both.sum() < 4 or label[both].nunique() < 2 or both.sum() < 0.9 * label.notna().sum():
            continue
        x, y = values[both], label[both]
        if col in numeric:
            leak = bool((x == y).all() or (x == 1 - y).all())
        else:
            pairs = set(zip(x, y, strict=True))
            leak = len(pairs) == 2 and x.nunique() == 2
        if leak and _chance_of_exact_match(y) < LEAKAGE_CHANCE:
            problems.append(
                f"{source}: column '{col}' reproduces the label '{label_col}' exactly in "
                f"{len(y)} patients (label leakage). Fix: drop the column or list it among the "
                "excluded columns")
            extra.append(_case("patients", col, "label_leakage", col, None))
