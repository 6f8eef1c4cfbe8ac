"""On-treatment biomarker kinetics driven by the latent depth s (DOMAIN 5.5).

Each function returns values for draws of patients ``idx`` at days ``t``
(1-D arrays of equal length), from the patient's recorded baseline, ``s`` and
the true tumour ratio. Nothing here reads the response label.
"""

import numpy as np
from scipy.special import expit

from irpredict.data.simulator._baseline import NOISE_ANALYTES
from irpredict.data.simulator._tumour import ratio_at

__all__ = ["ROUTINE_LABS", "lab_values", "ctdna_values", "her2_ecd_values",
           "persistence_values", "wk9_change_values", "CTDNA_DELTA_42"]

#: Analytes drawn at every routine on-treatment lab visit.
ROUTINE_LABS = ("anc", "alc", "eosinophils", "ldh", "albumin", "crp") + tuple(
    name for name, _, _, _ in NOISE_ANALYTES)

#: The documented ctDNA response at day 42 (change in log10 MTM/mL).
CTDNA_DELTA_42 = "-(0.5 + 0.4*s) if s > 0 else 0.20 - 0.05*s, plus N(0, 0.75)"


def _ramp(t):
    return np.clip(np.asarray(t, dtype=float) / 42.0, 0.0, 1.0)


def lab_values(rng, name, idx, t, ctx):
    """Routine lab ``name`` at days ``t`` for patients ``idx``.

    ``ctx`` holds ``pop``, ``base``, ``s``, ``dyn`` and the per-patient CRP flare flag.
    """
    base, _s, pop = ctx["base"], ctx["s"][idx], ctx["pop"]
    m, ramp, k = len(idx), _ramp(t), np.maximum(ctx["s"][idx], 0.0)
    ratio = np.maximum(ratio_at(ctx["dyn"], idx, t), 1e-3)
    cls = pop["therapy_class"][idx]
    course = (cls == "cytokine") & (t <= 19)
    if name == "anc":
        return base["anc"][idx] * np.exp(-0.10 * k * ramp + rng.normal(0, 0.25, m))
    if name == "alc":
        rebound = np.where(course, np.log(2.0), 0.0)
        return base["alc"][idx] * np.exp(0.15 * k * ramp + rebound + rng.normal(0, 0.2, m))
    if name == "eosinophils":
        ici = np.where(cls == "checkpoint_inhibitor", 0.15 * k * ramp, 0.0)
        boost = np.where(course, 2.0, 1.0)
        return base["eosinophils"][idx] * boost * np.exp(rng.normal(0, 0.3, m)) + ici
    if name == "ldh":
        return base["ldh"][idx] * ratio ** 0.4 * np.exp(rng.normal(0, 0.15, m))
    if name == "albumin":
        leak = np.where(course, -4.0, 0.0)
        return np.clip(base["albumin"][idx] - 1.5 * np.log(ratio) + leak
                       + rng.normal(0, 2.0, m), 15, 55)
    if name == "crp":
        flare = np.where(ctx["crp_flare"][idx] & (t >= 14) & (t <= 30), np.log(2.5), 0.0)
        return base["crp"][idx] * np.exp(-0.3 * k * ramp + 0.5 * np.log(ratio) + flare
                                         + rng.normal(0, 0.5, m))
    if name == "il6":
        crs = np.where((cls == "adoptive_cell") & (t <= 7), np.log(5.0), 0.0)
        return base["il6"][idx] * np.exp(0.5 * np.log(ratio) + crs + rng.normal(0, 0.4, m))
    for noise, _, _, sd in NOISE_ANALYTES:
        if name == noise:
            return base[name][idx] * np.exp(rng.normal(0, sd / 2, m))
    raise KeyError(name)


def ctdna_values(rng, idx, t, ctx, delta42):
    """ctDNA (MTM/mL) at days ``t``: the day-42 change, then tracking imaging 28 days ahead.

    Values below the limit of detection are recorded as 0.0 ("not detected").
    """
    t = np.asarray(t, dtype=float)
    d42 = delta42[idx]
    later = 1.5 * (np.log10(np.maximum(ratio_at(ctx["dyn"], idx, t + 28), 1e-3))
                   - np.log10(np.maximum(ratio_at(ctx["dyn"], idx, np.full_like(t, 70.0)),
                                         1e-3)))
    delta = np.where(t <= 42, _ramp(t) * d42, d42 + later)
    level = np.log10(ctx["base"]["ctdna_level"][idx]) + delta + rng.normal(0, 0.2, len(idx))
    value = 10 ** level
    return np.where(value < ctx["lod"], 0.0, value)


def her2_ecd_values(rng, idx, t, ctx, ecd_shift):
    """Serum HER2 ECD (ng/mL): a deliberately weak decrease with depth."""
    return ctx["base"]["her2_ecd"][idx] * np.exp(_ramp(t) * ecd_shift[idx]
                                                 + rng.normal(0, 0.1, len(idx)))


def persistence_values(rng, idx, nominal, ctx):
    """Infused-cell persistence (% of circulating T cells); day 28 is the recorded driver value."""
    shape = {7: 1.6, 14: 1.4, 28: 1.0, 56: float(np.exp(-28 * np.log(2) / 45))}
    factor = np.array([shape[int(d)] for d in nominal])
    other = ctx["base"]["act_persistence_true"][idx] * factor * np.exp(
        rng.normal(0, 0.1, len(idx)))
    other = np.round(np.minimum(other, 99.0), 3)
    return np.where(nominal == 28, ctx["base"]["act_persistence"][idx], other)


def wk9_change_values(rng, idx, t, ctx):
    """Week-9 SLD change from baseline (%), a response-derived leakage trap."""
    ratio = ratio_at(ctx["dyn"], idx, t) * np.exp(rng.normal(0, 0.08, len(idx)))
    return 100 * (ratio - 1)


def draw_patient_kinetics(rng, s):
    """Per-patient kinetic effects: ctDNA day-42 change, HER2 ECD shift, CRP flare flag."""
    n = len(s)
    delta42 = np.where(s > 0, -(0.5 + 0.4 * s), 0.20 - 0.05 * s) + rng.normal(0, 0.75, n)
    ecd_shift = -0.3 * np.maximum(s, 0) + rng.normal(0, 0.4, n)
    # CRP flare (x2.5 around C2, then falling with the tumour): more frequent in responders.
    flare = rng.random(n) < expit(-1.8 + 0.4 * np.maximum(s, 0))
    return {"delta42": delta42, "ecd_shift": ecd_shift, "crp_flare": flare}
