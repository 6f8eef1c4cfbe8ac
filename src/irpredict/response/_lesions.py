"""New lesions the table implies, and sizes that cannot be millimetres.

RECIST 1.1 (DOMAIN.md 3.1): any new lesion is PD, and a lesion that was not
there at baseline counts as new. A table can say so in four ways: the
``new_lesion`` flag, a ``new_lesion_count`` or ``new_lesion_sld_mm`` above 0,
a ``new_nontarget`` flag (new non-target lesions increased, so there are some),
or a measured target sum at a visit of a patient whose baseline had no target
lesion (sum 0). All are read as a new lesion; that target sum is also the
new lesions' size (``new_lesion_sld_mm``, where not given), which iRECIST
follows to confirm progression.
"""

import warnings

import numpy as np

from irpredict.exceptions import DataWarning

__all__ = ["mark_implied_new_lesions", "warn_implausible_sums", "SMALLEST_PLAUSIBLE_BASELINE_MM",
           "LARGEST_PLAUSIBLE_SUM_MM"]

#: Half RECIST 1.1's smallest measurable lesion (10 mm): a baseline sum between 0 and this
#: is no sum of measurable lesions in mm, even with measurement error; most likely cm.
SMALLEST_PLAUSIBLE_BASELINE_MM = 5.0
#: Up to five target lesions: a sum above this is taken for another unit or a typing slip.
LARGEST_PLAUSIBLE_SUM_MM = 1000.0


def _shown(frame, mask, limit=5):
    ids = frame.loc[mask, "patient_id"].unique().tolist()
    return f"{ids[:limit]}{' ...' if len(ids) > limit else ''}", len(ids)


def _baselines(frame):
    """Each row's patient baseline sum: the last measured one at day <= 0 (NaN if none)."""
    measured = frame[(frame["day"] <= 0) & frame["target_sld_mm"].notna()]
    last = measured.groupby("patient_id")["target_sld_mm"].last()
    return frame["patient_id"].map(last).astype(float)


def mark_implied_new_lesions(frame, source):
    """Set ``new_lesion`` on the post-baseline rows where the table implies one.

    ``frame`` is checked and sorted by patient and day; it is changed in place.
    A baseline row's ``new_lesion`` is ignored, with a warning.
    """
    post = frame["day"] > 0
    flagged = frame["new_lesion"].to_numpy(bool)
    counted = np.zeros(len(frame), dtype=bool)
    for column in ("new_lesion_count", "new_lesion_sld_mm", "new_nontarget_count"):
        if column in frame.columns:
            counted |= (frame[column] > 0).to_numpy()
    if "new_nontarget" in frame.columns:  # new non-target lesions increased: they exist
        counted |= frame["new_nontarget"].fillna(False).to_numpy(bool)
    unflagged = counted & ~flagged & post.to_numpy()
    if unflagged.any():
        shown, n = _shown(frame, unflagged)
        warnings.warn(
            f"{source}: {n} patients have new_lesion_count, new_lesion_sld_mm or "
            "new_nontarget_count above 0, or new_nontarget true, on "
            f"visits whose new_lesion is not true, e.g. {shown}; those visits are read as "
            "having a new lesion (PD). Fill new_lesion on every visit to silence this",
            DataWarning, stacklevel=3)
    baseline = _baselines(frame)
    reappeared = (baseline == 0) & post & (frame["target_sld_mm"] > 0)
    if (reappeared & ~flagged).any():  # a table checked twice is warned about once
        shown, n = _shown(frame, (reappeared & ~flagged).to_numpy())
        warnings.warn(
            f"{source}: {n} patients had no target lesion at baseline (sum 0) but a measured "
            f"target sum later, e.g. {shown}; a lesion absent at baseline is a new lesion "
            "(PD)", DataWarning, stacklevel=3)
    if reappeared.any():
        # that sum measures the new lesions: iRECIST confirms their growth by it
        sizes = frame["target_sld_mm"].where(reappeared)
        if "new_lesion_sld_mm" in frame.columns:
            frame["new_lesion_sld_mm"] = frame["new_lesion_sld_mm"].fillna(sizes)
        else:
            frame["new_lesion_sld_mm"] = sizes
    at_baseline = flagged & ~post.to_numpy()
    if at_baseline.any():
        shown, n = _shown(frame, at_baseline)
        warnings.warn(
            f"{source}: {n} patients have new_lesion true on a baseline scan (day <= 0), e.g. "
            f"{shown}; a lesion seen at baseline is not new, so the flag is ignored there",
            DataWarning, stacklevel=3)
    frame["new_lesion"] = (flagged | counted | reappeared.to_numpy()) & post.to_numpy()
    return frame


def warn_implausible_sums(frame, source):
    """Warn about target sums that cannot be millimetres, and patients with no disease."""
    baseline = _baselines(frame)
    first = ~frame["patient_id"].duplicated()
    tiny = first & (baseline > 0) & (baseline < SMALLEST_PLAUSIBLE_BASELINE_MM)
    if tiny.any():
        shown, n = _shown(frame, tiny.to_numpy())
        warnings.warn(
            f"{source}: {n} patients have a baseline target sum between 0 and "
            f"{SMALLEST_PLAUSIBLE_BASELINE_MM:g} mm, e.g. {shown}; a measurable lesion is at "
            "least 10 mm long, so these look like centimetres. target_sld_mm is in mm "
            "(multiply cm by 10); the 5 mm rule of PD reads them as mm",
            DataWarning, stacklevel=3)
    huge = frame["target_sld_mm"] > LARGEST_PLAUSIBLE_SUM_MM
    if huge.any():
        shown, n = _shown(frame, huge.to_numpy())
        warnings.warn(
            f"{source}: {n} patients have a target sum above {LARGEST_PLAUSIBLE_SUM_MM:g} mm, "
            f"e.g. {shown}; at most five target lesions rarely sum to that. Check the unit "
            "(mm) and the values", DataWarning, stacklevel=3)
    at_baseline = frame[(frame["day"] <= 0) & frame["target_sld_mm"].notna()]
    last = at_baseline.groupby("patient_id").tail(1)
    empty = last[(last["target_sld_mm"] == 0) & last["nontarget"].isna()]
    if len(empty):
        ids = empty["patient_id"].tolist()
        warnings.warn(
            f"{source}: {len(ids)} patients have no target lesion and no non-target entry on "
            f"their baseline scan, e.g. {ids[:5]}; with no disease to follow their response "
            "is NE. Give the baseline non-target status (NON-CR/NON-PD) if they have "
            "non-measurable disease", DataWarning, stacklevel=3)
