"""Responder labels derived from tumour assessments (DOMAIN.md section 3.4).

Definitions (``definition=``):

* ``"confirmed_response"`` (default): confirmed BOR CR or PR (iCR/iPR).
* ``"unconfirmed_response"``: unconfirmed BOR CR or PR.
* ``"disease_control"``: confirmed BOR CR, PR, SD or NON-CR/NON-PD (SD at
  ``min_sd_days`` or later).
* ``"clinical_benefit"``: confirmed response, or an evaluable non-PD time
  point (CR, PR, SD, NON-CR/NON-PD; iRECIST: not iUPD/iCPD/NE) at
  ``benefit_days`` (168 = 24 weeks) or later and before the first PD (iCPD),
  as admiralonco ``derive_param_clinbenefit``.
* ``"pcr"``: pathological complete response passed through from a column of
  ``patients`` (0/1 or true/false), for neoadjuvant cohorts.

Patients without any post-baseline assessment are non-responders (0): the
ORR denominator is intention-to-treat.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.response._lesions import warn_implausible_sums
from irpredict.response.bor import best_overall_response
from irpredict.response.irecist import best_overall_iresponse, irecist_timepoints
from irpredict.response.timepoint import check_tumor_assessments, timepoint_responses

__all__ = [
    "LABEL_ALIASES",
    "LABEL_DEFINITIONS",
    "CRITERIA",
    "ResponseAssessment",
    "assess_response",
    "derive_labels",
]

#: Label definitions understood by :func:`derive_labels`.
LABEL_DEFINITIONS = (
    "confirmed_response",
    "unconfirmed_response",
    "disease_control",
    "clinical_benefit",
    "pcr",
)
#: Other spellings accepted by :func:`derive_labels` (the simulator's ``response_definition``).
LABEL_ALIASES = {
    "confirmed_orr": "confirmed_response",
    "unconfirmed_orr": "unconfirmed_response",
    "dcr": "disease_control",
    "clinical_benefit_24w": "clinical_benefit",
}
#: Response criteria understood by :func:`assess_response`.
CRITERIA = ("recist1.1", "irecist")
_RESPONDER = {"CR", "PR", "iCR", "iPR"}
_CONTROL = _RESPONDER | {"SD", "NON-CR/NON-PD", "iSD", "NON-iCR/NON-iUPD"}


@dataclass(frozen=True)
class ResponseAssessment:
    """Per-patient best overall response and the per-visit time points behind it.

    Attributes
    ----------
    bor : pandas.DataFrame
        ``patient_id``, ``bor``, ``bor_day``, ``confirmed``, ``pd_day``.
    timepoints : pandas.DataFrame
        One row per post-baseline visit with ``overall_response`` (RECIST
        1.1) and, for iRECIST, ``irecist_response``.
    criteria : str
        ``"recist1.1"`` or ``"irecist"``.
    """

    bor: pd.DataFrame
    timepoints: pd.DataFrame
    criteria: str


#: Oldest baseline scan RECIST 1.1 accepts, in days before the first dose (DOMAIN 3.1).
MAX_BASELINE_AGE_DAYS = 28


def _warn_old_baselines(frame, source):
    """A baseline scan (the last measured one on or before day 0) older than four weeks."""
    import warnings

    from irpredict.exceptions import DataWarning

    before = frame[(frame["day"] <= 0) & frame["target_sld_mm"].notna()]
    last = before.groupby("patient_id")["day"].max()
    old = last[last < -MAX_BASELINE_AGE_DAYS]
    if len(old):
        shown = ", ".join(f"{p} (day {d:g})" for p, d in list(old.items())[:5])
        warnings.warn(
            f"{source}: {len(old)} patients' baseline scan is more than "
            f"{MAX_BASELINE_AGE_DAYS} days before the first dose: {shown}"
            f"{' ...' if len(old) > 5 else ''}; RECIST 1.1 asks for one within 4 weeks, so "
            "their responses are measured from an old baseline", DataWarning, stacklevel=3)


def assess_response(
    tumor_assessments,
    *,
    criteria="recist1.1",
    confirm=True,
    confirm_days=28,
    min_sd_days=42,
    max_nr_ne=1,
    accept_sd=False,
    missing_as_ne=False,
    source="tumor_assessments",
):
    """Time-point responses and best overall response for every patient.

    Parameters
    ----------
    tumor_assessments : pandas.DataFrame
        The tumour-assessment table (baseline scan at ``day <= 0``).
    criteria : {"recist1.1", "irecist"}, default="recist1.1"
        Response criteria.
    confirm, confirm_days, min_sd_days, max_nr_ne, accept_sd, missing_as_ne
        As in :func:`irpredict.response.best_overall_response`; the first
        dose (day 0) is the reference day.
    source : str, default="tumor_assessments"
        Name used in error messages.

    Returns
    -------
    ResponseAssessment
        Every patient of the table appears in ``bor`` (MISSING or NE when it
        has no post-baseline scan).

    Raises
    ------
    CohortDataError
        Malformed table. ExperimentConfigError: unknown criteria.

    Examples
    --------
    >>> ta = pd.DataFrame({"patient_id": ["p"] * 3, "day": [-3, 56, 112],
    ...                    "target_sld_mm": [50.0, 30.0, 31.0]})
    >>> assess_response(ta).bor["bor"].tolist()
    ['PR']
    """
    if criteria not in CRITERIA:
        raise ExperimentConfigError(f"criteria must be one of {list(CRITERIA)}, got {criteria!r}")
    frame = check_tumor_assessments(tumor_assessments, source=source)
    _warn_old_baselines(frame, source)
    warn_implausible_sums(frame, source)
    ids = pd.unique(frame["patient_id"])
    kwargs = dict(
        ref_day=0,
        confirm=confirm,
        confirm_days=confirm_days,
        min_sd_days=min_sd_days,
        max_nr_ne=max_nr_ne,
        accept_sd=accept_sd,
        missing_as_ne=missing_as_ne,
        patient_ids=ids,
    )
    if criteria == "irecist":
        tp = irecist_timepoints(frame, source=source)
        bor = best_overall_iresponse(tp, **kwargs)
    else:
        tp = timepoint_responses(frame, source=source)
        bor = best_overall_response(tp, **kwargs)
    _warn_no_baseline(frame, source)
    return ResponseAssessment(bor=bor, timepoints=tp, criteria=criteria)


def _warn_no_baseline(frame, source):
    """Patients without a measured baseline scan can only be NE: say who they are."""
    import warnings

    from irpredict.exceptions import DataWarning

    measured = (frame["day"] <= 0) & frame["target_sld_mm"].notna()
    has_baseline = measured.groupby(frame["patient_id"]).any()
    missing = has_baseline.index[~has_baseline.to_numpy()].tolist()
    if missing:
        warnings.warn(
            f"{source}: {len(missing)} of {len(has_baseline)} patients have no baseline scan "
            f"(a target_sld_mm at day <= 0), e.g. {missing[:5]}; their target response is NE "
            "at every visit. Add the baseline scans (day 0 = first dose)",
            DataWarning, stacklevel=3)


def derive_labels(
    tumor_assessments=None,
    *,
    definition="confirmed_response",
    criteria="recist1.1",
    confirm_days=28,
    min_sd_days=42,
    benefit_days=168,
    max_nr_ne=1,
    accept_sd=False,
    patients=None,
    pcr_col="pcr",
    patient_ids=None,
):
    """Binary responder label (0/1) per patient.

    Parameters
    ----------
    tumor_assessments : pandas.DataFrame or None
        The tumour-assessment table; not needed for ``definition="pcr"``.
    definition : str, default="confirmed_response"
        One of :data:`LABEL_DEFINITIONS` (see the module docstring) or an alias
        in :data:`LABEL_ALIASES` (``confirmed_orr``, ``clinical_benefit_24w``, ...).
    criteria : {"recist1.1", "irecist"}, default="recist1.1"
        Response criteria.
    confirm_days, min_sd_days, max_nr_ne, accept_sd
        As in :func:`irpredict.response.best_overall_response`.
    benefit_days : float, default=168
        Minimum day of a non-PD assessment for clinical benefit (24 weeks;
        e.g. 161 allows a -7 day visit window).
    patients : pandas.DataFrame or None, default=None
        Table with ``patient_id`` and ``pcr_col``, for ``definition="pcr"``.
    pcr_col : str, default="pcr"
        pCR column of ``patients``.
    patient_ids : iterable of str or None, default=None
        Patients to label; those without any assessment get 0 (intention to
        treat). None labels the patients of the table.

    Returns
    -------
    pandas.Series
        Integer 0/1 named ``response``, indexed by ``patient_id``.

    Raises
    ------
    ExperimentConfigError
        Unknown definition or criteria, or missing inputs.
    CohortDataError
        Malformed tables or pCR values other than 0/1.

    Examples
    --------
    >>> ta = pd.DataFrame({"patient_id": ["p"] * 4, "day": [0, 56, 112, 180],
    ...                    "target_sld_mm": [50.0, 45.0, 44.0, 46.0]})
    >>> derive_labels(ta, definition="clinical_benefit").tolist()
    [1]
    """
    definition = LABEL_ALIASES.get(definition, definition)
    if definition not in LABEL_DEFINITIONS:
        raise ExperimentConfigError(
            f"label definition must be one of {list(LABEL_DEFINITIONS)}, got {definition!r}"
        )
    if definition == "pcr":
        return _pcr_labels(patients, pcr_col)
    if tumor_assessments is None:
        raise ExperimentConfigError(f"definition={definition!r} needs a tumor_assessments table")
    result = assess_response(
        tumor_assessments,
        criteria=criteria,
        confirm=definition != "unconfirmed_response",
        confirm_days=confirm_days,
        min_sd_days=min_sd_days,
        max_nr_ne=max_nr_ne,
        accept_sd=accept_sd,
    )
    bor = result.bor.set_index("patient_id")["bor"]
    if definition in ("confirmed_response", "unconfirmed_response"):
        label = bor.isin(_RESPONDER)
    elif definition == "disease_control":
        label = bor.isin(_CONTROL)
    else:
        label = bor.isin(_RESPONDER) | _benefit(result, benefit_days).reindex(
            bor.index, fill_value=False
        )
    if patient_ids is not None:
        label = label.reindex([str(p) for p in patient_ids], fill_value=False)
    return label.astype(int).rename("response").rename_axis("patient_id")


def _benefit(result, benefit_days):
    """Patients with an evaluable non-PD time point at >= benefit_days before the first PD."""
    tp = result.timepoints
    col = "irecist_response" if result.criteria == "irecist" else "overall_response"
    pd_day = result.bor.set_index("patient_id")["pd_day"]
    first_pd = tp["patient_id"].map(pd_day).to_numpy(float)
    before_pd = np.isnan(first_pd) | (tp["day"].to_numpy(float) < first_pd)
    ok = (
        tp[col].isin(_CONTROL).to_numpy()
        & (tp["day"].to_numpy(float) >= benefit_days - 1e-9)
        & before_pd
    )
    return pd.Series(ok, index=tp["patient_id"]).groupby(level=0).any()


def _pcr_labels(patients, pcr_col):
    if patients is None or "patient_id" not in patients or pcr_col not in patients:
        raise ExperimentConfigError(
            f"definition='pcr' needs a patients table with columns patient_id and {pcr_col!r}"
        )
    raw = patients[pcr_col]
    text = raw.astype("string").str.strip().str.lower()
    mapped = text.map(
        {"1": 1, "1.0": 1, "true": 1, "yes": 1, "0": 0, "0.0": 0, "false": 0, "no": 0}
    )
    bad = mapped.isna()
    if bad.any():
        ids = patients.loc[bad, "patient_id"].astype(str).tolist()
        raise CohortDataError(
            f"patients: column {pcr_col!r} must be 0/1 for every patient; {len(ids)} patients have "
            f"{raw[bad].astype(str).unique()[:3].tolist()}, e.g. {ids[:5]}; fill or drop them"
        )
    return pd.Series(
        mapped.astype(int).to_numpy(),
        index=patients["patient_id"].astype(str).to_numpy(),
        name="response",
    ).rename_axis("patient_id")
