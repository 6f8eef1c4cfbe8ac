"""Tumour dynamics from the latent depth s, and the imaging table (DOMAIN 5.4).

The best sum-of-diameters ratio is ``r_min = 0.70 * exp(-0.60 * s)`` (0 when
``s > 2``: complete response), so a patient's nadir is PR-deep exactly when
``s > 0``. For non-responders the formula is a growth ratio; it is capped at
``MAX_GROWTH_RATIO`` (reached at s = -1.75) because, left alone, it reaches
20-fold growth within two months for the most negative depths. Those patients
progress at their first scan either way, so the cap changes sizes, not RECIST
responses. Scans add reader noise, new lesions, non-target progression,
pseudo-progression for a few ICI responders (treated beyond it until their next
progression), missed scans, and early clinical progression or death before the
first scan (non-responders, more when sicker). Follow-up stops at the first
progression scan.
"""

import numpy as np
from scipy.special import expit

from irpredict.data.simulator._schedule import jitter_days, schedule_for

__all__ = ["draw_dynamics", "ratio_at", "draw_scans", "MAX_GROWTH_RATIO"]

MAX_GROWTH_RATIO = 2.0


def draw_dynamics(rng, s):
    """Per-patient trajectory parameters (arrays of length ``len(s)``)."""
    n = len(s)
    cr = s > 2.0
    return {
        "r_min": np.where(cr, 0.0, np.minimum(0.70 * np.exp(-0.60 * s), MAX_GROWTH_RATIO)),
        "cr": cr,
        "tau": np.exp(np.log(35) + rng.normal(0, 0.3, n)),
        "t_res": np.exp(np.log(150) + 0.45 * np.clip(s, -3, 6) + rng.normal(0, 0.5, n)),
        "g": np.exp(np.log(0.006) + rng.normal(0, 0.4, n)),
    }


def ratio_at(dyn, idx, t):
    """True SLD ratio (to baseline) of patients ``idx`` at days ``t`` (same shape)."""
    r_min, tau, t_res, g = (dyn[k][idx] for k in ("r_min", "tau", "t_res", "g"))
    t = np.maximum(np.asarray(t, dtype=float), 0.0)
    shrink = r_min + (1 - r_min) * np.exp(-t / tau)
    at_res = r_min + (1 - r_min) * np.exp(-t_res / tau)
    floor = np.where(dyn["cr"][idx], 0.05, 1e-3)
    regrow = np.maximum(at_res, floor) * np.exp(g * (t - t_res))
    return np.where(t <= t_res, shrink, regrow)


def _event_times(rng, s, dyn):
    n = len(s)
    start = np.where(s > 0, dyn["t_res"], 0.0)
    rate = 0.0015 * np.exp(-0.4 * np.minimum(s, 0.0))
    new_lesion = start + rng.exponential(1.0, n) / rate
    nontarget_pd = dyn["t_res"] + rng.exponential(1.0 / 0.0003, n)
    return new_lesion, nontarget_pd


def _group_scans(rng, rows, days, sld0, dyn, events, params):
    """Scan matrix for the patients ``rows`` sharing one schedule."""
    k = len(rows)
    base_day = 0.0 - np.floor(rng.random(k) * 29)
    post = jitter_days(rng, np.tile(np.asarray(days, dtype=float), (k, 1)), 7)
    day = np.column_stack([base_day, post])
    ratio = np.column_stack([np.ones(k), ratio_at(dyn, np.repeat(rows, len(days)).reshape(k, -1),
                                                   post)])
    sld = sld0[rows, None] * ratio * np.exp(rng.normal(0, params.reader_cv, day.shape))
    sld = np.where(dyn["cr"][rows, None] & (ratio < 0.15), 0.0, sld)
    new = (day >= events[0][rows, None]) & (day > 0)
    nt_pd = (day >= events[1][rows, None]) & (day > 0)
    nontarget = np.where(nt_pd, "PD", "NON-CR/NON-PD").astype(object)
    nontarget[dyn["cr"][rows, None] & (ratio < 0.15) & ~nt_pd] = "CR"
    nontarget[(rng.random(day.shape) < 0.02) & (day > 0) & ~nt_pd] = "NE"  # not evaluated
    return day, sld, new, nontarget


def _first_pd(sld, new, nontarget, waived):
    """Index of the first scan meeting RECIST progression (n_scans if none).

    ``waived`` marks the patients whose first on-treatment scan is a
    pseudo-progression: they are treated beyond it, and the next progression
    ends their follow-up.
    """
    nadir = np.minimum.accumulate(sld, axis=1)
    prev_nadir = np.column_stack([sld[:, :1], nadir[:, :-1]])
    pd = ((sld >= 1.2 * prev_nadir) & (sld - prev_nadir >= 5)) | new | (nontarget == "PD")
    pd[:, 0] = False
    pd[waived, 1] = False
    return np.where(pd.any(axis=1), pd.argmax(axis=1), sld.shape[1])


def draw_scans(rng, pop, base, resp, dyn, params):
    """Imaging table and per-patient follow-up events.

    Returns
    -------
    table : dict of str to numpy.ndarray
        Long arrays ``idx`` (patient index), ``day``, ``target_sld_mm``,
        ``nontarget``, ``new_lesion``.
    events : dict of str to numpy.ndarray
        Per patient: ``pd_day`` (first progression scan, inf if none),
        ``off_day`` (end of treatment: progression or early dropout, inf if
        neither), ``early_dropout`` and ``pseudo_progression`` (bool).
    """
    n, s = len(resp["s"]), resp["s"]
    events = _event_times(rng, s, dyn)
    metastatic = pop["setting"] == "metastatic"
    early = (rng.random(n) < expit(params.early_dropout_logit + 0.8 * pop["z_bur"])) \
        & (s <= 0) & metastatic
    early_day = np.where(early, 14 + np.floor(rng.random(n) * 42), np.inf)
    pseudo = (rng.random(n) < params.pseudo_progression) & (s > 0) & metastatic \
        & (pop["therapy_class"] == "checkpoint_inhibitor")
    pd_day = np.full(n, np.inf)
    parts = []
    for key in sorted({(c, t) for c, t in zip(pop["therapy_class"], pop["setting"],
                                                strict=True)}):
        rows = np.flatnonzero((pop["therapy_class"] == key[0]) & (pop["setting"] == key[1]))
        day, sld, new, nontarget = _group_scans(rng, rows, schedule_for(*key)["scans"],
                                                base["sld0"], dyn, events, params)
        ps = pseudo[rows]
        sld[ps, 1] *= 1.25
        new[ps, 1] = True
        if key[1] == "neoadjuvant":
            nontarget[:] = None
            new[:] = False
        first = _first_pd(sld, new, nontarget, waived=ps)
        has_pd = first < sld.shape[1]
        first_day = day[np.arange(len(rows)), np.minimum(first, sld.shape[1] - 1)]
        has_pd &= first_day <= early_day[rows]  # a scan after an early dropout never happens
        pd_day[rows[has_pd]] = first_day[has_pd]
        col = np.arange(sld.shape[1])[None, :]
        keep = (col <= first[:, None]) & (day <= early_day[rows, None])
        # a scan may be missed, but not the one that shows progression (treatment stops there)
        keep &= (col == 0) | (col == first[:, None]) \
            | (rng.random(day.shape) >= params.missed_scan)
        parts.append((np.broadcast_to(rows[:, None], day.shape)[keep], day[keep],
                      np.round(sld[keep], 1), nontarget[keep], new[keep].astype(int)))
    table = {k: np.concatenate([p[i] for p in parts])
             for i, k in enumerate(("idx", "day", "target_sld_mm", "nontarget", "new_lesion"))}
    off_day = np.minimum(pd_day, early_day)
    return table, {"pd_day": pd_day, "off_day": off_day, "early_dropout": early,
                   "pseudo_progression": pseudo}
