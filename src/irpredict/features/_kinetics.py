"""Vectorised numeric helpers behind the feature builders.

Everything here works on flat numpy arrays of draws sorted once by
``(group, day)``, where ``group = patient_code * n_biomarkers + biomarker_code``.
Per-group statistics are computed with ``np.bincount``, ``ufunc.reduceat`` and
boolean masks, never with one Python object per patient or biomarker, so the
cost is one sort plus a handful of linear passes.

Only one patient's own rows ever enter a statistic of that patient: groups
never mix patients, and nothing here looks at the whole cohort.
"""

from typing import NamedTuple

import numpy as np

__all__ = ["Draws", "make_draws", "take", "last_in_window", "kinetics", "KINETIC_STATS"]

#: Kinetic statistics, in output column order.
KINETIC_STATS = (
    "last", "delta", "relchange", "log2fc", "slope", "auc", "min", "max",
    "nadir", "days_to_nadir", "n_draws", "cleared",
)


class Draws(NamedTuple):
    """Draws sorted by ``(group, day)`` with same-day duplicates averaged."""

    group: np.ndarray
    day: np.ndarray
    value: np.ndarray
    n_groups: int


def make_draws(group, day, value, n_groups):
    """Sort draws by group then day, and average same-day duplicates.

    Parameters
    ----------
    group : ndarray of int64
        Group code of each draw, in ``[0, n_groups)``.
    day, value : ndarray of float64
        Day since first dose and measured value of each draw.
    n_groups : int
        Number of groups (patients x biomarkers).

    Returns
    -------
    Draws
        The sorted draws. The result does not depend on the input row order.
    """
    group = np.asarray(group, dtype=np.int64)
    day = np.asarray(day, dtype=np.float64)
    value = np.asarray(value, dtype=np.float64)
    order = _sort_order(group, day)
    group, day, value = group[order], day[order], value[order]
    if len(group) > 1:
        same = (group[1:] == group[:-1]) & (day[1:] == day[:-1])
        if same.any():
            # sort values inside each duplicate run too, so the mean is order-free
            order = np.lexsort((value, day, group))
            group, day, value = group[order], day[order], value[order]
            starts = np.flatnonzero(np.r_[True, ~same])
            counts = np.diff(np.r_[starts, len(group)])
            value = np.add.reduceat(value, starts) / counts
            group, day = group[starts], day[starts]
    return Draws(group, day, value, int(n_groups))


def _sort_order(group, day):
    """Order sorting by (group, day); one float-key argsort, lexsort fallback."""
    if len(group) == 0:
        return np.arange(0)
    lo, hi = day.min(), day.max()
    key = group + (day - lo) / (hi - lo + 1.0)
    order = np.argsort(key)  # ties are equal (group, day) pairs, averaged afterwards
    g, d = group[order], day[order]
    ok = bool(np.all(g[1:] >= g[:-1]) and np.all((g[1:] != g[:-1]) | (d[1:] >= d[:-1])))
    return order if ok else np.lexsort((day, group))


def take(draws, mask):
    """Subset of ``draws`` selected by a boolean mask (order is kept)."""
    return Draws(draws.group[mask], draws.day[mask], draws.value[mask], draws.n_groups)


def last_in_window(draws, lo, hi):
    """Per group, the draw with the largest day in ``[lo, hi]``.

    Returns
    -------
    value, day : ndarray of float64, shape (n_groups,)
        NaN for groups without a draw in the window.
    """
    idx = np.flatnonzero((draws.day >= lo) & (draws.day <= hi))
    value = np.full(draws.n_groups, np.nan)
    day = np.full(draws.n_groups, np.nan)
    last = idx[_run_ends(draws.group[idx])]
    value[draws.group[last]] = draws.value[last]
    day[draws.group[last]] = draws.day[last]
    return value, day


def _run_ends(group):
    """Index of the last element of each run of equal, sorted group codes."""
    if len(group) == 0:
        return np.arange(0)
    return np.flatnonzero(np.r_[group[1:] != group[:-1], True])


def _run_starts(group):
    if len(group) == 0:
        return np.arange(0)
    return np.flatnonzero(np.r_[True, group[1:] != group[:-1]])


def kinetics(treated, base_value, base_day, floor, limit):
    """Kinetic statistics of on-treatment draws relative to the baseline.

    Parameters
    ----------
    treated : Draws
        On-treatment draws only (``0 < day <= landmark``), already guarded.
    base_value, base_day : ndarray, shape (n_groups,)
        Baseline value and its day (NaN when absent).
    floor : ndarray, shape (n_groups,)
        Lower floor applied to both values before the log2 fold change.
    limit : ndarray, shape (n_groups,)
        Detection limit; NaN leaves ``cleared`` undefined.

    Returns
    -------
    dict of str to ndarray
        One array of shape ``(n_groups,)`` per name in :data:`KINETIC_STATS`.
    """
    n = treated.n_groups
    g, d, v = treated.group, treated.day, treated.value
    count = np.bincount(g, minlength=n).astype(np.float64)
    has = count > 0
    starts, ends = _run_starts(g), _run_ends(g)
    ids = g[starts]
    out = {name: np.full(n, np.nan) for name in ("last", "min", "max")}
    out["n_draws"] = count
    last = out["last"]
    last[ids] = v[ends]
    last_day = np.full(n, np.nan)
    last_day[ids] = d[ends]
    if len(g):
        out["min"][ids] = np.minimum.reduceat(v, starts)
        out["max"][ids] = np.maximum.reduceat(v, starts)
    out["delta"] = last - base_value
    with np.errstate(divide="ignore", invalid="ignore"):
        out["relchange"] = np.where(base_value != 0, out["delta"] / base_value, np.nan)
        out["log2fc"] = np.log2(np.maximum(last, floor) / np.maximum(base_value, floor))
    out["nadir"], out["days_to_nadir"] = _nadir(treated, starts, ids, out["min"], base_value,
                                                base_day)
    out["slope"] = _slope(treated, count, base_value, base_day)
    out["auc"] = _auc(treated, starts, base_value, last_day)
    cleared = np.where(last < limit, 1.0, 0.0)
    out["cleared"] = np.where(has & ~np.isnan(limit), cleared, np.nan)
    return out


def _nadir(treated, starts, ids, group_min, base_value, base_day):
    """Lowest value among baseline and on-treatment draws, and its day.

    The earliest draw wins ties; a baseline nadir reports the baseline day.
    """
    n = treated.n_groups
    g, d, v = treated.group, treated.day, treated.value
    first_min_day = np.full(n, np.nan)
    if len(g):
        at_min = v == group_min[g]
        hit = np.flatnonzero(at_min)
        first = _run_starts(g[hit])
        first_min_day[g[hit[first]]] = d[hit[first]]
    use_base = ~np.isnan(base_value) & ~(group_min < base_value)
    nadir = np.where(use_base, base_value, group_min)
    nadir_day = np.where(use_base, base_day, first_min_day)
    none = np.isnan(group_min)
    nadir[none] = np.nan
    nadir_day[none] = np.nan
    return nadir, nadir_day


def _slope(treated, count, base_value, base_day):
    """Least-squares slope per day over the baseline and on-treatment draws."""
    g, d, v = treated.group, treated.day, treated.value
    n = treated.n_groups
    hb = ~np.isnan(base_value)
    bx = np.where(hb, base_day, 0.0)
    by = np.where(hb, base_value, 0.0)
    npts = count + hb
    with np.errstate(divide="ignore", invalid="ignore"):
        mx = (np.bincount(g, weights=d, minlength=n) + bx) / npts
        my = (np.bincount(g, weights=v, minlength=n) + by) / npts
        dx, dy = d - mx[g], v - my[g]
        sxy = np.bincount(g, weights=dx * dy, minlength=n) + hb * (bx - mx) * (by - my)
        sxx = np.bincount(g, weights=dx * dx, minlength=n) + hb * (bx - mx) ** 2
        slope = sxy / sxx
    slope[(npts < 2) | ~(sxx > 0) | (count == 0)] = np.nan
    return slope


def _auc(treated, starts, base_value, last_day):
    """Time-averaged change from baseline between day 0 and the last draw.

    The trapezoid rule runs over ``(0, 0), (day_1, value_1 - baseline), ...``;
    the area is divided by the day of the last draw, so the result has the
    unit of the biomarker and reads as "mean change from baseline".
    """
    g, d, v = treated.group, treated.day, treated.value
    n = treated.n_groups
    if len(g) == 0:
        return np.full(n, np.nan)
    dev = v - base_value[g]
    prev_dev = np.r_[0.0, dev[:-1]]
    prev_day = np.r_[0.0, d[:-1]]
    prev_dev[starts] = 0.0
    prev_day[starts] = 0.0
    area = np.bincount(g, weights=(dev + prev_dev) / 2.0 * (d - prev_day), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = area / last_day
    auc[~(last_day > 0) | np.isnan(base_value)] = np.nan
    return auc
