"""Tumour-size features from ``tumor_assessments`` (sum of target diameters).

* ``tumor_size__pctchg_d<L>``: % change of ``target_sld_mm`` at the last scan
  with ``0 < day <= L`` versus the baseline scan (the scan nearest day 0 in
  the baseline window; the later one on ties).
* ``tumor_size__nadir_pctchg_d<L>``: % change of the smallest on-treatment sum
  (up to L) versus baseline.
* ``tumor_size__n_scans_d<L>``: number of on-treatment scans up to L.

The series is left out when the cohort lists ``"tumor_size"`` among its
response-derived biomarkers (RECIST response is read from these very scans).
"""

import numpy as np

from irpredict.features import _kinetics
from irpredict.features._guard import TUMOR_SERIES, restrict_draws
from irpredict.features.longitudinal import _day_tag, to_draws

__all__ = ["tumour_block"]

STATS = ("pctchg", "nadir_pctchg", "n_scans")


def tumour_block(assessments, patient_ids, window, landmarks):
    """Tumour-size features for each landmark.

    Parameters
    ----------
    assessments : pandas.DataFrame
        ``tumor_assessments`` already restricted to the largest landmark.
    patient_ids : pandas.Index
        Output row order.
    window : tuple of float
        Baseline window ``(lo, hi)``.
    landmarks : list of float
        Landmark days.

    Returns
    -------
    values : ndarray, shape (n_patients, 3 * len(landmarks))
    names : list of str
    """
    draws = to_draws(assessments, patient_ids, None, value_col="target_sld_mm",
                     table_name="tumor_assessments")
    base, base_day = _kinetics.last_in_window(draws, *window)
    blocks, names = [], []
    for landmark in landmarks:
        treated = restrict_draws(draws, landmark, after=0.0)
        nan = np.full(draws.n_groups, np.nan)
        stats = _kinetics.kinetics(treated, base, base_day, nan, nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(base > 0, 100.0 * (stats["last"] - base) / base, np.nan)
            nadir = np.where(base > 0, 100.0 * (stats["min"] - base) / base, np.nan)
        blocks += [pct, nadir, stats["n_draws"]]
        names += [f"{TUMOR_SERIES}__{s}_d{_day_tag(landmark)}" for s in STATS]
    return np.column_stack(blocks), names
