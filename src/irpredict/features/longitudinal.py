"""On-treatment kinetics: long measurements -> one row per patient.

:func:`to_draws` turns a guarded long table into integer-coded, sorted draws;
:func:`kinetic_block` summarises the draws with ``0 < day <= L`` for each
biomarker into the columns ``<biomarker>__<stat>_d<L>``:

========================  =========================================================
``last``                  value of the last draw with ``0 < day <= L``
``delta``                 ``last - baseline``
``relchange``             ``(last - baseline) / baseline`` (NaN when baseline is 0)
``log2fc``                ``log2(max(last, f)) - log2(max(baseline, f))`` where the
                          floor ``f`` is the biomarker's declared detection limit,
                          else ``log_floor`` (so undetectable values stay finite)
``slope``                 least-squares slope per day over the baseline draw (at
                          its own day) and the on-treatment draws
``auc``                   trapezoid area of ``value - baseline`` from day 0 (where
                          the change is 0) to the last draw, divided by that draw's
                          day: the time-averaged change from baseline, in the
                          biomarker's unit
``min`` / ``max``         over the on-treatment draws
``nadir``                 lowest value among the baseline and on-treatment draws
``days_to_nadir``         its day (the earliest on ties; the baseline's own day
                          when nothing on treatment is lower)
``n_draws``               number of on-treatment draws (0 when none)
``cleared``               1 when ``last`` is below the declared detection limit,
                          else 0; only for biomarkers with a declared limit (in a
                          Pipeline of your own,
                          :class:`~irpredict.features.ClearanceFlagger` learns a
                          limit for the others)
========================  =========================================================

Same-day duplicate draws are averaged; rows with a missing value are ignored.
"""

import numpy as np

from irpredict.exceptions import CohortDataError
from irpredict.features import _kinetics
from irpredict.features._guard import restrict_draws

__all__ = ["to_draws", "kinetic_block", "kinetic_names", "DEFAULT_LOG_FLOOR"]

#: Floor (in the biomarker's unit) used before the log when no detection limit is declared.
DEFAULT_LOG_FLOOR = 0.01


def _codes(series, categories):
    """Integer codes of ``series`` against ``categories`` (-1 when absent)."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        lookup = pd.Index(categories).get_indexer(series.cat.categories.astype(str))
        codes = series.cat.codes.to_numpy()
        return np.where(codes >= 0, lookup[codes], -1).astype(np.int64)
    return pd.Index(categories).get_indexer(series.astype(str)).astype(np.int64)


def to_draws(table, patient_ids, biomarkers, *, value_col="value", table_name="measurements"):
    """Integer-code and sort a guarded long table.

    Parameters
    ----------
    table : pandas.DataFrame
        Long rows already restricted to the landmark (``patient_id``, ``day``,
        ``value_col`` and, unless ``biomarkers`` is ``None``, ``biomarker``).
    patient_ids : pandas.Index
        Patient order of the output.
    biomarkers : list of str or None
        Biomarker order of the output; ``None`` treats the table as one series.

    Returns
    -------
    irpredict.features._kinetics.Draws
        Groups are ``patient_code * n_biomarkers + biomarker_code``.

    Raises
    ------
    CohortDataError
        If a row names a patient absent from the patients table.
    """
    nb = 1 if biomarkers is None else len(biomarkers)
    pcode = _codes(table["patient_id"], patient_ids)
    unknown = pcode < 0
    if unknown.any():
        ids = table.loc[unknown, "patient_id"].astype(str).unique().tolist()
        raise CohortDataError(
            f"{table_name}: {len(ids)} patient_id values are not in the patients table: "
            f"{ids[:5]}{'...' if len(ids) > 5 else ''}; add those patients or drop their rows."
        )
    if biomarkers is None:
        bcode = np.zeros(len(table), dtype=np.int64)
    else:
        bcode = _codes(table["biomarker"], biomarkers)
    value = table[value_col].to_numpy(dtype=np.float64, na_value=np.nan)
    keep = (bcode >= 0) & ~np.isnan(value)
    day = table["day"].to_numpy(dtype=np.float64)
    if not keep.all():
        pcode, bcode, day, value = pcode[keep], bcode[keep], day[keep], value[keep]
    return _kinetics.make_draws(pcode * nb + bcode, day, value, len(patient_ids) * nb)


def kinetic_names(biomarkers, landmark, stats=_kinetics.KINETIC_STATS):
    """Column names ``<biomarker>__<stat>_d<L>`` in output order."""
    tag = _day_tag(landmark)
    return [f"{b}__{s}_d{tag}" for b in biomarkers for s in stats]


def _day_tag(landmark):
    return str(int(landmark)) if float(landmark).is_integer() else str(landmark).replace(".", "p")


def kinetic_block(draws, base_value, base_day, biomarkers, landmark, *, keep=None,
                  detection_limits=None, log_floor=DEFAULT_LOG_FLOOR):
    """Kinetic features at one landmark as a 2-D array plus column names.

    Parameters
    ----------
    draws : irpredict.features._kinetics.Draws
        All guarded draws of the biomarkers (baseline and on-treatment).
    base_value, base_day : ndarray, shape (n_groups,)
        Baseline per group, from :func:`irpredict.features.baseline.baseline_values`.
    biomarkers : list of str
        Biomarker order used to code ``draws``.
    landmark : float
        Landmark day L; only draws with ``0 < day <= L`` are summarised.
    keep : list of bool or None
        Which biomarkers get a block; ``None`` keeps those with any
        on-treatment draw.
    detection_limits : dict of str to float or None
        Declared detection limits (floor for ``log2fc`` and ``cleared``).
    log_floor : float
        Floor for ``log2fc`` when no limit is declared.

    Returns
    -------
    values : ndarray, shape (n_patients, n_columns)
    names : list of str
    """
    treated = restrict_draws(draws, landmark, after=0.0)
    nb = len(biomarkers)
    limits = detection_limits or {}
    lim_b = np.array([limits.get(b, np.nan) for b in biomarkers], dtype=np.float64)
    floor_b = np.where(np.isnan(lim_b), log_floor, lim_b)
    reps = draws.n_groups // max(nb, 1)
    stats = _kinetics.kinetics(treated, base_value, base_day, np.tile(floor_b, reps),
                               np.tile(lim_b, reps))
    if keep is None:
        counts = stats["n_draws"].reshape(reps, nb)
        keep = counts.sum(axis=0) > 0
    tag = _day_tag(landmark)
    cells = [(j, s) for j, b in enumerate(biomarkers) if keep[j]
             for s in _kinetics.KINETIC_STATS if s != "cleared" or not np.isnan(lim_b[j])]
    # fill rows of a (columns x patients) array: contiguous writes, and its
    # transpose is what pandas stores, so the frame needs no further copy
    out = np.empty((len(cells), reps))
    for k, (j, s) in enumerate(cells):
        out[k] = stats[s].reshape(reps, nb)[:, j]
    return out.T, [f"{biomarkers[j]}__{s}_d{tag}" for j, s in cells]
