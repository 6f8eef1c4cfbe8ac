"""RECIST 1.1 time-point response from tumour measurements (Tables 1 and 2).

The input is the ``tumor_assessments`` table of the cohort data model: one row
per imaging visit with ``patient_id``, ``day`` (days since first dose; the
baseline scan is the last one at ``day <= 0``), ``target_sld_mm`` (sum of
diameters of the target lesions) and optionally ``nontarget`` (``CR``,
``NON-CR/NON-PD``, ``PD``, ``NE``; missing = not evaluated), ``new_lesion``
(bool; missing = False) and ``target_cr`` (bool).

Decisions (DOMAIN.md section 3.1):

* Target CR is ``target_sld_mm == 0``. The per-visit flag "all target nodes
  < 10 mm short axis" is not part of the data model, so a nodal-only CR with
  nodes of, say, 9 mm cannot be recognised from the sum alone; supply a
  ``target_cr`` column (True on such visits) to override.
* The nadir is the smallest sum so far, baseline included; visits with a
  missing sum (target NE) do not enter it.
* PD (>= 20 % and >= 5 mm over the nadir) is evaluated before PR (>= 30 %
  below baseline). Any reappearance after a nadir of 0 mm is PD.
* Boundaries are inclusive and compared with a relative tolerance of
  :data:`REL_TOL` so that 25.5 -> 30.6 mm (+20 %) and 3.2 -> 8.2 mm (+5 mm)
  count as PD and an exact 30 % decrease counts as PR.
* A patient whose baseline sum is 0 has non-measurable disease only and gets
  Table 2 (``NON-CR/NON-PD`` instead of SD); a target sum measured later is a
  lesion absent at baseline, hence new (PD). A ``new_lesion_count`` or
  ``new_lesion_sld_mm`` above 0 is a new lesion whatever ``new_lesion`` says.
  A patient without a baseline scan, or whose baseline sum is missing, has
  target NE at every visit (the overall response is still PD when non-target
  or new lesions show it).
* A patient without any non-target entry on any row is taken to have no
  non-target disease: target CR then gives overall CR. Otherwise a missing
  non-target entry at a visit means "not evaluated".
"""

import math
import warnings

import numpy as np
import pandas as pd

from irpredict.data._patients import id_text
from irpredict.data.schema import canonical_nontarget
from irpredict.exceptions import CohortDataError, DataWarning
from irpredict.response._lesions import mark_implied_new_lesions
from irpredict.response._numbers import file_rows, numeric_column

__all__ = [
    "REL_TOL",
    "NONTARGET_VALUES",
    "RESPONSE_CODES",
    "at_least",
    "target_response",
    "overall_response",
    "check_tumor_assessments",
    "timepoint_responses",
]

#: Relative tolerance of the inclusive RECIST boundaries (20 %, 5 mm, 30 %).
REL_TOL = 1e-9
#: Accepted values of the ``nontarget`` column.
NONTARGET_VALUES = ("CR", "NON-CR/NON-PD", "PD", "NE")
#: RECIST 1.1 time-point response codes, best first.
RESPONSE_CODES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
_REQUIRED = ("patient_id", "day", "target_sld_mm")
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", ""}


def at_least(a, b):
    """Inclusive ``a >= b`` up to a relative tolerance of :data:`REL_TOL`.

    Parameters
    ----------
    a, b : float or array-like
        Values to compare (NaN compares False).

    Returns
    -------
    bool or numpy.ndarray

    Examples
    --------
    >>> bool(at_least(8.2 - 3.2, 5.0)), bool(at_least(4.99, 5.0))
    (True, False)
    """
    if np.ndim(a) == 0 and np.ndim(b) == 0:  # the per-visit path: plain floats, no numpy overhead
        a, b = float(a), float(b)
        return a >= b - REL_TOL * max(1.0, abs(a), abs(b))
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    scale = np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    return a >= b - REL_TOL * scale


def target_response(sld, baseline, nadir, *, target_cr=None):
    """Target-lesion response at one visit (RECIST 1.1).

    Parameters
    ----------
    sld : float
        Sum of diameters at this visit (mm); NaN = not evaluated.
    baseline : float
        Baseline sum (mm); NaN = unknown baseline (target NE).
    nadir : float
        Smallest evaluable sum before this visit, baseline included (mm).
    target_cr : bool or None, default=None
        Override: True marks a CR whatever the sum (nodal targets < 10 mm).

    Returns
    -------
    str
        One of ``CR``, ``PR``, ``SD``, ``PD``, ``NE``.

    Examples
    --------
    >>> target_response(30.6, 40.0, 25.5)
    'PD'
    >>> target_response(28.0, 40.0, 28.0)
    'PR'
    """
    sld, baseline, nadir = float(sld), float(baseline), float(nadir)
    if math.isnan(sld) or math.isnan(baseline):
        return "NE"
    if target_cr or sld == 0:
        return "CR"
    if nadir == 0:
        return "PD"  # reappearance after all target lesions disappeared
    increase = sld - nadir
    if at_least(increase, 5.0) and at_least(increase, 0.2 * nadir):
        return "PD"
    if at_least(baseline - sld, 0.3 * baseline):
        return "PR"
    return "SD"


def overall_response(target, nontarget, new_lesion, *, measurable=True):
    """Combine target, non-target and new-lesion status (RECIST 1.1 Tables 1 and 2).

    Parameters
    ----------
    target : str
        Target response (``CR``/``PR``/``SD``/``PD``/``NE``); ignored when
        ``measurable`` is False.
    nontarget : str or None
        ``CR``, ``NON-CR/NON-PD``, ``PD``, ``NE`` (not evaluated) or None
        (the patient has no non-target disease).
    new_lesion : bool
        Unequivocal new lesion at this visit.
    measurable : bool, default=True
        False for patients with non-measurable disease only (Table 2).

    Returns
    -------
    str
        One of :data:`RESPONSE_CODES`.

    Examples
    --------
    >>> overall_response("CR", "NON-CR/NON-PD", False)
    'PR'
    >>> overall_response("SD", None, True)
    'PD'
    """
    if new_lesion or nontarget == "PD" or (measurable and target == "PD"):
        return "PD"
    if not measurable:
        return {"CR": "CR", "NON-CR/NON-PD": "NON-CR/NON-PD"}.get(nontarget, "NE")
    if target == "CR":
        return "CR" if nontarget in (None, "CR") else "PR"
    return target if target in ("PR", "SD") else "NE"


def _to_bool(series, column, source):
    if series.dtype == bool:
        return series
    text = series.astype("string").str.strip().str.lower().fillna("")
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise CohortDataError(
            f"{source}: column '{column}' must be true/false (or 1/0, yes/no); "
            f"{int(bad.sum())} rows have other values, e.g. rows {file_rows(bad)} with "
            f"{series[bad].astype(str).unique()[:3].tolist()}; fix or blank them"
        )
    return text.isin(_TRUE)


def check_tumor_assessments(tumor_assessments, *, source="tumor_assessments"):
    """Validate and normalise a tumour-assessment table.

    Parameters
    ----------
    tumor_assessments : pandas.DataFrame
        Columns ``patient_id``, ``day``, ``target_sld_mm`` and optionally
        ``nontarget``, ``new_lesion``, ``target_cr``, ``new_lesion_sld_mm``,
        ``new_nontarget``, ``nontarget_increase``, ``new_lesion_count``,
        ``new_nontarget_count``. Columns the assessment itself writes
        (:data:`DERIVED_COLUMNS`, e.g. ``overall_response``) are dropped,
        with a DataWarning.
    source : str, default="tumor_assessments"
        Name of the table or file, used in error messages (row numbers
        count the header as row 1).

    Returns
    -------
    pandas.DataFrame
        A copy with typed columns, sorted by patient and day, ``nontarget``
        upper-cased (None where missing), boolean flags filled with False,
        patient ids stripped, and ``new_lesion`` true on every post-baseline
        visit that shows a new lesion by a ``new_lesion_count`` or
        ``new_lesion_sld_mm`` above 0 or by a target sum after a baseline of
        0 mm (each said in a DataWarning), false on baseline scans.

    Raises
    ------
    CohortDataError
        Missing columns, non-numeric or negative sizes, non-numeric days,
        unknown non-target values, bad booleans or duplicate visits.
    """
    if not isinstance(tumor_assessments, pd.DataFrame):
        raise TypeError(
            f"tumor_assessments must be a pandas DataFrame, got {type(tumor_assessments).__name__}"
        )
    frame = tumor_assessments.reset_index(drop=True).copy()
    frame = frame.rename(columns=_known_spellings(frame.columns))
    derived = [c for c in frame.columns if c in DERIVED_COLUMNS]
    if derived:
        warnings.warn(
            f"{source}: column(s) {derived} are results of a response assessment, not "
            "measurements; they are ignored and derived again from the measurements (pass the "
            "tumour measurements with one row per scan, baseline included)", DataWarning,
            stacklevel=3)
        frame = frame.drop(columns=derived)
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise CohortDataError(
            f"{source}: required column(s) missing: {missing} (found {list(frame.columns)[:10]}); "
            f"a tumour-assessment table needs patient_id, day, target_sld_mm"
        )
    if frame["patient_id"].isna().any():
        raise CohortDataError(
            f"{source}: column 'patient_id' is empty in rows "
            f"{file_rows(frame['patient_id'].isna())}"
        )
    # ' P 001' is patient 'P 001', and 1001.0 (a float id column) is 1001, as in the cohort
    frame["patient_id"] = id_text(frame["patient_id"]).astype(str)
    frame["day"] = numeric_column(frame, "day", source, required=True)
    for col in ("target_sld_mm", "new_lesion_sld_mm", "new_lesion_count",
                "new_nontarget_count"):
        if col in frame.columns:
            frame[col] = numeric_column(frame, col, source, required=False)
            neg = frame[col] < 0
            if neg.any():
                raise CohortDataError(
                    f"{source}: column '{col}' has {int(neg.sum())} negative values "
                    f"(rows {file_rows(neg)}); sizes are >= 0 (0 = all lesions disappeared)"
                )
    _check_nontarget(frame, source)
    for col in ("new_lesion", "new_nontarget", "nontarget_increase"):
        frame[col] = _to_bool(frame[col], col, source) if col in frame.columns else False
    if "target_cr" in frame.columns:
        flags = _to_bool(frame["target_cr"], "target_cr", source)
        frame["target_cr"] = flags.where(frame["target_cr"].notna(), False)
    frame = frame.drop_duplicates()  # a visit written twice is one visit
    dup = frame.duplicated(["patient_id", "day"], keep=False)
    if dup.any():
        ids = frame.loc[dup, "patient_id"].unique()
        raise CohortDataError(
            f"{source}: {len(ids)} patient{'s have' if len(ids) > 1 else ' has'} two different "
            "assessments on the same day, "
            f"e.g. {ids[:5].tolist()} (rows {file_rows(dup)}); merge them into one row per visit"
        )
    frame = frame.sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)
    return mark_implied_new_lesions(frame, source)


#: Columns the assessment writes: read from an input, they would be taken for its own.
DERIVED_COLUMNS = ("baseline_sld_mm", "nadir_sld_mm", "pct_change_baseline", "pct_change_nadir",
                   "target_response", "nontarget_response", "overall_response",
                   "irecist_response", "irecist_reason", "icpd_late")

_KNOWN_COLUMNS = (*_REQUIRED, "nontarget", "new_lesion", "target_cr", "new_lesion_sld_mm",
                  "new_nontarget", "nontarget_increase", "new_lesion_count",
                  "new_nontarget_count")


def _known_spellings(columns):
    """Column renames for the known columns written in another case (``Patient_ID``)."""
    present = {str(c) for c in columns}
    renames = {}
    for column in columns:
        key = str(column).strip().lower().replace(" ", "_")
        if key in _KNOWN_COLUMNS and key not in present and key not in renames.values():
            renames[column] = key
    return renames


def _check_nontarget(frame, source):
    if "nontarget" not in frame.columns:
        frame["nontarget"] = None
        return
    text = canonical_nontarget(frame["nontarget"])
    bad = text.notna() & ~text.isin(NONTARGET_VALUES)
    if bad.any():
        raise CohortDataError(
            f"{source}: column 'nontarget' has {int(bad.sum())} unknown values in rows "
            f"{file_rows(bad)}: {text[bad].unique()[:3].tolist()}; use one of "
            f"{list(NONTARGET_VALUES)} or leave it blank"
        )
    frame["nontarget"] = text.astype(object).where(text.notna(), None)


def _patient_timepoints(days, sld, nontarget, new, cr_flag):
    """Per post-baseline visit tuples for one patient (arrays sorted by day).

    The baseline is the last pre-treatment scan (day <= 0) with a measured
    target sum; a later pre-treatment row with the size left empty does not
    replace it.
    """
    pre = np.flatnonzero(days <= 0)
    start = int(pre[-1]) + 1 if len(pre) else 0
    measured = pre[~np.isnan(sld[pre])]
    baseline = float(sld[measured[-1]]) if len(measured) else math.nan
    sld, new, cr_flag = sld.tolist(), new.tolist(), cr_flag.tolist()
    has_nt = any(v is not None for v in nontarget)
    measurable = baseline != 0
    nadir = baseline
    rows = []
    after_cr = False
    for k in range(start, len(sld)):
        nt = nontarget[k] if nontarget[k] is not None else ("NE" if has_nt else None)
        if after_cr and nt == "NON-CR/NON-PD":
            nt = "PD"  # a non-target lesion reappearing after a complete response
        tgt = target_response(sld[k], baseline, nadir, target_cr=cr_flag[k]) if measurable else None
        ovr = overall_response(tgt, nt, new[k], measurable=measurable)
        after_cr = after_cr or ovr == "CR"
        rows.append((k, baseline, nadir, tgt, nt, ovr))
        if not (math.isnan(sld[k]) or math.isnan(baseline)):
            nadir = min(nadir, sld[k])
    return rows


def timepoint_responses(tumor_assessments, *, source="tumor_assessments"):
    """RECIST 1.1 time-point responses for every post-baseline visit.

    Parameters
    ----------
    tumor_assessments : pandas.DataFrame
        The tumour-assessment table (see :func:`check_tumor_assessments`).
    source : str, default="tumor_assessments"
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per post-baseline visit (``day`` after the baseline scan),
        sorted by patient and day, with the input columns plus
        ``baseline_sld_mm``, ``nadir_sld_mm`` (nadir before this visit),
        ``pct_change_baseline``, ``pct_change_nadir``, ``target_response``
        (None for non-measurable disease), ``nontarget_response``,
        ``overall_response``. Visits after a first PD are kept (the BOR
        derivation ignores them; iRECIST uses them).

    Examples
    --------
    >>> ta = pd.DataFrame({"patient_id": ["p1"] * 3, "day": [-7, 56, 112],
    ...                    "target_sld_mm": [50.0, 30.0, 40.0]})
    >>> timepoint_responses(ta)["overall_response"].tolist()
    ['PR', 'PD']
    """
    frame = check_tumor_assessments(tumor_assessments, source=source)
    days = frame["day"].to_numpy(float)
    sld = frame["target_sld_mm"].to_numpy(float)
    nontarget = frame["nontarget"].to_numpy(object)
    new = frame["new_lesion"].to_numpy(bool)
    cr_flag = (
        frame["target_cr"].to_numpy(bool) if "target_cr" in frame else np.zeros(len(frame), bool)
    )
    out = []
    for idx in frame.groupby("patient_id", sort=False).indices.values():
        sel = np.sort(idx)
        for k, base, nadir, tgt, nt, ovr in _patient_timepoints(
            days[sel], sld[sel], nontarget[sel], new[sel], cr_flag[sel]
        ):
            out.append((sel[k], base, nadir, tgt, nt, ovr))
    cols = [
        "row",
        "baseline_sld_mm",
        "nadir_sld_mm",
        "target_response",
        "nontarget_response",
        "overall_response",
    ]
    extra = pd.DataFrame.from_records(out, columns=cols) if out else pd.DataFrame(columns=cols)
    result = frame.iloc[extra["row"].to_numpy(int)].reset_index(drop=True)
    for col in cols[1:]:
        result[col] = extra[col].to_numpy()
    result["baseline_sld_mm"] = result["baseline_sld_mm"].astype(float)
    result["nadir_sld_mm"] = result["nadir_sld_mm"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result["pct_change_baseline"] = 100 * (
            result["target_sld_mm"] / result["baseline_sld_mm"] - 1
        )
        result["pct_change_nadir"] = 100 * (result["target_sld_mm"] / result["nadir_sld_mm"] - 1)
    pct = ["pct_change_baseline", "pct_change_nadir"]
    result[pct] = result[pct].replace([np.inf, -np.inf], np.nan)
    return result
