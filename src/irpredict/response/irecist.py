"""iRECIST (Seymour 2017) time-point responses and iBOR.

Until the first RECIST 1.1 progression iRECIST equals RECIST 1.1 with an
``i`` prefix (iCR, iPR, iSD, NON-iCR/NON-iUPD, NE). The state machine per
patient, on top of the RECIST 1.1 components of each visit
(:func:`irpredict.response.timepoint_responses`):

* **iUPD**: the first progression event: target PD, non-target PD, or a new
  lesion (while no new lesion was already accounted for by a reset).
* **iCPD**: at an assessment at least ``confirm_min_days`` (28) after the
  iUPD, any of: the original target sum grew a further >= 5 mm from the iUPD
  time point (when the target triggered iUPD; otherwise target PD by RECIST);
  further non-target increase (optional ``nontarget_increase`` flag, when the
  non-target triggered iUPD; otherwise non-target PD); new-lesion-target sum
  (optional ``new_lesion_sld_mm``) grew >= 5 mm; new non-target lesions grew
  (optional ``new_nontarget_count`` larger than at iUPD, or else the optional
  ``new_nontarget`` flag: new non-target lesions increased since the previous
  scan); more new lesions (optional ``new_lesion_count``); or a new lesion when
  none was present at iUPD.
  Scans earlier than ``confirm_min_days`` after the iUPD neither confirm nor
  reset (they report iUPD, or NE when not evaluable). Confirmations later
  than ``confirm_max_days`` (56) are flagged in ``icpd_late`` and warned
  about once.
* **Reset**: without further progression, the iUPD is dropped when the
  original disease meets iCR/iPR/iSD/NON-iCR/NON-iUPD criteria (target and
  non-target, vs baseline/nadir as in RECIST; an iUPD of the non-target
  disease needs it assessed again) and either the original disease
  triggered the iUPD, the new lesions are gone, or the original disease
  improved in category since the iUPD time point. A new lesion that stays
  after a reset is "known" and needs growth (or more lesions) to trigger a
  new iUPD; iCR requires all new lesions gone. Otherwise the status remains
  iUPD (NE when the scan is not evaluable).
* After iCPD every later visit is iCPD.

The nadir is the RECIST 1.1 one (NE visits excluded); unlike some tools,
scans taken < 28 days after iUPD do enter it.
"""

import warnings

import numpy as np
import pandas as pd

from irpredict.exceptions import DataWarning
from irpredict.response.bor import best_overall_response
from irpredict.response.timepoint import at_least, overall_response, timepoint_responses

__all__ = ["IRECIST_ORDER", "IRecistWindowWarning", "irecist_timepoints", "best_overall_iresponse"]

#: iBOR categories, best first.
IRECIST_ORDER = ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD", "iCPD", "NE", "MISSING")
_TO_CORE = {
    "iCR": "CR",
    "iPR": "PR",
    "iSD": "SD",
    "NON-iCR/NON-iUPD": "NON-CR/NON-PD",
    "iUPD": "UPD",
    "iCPD": "PD",
    "NE": "NE",
}
_FROM_CORE = {v: k for k, v in _TO_CORE.items()} | {"MISSING": "MISSING"}
_ORIG_RANK = {"CR": 0, "PR": 1, "SD": 2, "NON-CR/NON-PD": 3, "PD": 4, "NE": 5}


class IRecistWindowWarning(UserWarning):
    """An iCPD was confirmed later than the recommended 4-8 week window."""


def _i_code(orig, new_present, measurable):
    if orig == "CR" and new_present:
        return "iPR" if measurable else "NON-iCR/NON-iUPD"
    return {"CR": "iCR", "PR": "iPR", "SD": "iSD", "NON-CR/NON-PD": "NON-iCR/NON-iUPD"}.get(
        orig, "NE"
    )


def _grew(now, ref, mm=5.0):
    return not (np.isnan(now) or np.isnan(ref)) and at_least(now - ref, mm)


#: The iCPD reason read from the ``new_nontarget`` flag.
NNT_INCREASED = "new non-target lesions increased"


def _new_nontarget_growth(v, iupd):
    """New non-target lesions grew: by their count when given, else by the flag."""
    if not (np.isnan(v["nnt_cnt"]) or np.isnan(iupd["nnt_cnt"])):
        return ["more new non-target lesions"] if v["nnt_cnt"] > iupd["nnt_cnt"] else []
    return [NNT_INCREASED] if v["nnt"] else []


def _further_progression(v, iupd):
    """Reasons the visit ``v`` confirms the pending ``iupd`` (empty list: none)."""
    reasons = []
    if "target" in iupd["trigger"]:
        if _grew(v["sld"], iupd["sld"]):
            reasons.append("target sum +5 mm from iUPD")
    elif v["tgt"] == "PD":
        reasons.append("target PD")
    if "nontarget" in iupd["trigger"]:
        if v["nt_inc"]:
            reasons.append("further non-target increase")
    elif v["nt"] == "PD":
        reasons.append("non-target PD")
    if iupd["new"]:
        if _grew(v["nl_sld"], iupd["nl_sld"]):
            reasons.append("new-lesion sum +5 mm")
        reasons += _new_nontarget_growth(v, iupd)
        if (
            not np.isnan(v["nl_cnt"])
            and not np.isnan(iupd["nl_cnt"])
            and v["nl_cnt"] > iupd["nl_cnt"]
        ):
            reasons.append("additional new lesion")
    elif v["new"]:
        reasons.append("new lesion")
    return reasons


def _new_trigger(v, known):
    if not v["new"]:
        return False
    if known is None:
        return True
    def more(count):
        return not (np.isnan(v[count]) or np.isnan(known[count])) and v[count] > known[count]

    return bool(v["nnt"] or _grew(v["nl_sld"], known["nl_sld"]) or more("nl_cnt")
                or more("nnt_cnt"))


def _patient_irecist(visits, confirm_min_days, confirm_max_days):
    """iRECIST responses, reasons and late flags for one patient's visits (dicts)."""
    out, state, iupd, known = [], "open", None, None
    for v in visits:
        orig = overall_response(v["tgt"], v["nt"], False, measurable=v["measurable"])
        if state == "icpd":
            out.append(("iCPD", "after iCPD", False))
            continue
        if state == "open":
            trigger = {
                name
                for name, hit in (
                    ("target", v["measurable"] and v["tgt"] == "PD"),
                    ("nontarget", v["nt"] == "PD"),
                    ("new", _new_trigger(v, known)),
                )
                if hit
            }
            if trigger:
                state = "iupd"
                iupd = dict(v, trigger=trigger, orig=orig)
                out.append(("iUPD", "progression: " + ", ".join(sorted(trigger)), False))
            else:
                known = known if v["new"] else None
                out.append((_i_code(orig, v["new"], v["measurable"]), "", False))
            continue
        elapsed = v["day"] - iupd["day"]
        if elapsed < confirm_min_days - 1e-9:
            out.append(
                ("iUPD" if orig != "NE" else "NE", "scan < 28 days after iUPD: not used", False)
            )
            continue
        reasons = _further_progression(v, iupd)
        if reasons:
            state = "icpd"
            out.append(("iCPD", "; ".join(reasons), bool(elapsed > confirm_max_days + 1e-9)))
            continue
        improved = _ORIG_RANK[orig] < _ORIG_RANK[iupd["orig"]]
        original_trigger = bool(iupd["trigger"] & {"target", "nontarget"})
        # progression of the non-target disease is not undone by a scan that did not assess it
        unseen = "nontarget" in iupd["trigger"] and v["nt"] in (None, "NE")
        if orig not in ("NE", "PD") and not unseen and (original_trigger or not v["new"]
                                                          or improved):
            state, known = "open", (dict(v) if v["new"] else None)
            out.append((_i_code(orig, v["new"], v["measurable"]), "reset", False))
        else:
            out.append(("NE" if orig == "NE" else "iUPD", "not confirmed", False))
    return out


def _codes(responses):
    """Response codes as an object array with ``None`` for "not assessed".

    pandas' string columns hold a missing code as NaN, which the state machine
    would read as a code of its own.
    """
    return np.array([code if isinstance(code, str) else None for code in responses], dtype=object)


def irecist_timepoints(
    tumor_assessments,
    *,
    confirm_min_days=28,
    confirm_max_days=56,
    warn_late=True,
    source="tumor_assessments",
):
    """iRECIST time-point response for every post-baseline visit.

    Parameters
    ----------
    tumor_assessments : pandas.DataFrame
        The tumour-assessment table; besides the RECIST columns it may have
        ``new_lesion_sld_mm``, ``new_lesion_count``, ``new_nontarget`` (bool:
        new non-target lesions increased) and ``nontarget_increase`` (bool:
        further increase of the original non-target disease).
    confirm_min_days : float, default=28
        Earliest day after iUPD at which a scan can confirm it (4 weeks).
    confirm_max_days : float, default=56
        Confirmations later than this are flagged ``icpd_late`` (8 weeks).
    warn_late : bool, default=True
        Emit one :class:`IRecistWindowWarning` naming late confirmations.
    source : str, default="tumor_assessments"
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        The RECIST 1.1 time points (:func:`timepoint_responses`) plus
        ``irecist_response`` (iCR, iPR, iSD, NON-iCR/NON-iUPD, iUPD, iCPD, NE),
        ``irecist_reason`` and ``icpd_late``.

    Examples
    --------
    >>> ta = pd.DataFrame({"patient_id": ["p"] * 4, "day": [0, 56, 112, 168],
    ...                    "target_sld_mm": [50.0, 62.0, 30.0, 28.0]})
    >>> irecist_timepoints(ta)["irecist_response"].tolist()
    ['iUPD', 'iPR', 'iPR']
    """
    tp = timepoint_responses(tumor_assessments, source=source)
    n = len(tp)
    cols = {
        "day": tp["day"].to_numpy(float),
        "sld": tp["target_sld_mm"].to_numpy(float),
        "tgt": _codes(tp["target_response"]),
        "nt": _codes(tp["nontarget_response"]),
        "new": tp["new_lesion"].to_numpy(bool),
        "nnt": tp["new_nontarget"].to_numpy(bool),
        "nt_inc": tp["nontarget_increase"].to_numpy(bool),
        "nl_sld": tp["new_lesion_sld_mm"].to_numpy(float)
        if "new_lesion_sld_mm" in tp
        else np.full(n, np.nan),
        "nl_cnt": tp["new_lesion_count"].to_numpy(float)
        if "new_lesion_count" in tp
        else np.full(n, np.nan),
        "nnt_cnt": tp["new_nontarget_count"].to_numpy(float)
        if "new_nontarget_count" in tp
        else np.full(n, np.nan),
    }
    result = [None] * n
    for idx in tp.groupby("patient_id", sort=False).indices.values():
        visits = [{key: arr[k] for key, arr in cols.items()} for k in idx]
        for v in visits:
            v["measurable"] = v["tgt"] is not None
        states = _patient_irecist(visits, confirm_min_days, confirm_max_days)
        for k, res in zip(idx, states, strict=True):
            result[k] = res
    frame = pd.DataFrame(
        result, columns=["irecist_response", "irecist_reason", "icpd_late"], index=tp.index
    )
    tp = pd.concat([tp, frame], axis=1)
    tp["icpd_late"] = tp["icpd_late"].astype(bool)
    _warn_flag_read_as_increase(tp, source)
    if warn_late and tp["icpd_late"].any():
        ids = tp.loc[tp["icpd_late"], "patient_id"].unique()
        warnings.warn(
            f"{source}: {len(ids)} patient{' has' if len(ids) == 1 else 's have'} iCPD "
            f"confirmed more than {confirm_max_days} days after iUPD, e.g. "
            f"{ids[:5].tolist()}; check the protocol's handling of late confirmation scans",
            IRecistWindowWarning,
            stacklevel=2,
        )
    return tp


def _warn_flag_read_as_increase(tp, source):
    """An iCPD resting on ``new_nontarget`` alone, the flag also set at the iUPD scan: the
    flag may mark that new non-target lesions are there, not that they increased."""
    ids = []
    suspects = tp.loc[tp["irecist_reason"] == NNT_INCREASED, "patient_id"].unique()
    for pid, visits in tp[tp["patient_id"].isin(suspects)].groupby("patient_id", sort=False):
        codes = visits["irecist_response"].tolist()
        if "iCPD" not in codes:
            continue
        first = codes.index("iCPD")
        if visits["irecist_reason"].iloc[first] != NNT_INCREASED:
            continue
        start = first
        while start > 0 and codes[start - 1] in ("iUPD", "NE"):
            start -= 1
        if visits["new_nontarget"].iloc[start:first].any():
            ids.append(pid)
    if ids:
        warnings.warn(
            f"{source}: {len(ids)} patients have iCPD only because new_nontarget is true at "
            f"the confirming scan, while it was true at their iUPD scan too, e.g. {ids[:5]}. "
            "new_nontarget means new non-target lesions increased since the previous scan; if "
            "it marks only that they are present, give new_nontarget_count (the number of new "
            "non-target lesions) instead: iCPD then needs that number to grow",
            DataWarning, stacklevel=3)


def best_overall_iresponse(
    itimepoints,
    *,
    ref_day=0,
    confirm=True,
    confirm_days=28,
    min_sd_days=42,
    max_nr_ne=1,
    accept_sd=False,
    missing_as_ne=False,
    patient_ids=None,
):
    """iBOR: best iRECIST response, truncated at iCPD.

    Order iCR > iPR > iSD > NON-iCR/NON-iUPD > iUPD > iCPD > NE > MISSING, where
    an iUPD that a later iCPD confirmed counts as iCPD (Seymour et al. 2017,
    table 3: iUPD then iCPD is iBOR iCPD; iUPD never confirmed stays iUPD);
    confirmation and the SD window work as in
    :func:`irpredict.response.best_overall_response` (an iUPD between a
    response and its confirmation breaks the confirmation).

    Parameters
    ----------
    itimepoints : pandas.DataFrame
        Columns ``patient_id``, ``day``, ``irecist_response`` (the output of
        :func:`irecist_timepoints`).
    ref_day, confirm, confirm_days, min_sd_days, max_nr_ne, accept_sd, missing_as_ne, patient_ids
        As in :func:`irpredict.response.best_overall_response`.

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``bor`` (iRECIST codes), ``bor_day``, ``confirmed``
        (for iCR/iPR as in :func:`irpredict.response.best_overall_response`;
        True for iCPD, which is by definition a confirmed iUPD, even when
        ``confirm=False``), ``pd_day`` (day of iCPD, NaN if none) and
        ``ipfs_day`` (the iPFS event
        day: the first iUPD of the progression that iCPD confirmed, NaN if none).
    """
    core = itimepoints[["patient_id", "day"]].copy()
    core["overall_response"] = itimepoints["irecist_response"].map(_TO_CORE)
    bor = best_overall_response(
        core,
        ref_day=ref_day,
        confirm=confirm,
        confirm_days=confirm_days,
        min_sd_days=min_sd_days,
        max_nr_ne=max_nr_ne,
        accept_sd=accept_sd,
        missing_as_ne=missing_as_ne,
        patient_ids=patient_ids,
    )
    bor["bor"] = bor["bor"].map(_FROM_CORE)
    # an iUPD that a later iCPD confirmed is iCPD (Seymour et al. 2017, table 3, examples 6
    # and 7); an iUPD never confirmed stays iUPD (example 8)
    confirmed_pd = (bor["bor"] == "iUPD") & bor["pd_day"].notna()
    bor.loc[confirmed_pd, "bor"] = "iCPD"
    bor.loc[confirmed_pd, "bor_day"] = bor.loc[confirmed_pd, "pd_day"]
    bor.loc[confirmed_pd, "confirmed"] = True  # iCPD is the confirmation of the iUPD
    bor["ipfs_day"] = bor["patient_id"].map(_confirmed_iupd_days(itimepoints)).astype(float)
    return bor


def _confirmed_iupd_days(itimepoints):
    """Per patient with iCPD, the day of the first iUPD of the block iCPD confirmed."""
    days = {}
    ordered = itimepoints.sort_values(["patient_id", "day"], kind="stable")
    for pid, visits in ordered.groupby("patient_id", sort=False):
        codes = visits["irecist_response"].tolist()
        if "iCPD" not in codes:
            continue
        start = codes.index("iCPD")
        while start > 0 and codes[start - 1] in ("iUPD", "NE"):
            start -= 1
        while codes[start] == "NE":  # the block opens with its iUPD
            start += 1
        days[pid] = visits["day"].iloc[start]
    return pd.Series(days, dtype=float)
