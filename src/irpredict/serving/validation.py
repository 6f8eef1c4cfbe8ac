"""Input checks of the served model: what MLflow's schema enforcement lets through."""

import re

import numpy as np

from irpredict._cache import ObjectCache
from irpredict.exceptions import CohortDataError, UnknownTherapyError
from irpredict.serving._numbers import (
    MISSING_TEXT,
    _as_float,
    _first,
    _yes_no_as_numbers,
    rows_word,
)
from irpredict.training.levels import align_levels

__all__ = ["check_input", "check_numbers", "with_therapy_class", "rows_word", "RANGE_FACTOR"]

#: How far beyond the training range a numeric value may lie: up to this factor times the
#: largest magnitude seen in training. Lab values such as ctDNA span orders of magnitude
#: between patients, so only gross errors (a unit off by 1000, a sign flip) are refused.
RANGE_FACTOR = 1000.0

#: Per model: (numeric columns, lower, upper, possible limits), computed once.
_BOUNDS = ObjectCache()


def with_therapy_class(model, frame):
    """``frame`` with the therapy class the training data read for its rows.

    A model whose training table gave one class to every patient, or derived
    it from a column by a rule (a trial arm), derives it the same way when
    ``therapy_class`` is not sent (or sent empty, for one class); a
    ``therapy_class`` sent beside the rule's column must agree with the rule.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    CohortDataError
        A sent therapy class that the rule contradicts, naming the rows.
    """
    from irpredict.data._patients import as_text
    from irpredict.data._therapy_rule import therapy_by_rule, unseen_values

    mapping = getattr(model, "mapping", None)
    if mapping is None:
        return frame
    if mapping.therapy_class is not None:  # one class for every training patient
        if "therapy_class" not in frame.columns:
            return frame.assign(therapy_class=mapping.therapy_class)
        sent = frame["therapy_class"].astype(object)
        empty = sent.isna() | (sent.astype(str).str.strip() == "")
        return frame.assign(therapy_class=sent.where(~empty, mapping.therapy_class))
    rule = mapping.therapy_rule
    if rule is None or rule.column not in frame.columns:
        return frame
    if rule.column == "therapy_class":
        # the rule reads a source column named like the canonical one (I-SPY2's arm text):
        # a value that is already a therapy class was derived, any other is read by the rule
        from irpredict.data import THERAPY_CLASSES

        sent = frame["therapy_class"]
        derived = therapy_by_rule(sent, rule)
        known = sent.astype("string").str.strip().isin(THERAPY_CLASSES).fillna(False)
        mixed = sent.astype(object).where(known.to_numpy(), derived.astype(object))
        return frame.assign(therapy_class=mixed.where(mixed.notna(), None))
    derived = therapy_by_rule(frame[rule.column], rule)
    unseen = unseen_values(frame[rule.column], rule)
    if unseen:
        rows = frame.index[as_text(frame[rule.column]).isin(unseen).fillna(False).to_numpy()]
        raise CohortDataError(
            f"column {rule.column!r}, which gives the therapy class, holds values the model's "
            f"training data never held: {_first(unseen, 5)} ({rows_word(frame.index)} "
            f"{_first(rows)}); it held "
            f"{_first(list(rule.known_values), 8)}. Send the values as in training")
    if "therapy_class" not in frame.columns:
        return frame.assign(therapy_class=derived.astype(object).where(derived.notna(), None))
    sent = frame["therapy_class"].astype("string").str.strip()
    clash = (sent.notna() & derived.notna() & (sent != derived)).to_numpy()
    if clash.any():
        rows = frame.index[clash]
        raise CohortDataError(
            f"therapy_class disagrees with the model's therapy rule on column {rule.column!r} "
            f"in {rows_word(frame.index)} {_first(rows)} (sent {_first(sent[clash].unique(), 3)}; "
            "the rule gives "
            f"{_first(derived[clash].unique(), 3)}); send the rule's column alone, or make "
            "them agree")
    return frame


def _refuse_nested_cells(X):
    """A JSON list or object where one value belongs is named with its column and rows."""
    for col in X.columns:
        values = X[col]
        if values.dtype != object:
            continue
        nested = values.map(lambda v: isinstance(v, list | dict | tuple | set)).to_numpy(bool)
        if nested.any():
            raise CohortDataError(
                f"invalid input: column {col!r} holds lists or objects in rows "
                f"{_first(X.index[nested])}; send one value per patient and column")


def _range_bounds(model, columns):
    """Lower and upper accepted values per numeric column (NaN = unchecked)."""
    ranges = getattr(model, "numeric_ranges", None) or {}
    lo = np.full(len(columns), -np.inf)
    hi = np.full(len(columns), np.inf)
    for j, col in enumerate(columns):
        if col not in ranges:
            continue
        low, high = (float(v) for v in ranges[col])
        scale = max(abs(low), abs(high), high - low, 1.0)
        # never negative in training says a value cannot be negative only for a level seen
        # to vary; a change (delta, slope, log2fc) or a constant of training can take either sign
        signed = low < 0 or low == high or _a_change(col)
        lo[j] = -RANGE_FACTOR * scale if signed else 0.0
        hi[j] = RANGE_FACTOR * scale
    return lo, hi


def _a_change(column):
    """Whether a built feature is a change or rate of its biomarker, not a level of it."""
    _, sep, stat = str(column).partition("__")
    return bool(sep) and not _LEVEL_STAT.fullmatch(stat)


#: Values some columns cannot take, whatever the training data held: name test -> (low, high).
_POSSIBLE = (
    (lambda name: name == "age", 0.0, 120.0, "ages are 0-120 years"),
    (lambda name: name == "ecog", 0.0, 5.0, "ECOG performance status is 0-5"),
    (lambda name: name.endswith("_pct"), 0.0, 100.0, "percentages are 0-100"),
)

#: Feature suffixes holding a biomarker's own value (not a change, slope, count or day).
_LEVEL_STAT = re.compile(r"baseline|(?:last|min|max|nadir)_d\d+(?:\.\d+)?")


def _level_of(column):
    """The biomarker whose value, in its own unit, ``column`` holds (None for a change,
    slope, count or day): ``stil_pct__baseline`` and ``albumin__last_d42`` hold levels."""
    biomarker, _, stat = str(column).lower().partition("__")
    return biomarker if not stat or _LEVEL_STAT.fullmatch(stat) else None


def _possible_limits(columns, units):
    """(column index, low, high, why) of the columns with values they cannot take."""
    from irpredict.data.plausibility import LAB_RANGES
    from irpredict.data.units import normalize_unit

    # only the unit a measured biomarker was recorded in: a patients-table column has none
    units = {str(b).lower(): u for b, u in units.items()}
    limits = []
    for j, col in enumerate(columns):
        biomarker = _level_of(col)
        if biomarker is None:
            continue
        rule = next((r for r in _POSSIBLE if r[0](biomarker)), None)
        if rule is not None:
            limits.append((j, *rule[1:]))
            continue
        unit = normalize_unit(units.get(biomarker))
        if unit is not None and (biomarker, unit) in LAB_RANGES:
            low, high = LAB_RANGES[(biomarker, unit)]
            limits.append((j, float(low), float(high),
                           f"{biomarker} in {unit} is {low:g}-{high:g}; check the unit"))
    return limits


def _far_bounds(model, columns):
    """Bounds from which a value lies outside the training range by its width or more."""
    from irpredict.training.support import far_limits

    ranges = getattr(model, "numeric_ranges", None) or {}
    lo = np.full(len(columns), -np.inf)
    hi = np.full(len(columns), np.inf)
    for j, col in enumerate(columns):
        if col in ranges:
            lo[j], hi[j] = far_limits(*(float(v) for v in ranges[col]))
    return lo, hi


#: How the note on values far outside the training range begins.
FAR_VALUES_NOTE = "values far outside the training range"


def _far_outside_note(model, X, columns, values, far_lo, far_hi, quiet_columns=()):
    """The served form of :func:`irpredict.training.support.warn_far_outside_training`."""
    with np.errstate(invalid="ignore"):
        far = (values <= far_lo) | (values >= far_hi)
    if quiet_columns:
        quiet = set(quiet_columns)
        far[:, [j for j, col in enumerate(columns) if col in quiet]] = False
    if not far.any():
        return None
    shown = []
    for j in np.flatnonzero(far.any(axis=0)):
        rows = X.index[far[:, j]]
        low, high = model.numeric_ranges[columns[j]]
        said = dict.fromkeys(values[far[:, j], j].tolist())
        shown.append(f"{columns[j]!r} in {rows_word(X.index)} {_first(rows)}: "
                     f"{_first([f'{v:.4g}' for v in said], 3)} "
                     f"(training range {low:.4g} to {high:.4g})")
    return (f"{FAR_VALUES_NOTE} (beyond it by its width or more), so "
            f"the model extrapolates there and the probability can be extreme: "
            f"{'; '.join(shown[:5])}{' ...' if len(shown) > 5 else ''}. Check the values and "
            "units")


def _impossible(limits, columns, values, X, named=None):
    """Problems for values a column cannot take (ECOG 7, age 999, a percentage of 140);
    ``named`` (a boolean array shaped like ``values``) gets the cells said. An infinite
    value is said as infinite, not here."""
    problems = []
    for j, low, high, why in limits:
        with np.errstate(invalid="ignore"):
            bad = ((values[:, j] < low) | (values[:, j] > high)) & np.isfinite(values[:, j])
        if named is not None:
            named[:, j] |= bad
        if bad.any():
            rows = X.index[bad]
            problems.append(f"column {columns[j]!r} has impossible values in {rows_word(X.index)} "
                            f"{_first(rows)}:"
                            f" {_first(X.loc[rows, columns[j]].astype(str).unique(), 3)} ({why})")
    return problems


def impossible_values(model, X):
    """Problems for values of ``X``'s (float) numeric model columns that no patient can have
    (an age of 250, ECOG 7, a percentage of 140, a lab outside its training unit's range)."""
    columns = [c for c in model.feature_columns if c not in set(model.categorical_columns)]
    limits = _possible_limits(columns, getattr(model, "units", None) or {})
    return _impossible(limits, columns, X[columns].to_numpy(dtype=float), X) if limits else []


def _check_values(model, X, columns, values, notes=None, quiet_columns=()):
    """Refuse infinite values, impossible values and values beyond :data:`RANGE_FACTOR` times
    the training range; note values merely far outside it (the model extrapolates)."""
    cached = _BOUNDS.get(model, lambda: (
        list(columns), *_range_bounds(model, columns),
        _possible_limits(columns, getattr(model, "units", None) or {}),
        *_far_bounds(model, columns)), valid=lambda entry: entry[0] == columns)
    lo, hi = cached[1], cached[2]
    said = np.zeros(values.shape, dtype=bool)
    problems = _impossible(cached[3], columns, values, X, said)
    with np.errstate(invalid="ignore"):  # each value is named once, by its first problem
        inf = np.isinf(values) & ~said
        out = ~inf & ~said & ((values < lo) | (values > hi))
    for label, mask in (("infinite values", inf), ("values far outside the training range", out)):
        for j in np.flatnonzero(mask.any(axis=0)):
            rows = X.index[mask[:, j]]
            col = columns[j]
            hint = ""
            if label.startswith("values far"):
                low, high = model.numeric_ranges[col]
                hint = (f" (training range {low:g} to {high:g}; "
                        f"{'never negative; ' if low >= 0 else ''}accepted up to "
                        f"{RANGE_FACTOR:g}x its largest magnitude)"
                        f"; check the unit")
            problems.append(f"column {col!r} has {label} in {rows_word(X.index)} {_first(rows)}: "
                            f"{_first(X.loc[rows, col].astype(str).unique(), 3)}{hint}")
    if problems:
        raise CohortDataError("invalid input: " + "; ".join(problems))
    note = _far_outside_note(model, X, columns, values, cached[4], cached[5], quiet_columns)
    if note is not None:
        if notes is None:
            import warnings

            from irpredict.exceptions import DataWarning

            warnings.warn(note, DataWarning, stacklevel=3)
        else:
            notes.append(note)


def _note_missing_never_seen(model, X, columns, values, notes):
    """Missing values of features every training patient had: imputed, and said."""
    complete = getattr(model, "never_missing", None)
    if not complete:
        return
    cols = [j for j, c in enumerate(columns) if c in complete]
    empty = np.isnan(values[:, cols]) if cols else np.zeros((len(X), 0), dtype=bool)
    if not empty.any():
        return
    shown = [f"{columns[cols[k]]!r} ({rows_word(X.index)} {_first(X.index[empty[:, k]])})"
             for k in np.flatnonzero(empty.any(axis=0))]
    notes.append("missing values in features every training patient had, imputed from "
                 f"patients who all had one: {', '.join(shown[:5])}"
                 f"{' ...' if len(shown) > 5 else ''}. Send the values where they are known")


def _check_therapy(model, therapy):
    blank = therapy.astype("string").str.strip().str.lower().isin(MISSING_TEXT).fillna(False)
    null = therapy.index[therapy.isna().to_numpy() | blank.to_numpy(dtype=bool)]
    if len(null):
        raise UnknownTherapyError(
            f"therapy_class is missing in {rows_word(therapy.index)} {_first(null)}; give each "
            "patient's therapy "
            f"class (one of {', '.join(model.therapies)})")
    text = therapy.astype(str)
    # written as a person would: ' Chemotherapy ', 'monoclonal antibody', 'adoptive-cell'
    spelled = {_therapy_key(t): t for t in model.therapies}
    text = text.map(lambda t: t if t in model.therapies else spelled.get(_therapy_key(t), t))
    known = text.isin(model.therapies).to_numpy()
    if not known.all():
        from difflib import get_close_matches

        unknown = sorted(set(text[~known]))
        hints = [f"{u!r} may be {m[0]!r}" for u in unknown
                 for m in [get_close_matches(_therapy_key(u), list(spelled), n=1, cutoff=0.75)]
                 if m]
        raise UnknownTherapyError(
            f"therapy classes {unknown} ({rows_word(therapy.index)} "
            f"{_first(therapy.index[~known])}) were not seen in training"
            f"{' (' + '; '.join(hints) + ')' if hints else ''}; this model scores "
            f"{', '.join(model.therapies)}: leave those patients out, or score them with a "
            "model trained on their class")
    return text


def as_written_in_training(model, X):
    """``X`` with values written as a person writes them read the way training wrote them.

    A 0/1 feature written as true/false or yes/no reads as 1/0; a therapy class
    written ``Monoclonal antibody`` reads as ``monoclonal_antibody``; a category
    level in another case or with surrounding spaces gets the training spelling
    (and levels never seen in training are named in a warning), unless the
    frame says its levels were aligned already (``frame_from_cohort`` does).

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    X : pandas.DataFrame
        The model's input columns.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    UnknownTherapyError
        A missing therapy class, or one the model was not trained on.
    """
    categorical = set(model.categorical_columns)
    aligned = X.attrs.get(LEVELS_ALIGNED, False)
    X = _yes_no_as_numbers(X, [c for c in model.feature_columns if c not in categorical],
                           getattr(model, "numeric_ranges", None))
    therapy = _check_therapy(model, X["therapy_class"])
    if not therapy.equals(X["therapy_class"]):
        X = X.assign(therapy_class=therapy.to_numpy(dtype=object))
    return X if aligned else align_levels(model, X)


#: ``DataFrame.attrs`` key set on a frame whose category levels have the training spelling.
LEVELS_ALIGNED = "irpredict.levels_aligned"


def _therapy_key(name):
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def check_numbers(model, frame):
    """Raise :class:`~irpredict.exceptions.CohortDataError` naming text in ``frame``'s numeric
    model columns (columns it lacks are left to :func:`check_input`)."""
    categorical = set(model.categorical_columns)
    _as_float(frame, [c for c in model.feature_columns
                      if c not in categorical and c in frame.columns])


def check_input(model, frame, notes=None, *, quiet_columns=()):
    """Check and coerce a per-patient input frame for ``model``.

    Checks the columns the model needs are present, numeric columns hold
    numbers (text is refused, nulls are allowed: the model imputes them),
    values are finite and not far outside the training range recorded in
    ``model.numeric_ranges`` (beyond :data:`RANGE_FACTOR` times the largest
    magnitude seen in training, or negative where training was never negative), and every
    therapy class is one the model was trained on (``therapy_class`` may not
    be null). All numeric columns are converted in one step; the slower
    per-column path only runs to word an error.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    frame : pandas.DataFrame
    notes : list or None, default=None
        Where notes on the input go (values far outside the training range,
        levels not seen in training, missing values in features every
        training patient had); ``None`` warns about the first two instead
        and leaves out the third.
    quiet_columns : collection of str, default=()
        Columns whose values far outside the training range are not noted,
        because the caller says so about the whole column.

    Returns
    -------
    pandas.DataFrame
        The model's input columns (in its order, with ``frame``'s index),
        numeric ones as float, categorical ones as object with NaN for
        missing values; a categorical value that differs from a training
        level only in case or surrounding spaces is given the training
        spelling (:func:`irpredict.training.levels.align_levels`).

    Raises
    ------
    CohortDataError
        Not a table, no rows, missing columns, text in numeric columns,
        infinite or out-of-range values.
    UnknownTherapyError
        Null or unknown therapy classes.

    Examples
    --------
    >>> X = check_input(model, patients)  # doctest: +SKIP
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise CohortDataError(f"expected a table of patients, got {type(frame).__name__}")
    if len(frame) == 0:
        raise CohortDataError("the input has no rows; send at least one patient")
    X = model.check_frame(frame)
    _refuse_nested_cells(X)
    categorical = set(model.categorical_columns)
    numeric = [c for c in model.feature_columns if c not in categorical]
    X = _yes_no_as_numbers(X, numeric, getattr(model, "numeric_ranges", None))
    values = _as_float(X, numeric)
    _check_values(model, X, numeric, values, notes, quiet_columns)
    if notes is not None:
        _note_missing_never_seen(model, X, numeric, values, notes)
    therapy = _check_therapy(model, X["therapy_class"])
    out = pd.DataFrame(values, index=X.index, columns=numeric, copy=False)
    for c in model.feature_columns:
        if c in categorical:
            col = X[c].to_numpy(dtype=object)
            out[c] = np.where(pd.isna(col), np.nan, col)
    out["therapy_class"] = therapy.to_numpy(dtype=object)
    if list(out.columns) != model.input_columns:
        out = out[model.input_columns]
    return align_levels(model, out, notes)
