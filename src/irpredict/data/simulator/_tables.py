"""Assemble the patients, measurements and tumour-assessment tables."""

import numpy as np

from irpredict.data.simulator._baseline import BASELINE_UNITS, NOISE_ANALYTES, round_til
from irpredict.data.simulator._kinetics import (
    ROUTINE_LABS,
    ctdna_values,
    her2_ecd_values,
    lab_values,
    persistence_values,
    wk9_change_values,
)
from irpredict.data.simulator._missingness import on_treatment_observed
from irpredict.data.simulator._schedule import jitter_days, schedule_for

__all__ = ["BIOMARKERS", "patient_columns", "measurement_rows"]

TISSUE = ("pdl1_cps", "stil_pct", "tmb", "ki67_pct", "gep", "her2_ish_ratio")
BLOOD = ("anc", "alc", "eosinophils", "ldh", "albumin", "crp", "il6", "ctdna", "her2_ecd") \
    + tuple(name for name, _, _, _ in NOISE_ANALYTES)
#: Every biomarker the simulator can write, in a fixed order (used for sorting).
BIOMARKERS = TISSUE + BLOOD + ("act_persistence", "sld_change_wk9")
_CODE = {name: i for i, name in enumerate(BIOMARKERS)}
_DECIMALS = {"pdl1_cps": 0, "stil_pct": 0, "ki67_pct": 0, "tmb": 1, "gep": 3,
             "her2_ish_ratio": 2, "ldh": 0, "albumin": 1, "sld_change_wk9": 1,
             "ctdna": 4, "act_persistence": 3}
UNITS = {**BASELINE_UNITS, "her2_ish_ratio": "ratio"}


class _Rows:
    """Collects (patient index, biomarker code, day, value) blocks."""

    def __init__(self):
        self.blocks = []

    def add(self, name, idx, day, value):
        value = np.round(np.asarray(value, dtype=float), _DECIMALS.get(name, 3))
        self.blocks.append((np.asarray(idx), np.full(len(idx), _CODE[name]),
                            np.asarray(day, dtype=float) + 0.0, value))

    def arrays(self):
        idx, code, day, value = (np.concatenate([b[i] for b in self.blocks]) for i in range(4))
        order = np.lexsort((code, day, idx))
        idx, code, day, value = idx[order], code[order], day[order], value[order]
        # Two draws of one analyte jittered onto the same day: keep the earlier-scheduled one.
        dup = np.zeros(len(idx), dtype=bool)
        dup[1:] = (idx[1:] == idx[:-1]) & (code[1:] == code[:-1]) & (day[1:] == day[:-1])
        return idx[~dup], code[~dup], day[~dup], value[~dup]


def patient_columns(pop, base, resp, obs, params):
    """Columns of ``patients`` (dict of arrays; NaN / None for missing)."""
    site = np.array([f"site_{i + 1:02d}" for i in range(params.n_sites)], dtype=object)
    definition = np.array([params.class_params[c].response_definition
                           for c in pop["therapy_class"]], dtype=object)
    definition[pop["setting"] == "neoadjuvant"] = "pcr"
    masked = {k: np.where(obs[k], pop[k], None) for k in ("pam50", "fcgr3a")}
    return {
        "therapy_class": pop["therapy_class"], "response": resp["response"],
        "site": site[pop["site_idx"]], "setting": pop["setting"], "line": pop["line"],
        "subtype": pop["subtype"], "regimen": pop["regimen"], "age": pop["age"],
        "ecog": pop["ecog"], "liver_mets": pop["liver_mets"], "bone_only": pop["bone_only"],
        "her2_ihc": pop["her2_ihc"], "er_status": pop["er_status"],
        "pr_status": pop["pr_status"], **masked, "ldh_uln": base["ldh_uln"],
        "neoantigen_reactive": base["neoantigen_reactive"],
        "act_dose_log10": base["act_dose_log10"], "act_cd8_pct": base["act_cd8_pct"],
        "response_definition": definition,
    }


def _baseline_rows(rng, rows, pop, base, obs):
    n = len(pop["z_bur"])
    tissue_day = -(7 + np.floor(rng.random(n) * 24))
    lab_day = -np.floor(rng.random(n) * 15)
    ish_obs = np.isin(pop["subtype"], ["HER2+", "HER2-low"]) | (rng.random(n) < 0.3)
    values = {**base, "her2_ish_ratio": pop["her2_ish_ratio"]}
    for name in TISSUE + BLOOD:
        seen = ish_obs if name == "her2_ish_ratio" else obs.get(name, obs["_panel"])
        idx = np.flatnonzero(seen)
        day = tissue_day if name in TISSUE else lab_day
        rows.add(name, idx, day[idx], values[name][idx])


def _scheduled(rng, rows, key, members, ctx):
    sched = schedule_for(*key)
    pop, events, params = ctx["pop"], ctx["events"], ctx["params"]
    nominal = np.tile(np.asarray(sched["labs"], dtype=float), len(members))
    idx = np.repeat(members, len(sched["labs"]))
    day = jitter_days(rng, nominal, 3)
    keep = on_treatment_observed(rng, idx, day, pop, events, params)
    idx, day = idx[keep], day[keep]
    research = key[0] in ("adoptive_cell", "cytokine")
    for name in ROUTINE_LABS + (("il6",) if research else ()):
        sel = rng.random(len(idx)) >= 0.02
        rows.add(name, idx[sel], day[sel], lab_values(rng, name, idx[sel], day[sel], ctx))
    nominal = np.tile(np.asarray(sched["ctdna"], dtype=float), len(members))
    idx = np.repeat(members, len(sched["ctdna"]))
    day = jitter_days(rng, nominal, 3)
    keep = on_treatment_observed(rng, idx, day, pop, events, params)
    rows.add("ctdna", idx[keep], day[keep],
             ctdna_values(rng, idx[keep], day[keep], ctx, ctx["kin"]["delta42"]))
    if key[0] == "monoclonal_antibody":
        rows.add("her2_ecd", idx[keep], day[keep],
                 her2_ecd_values(rng, idx[keep], day[keep], ctx, ctx["kin"]["ecd_shift"]))
    if "persistence" in sched:
        nominal = np.tile(np.asarray(sched["persistence"], dtype=float), len(members))
        idx = np.repeat(members, len(sched["persistence"]))
        day = jitter_days(rng, nominal, 3)
        keep = (rng.random(len(idx)) >= 0.05) | (nominal == 28)
        keep &= ~((nominal == 28) & np.isnan(ctx["base"]["act_persistence"][idx]))
        rows.add("act_persistence", idx[keep], day[keep],
                 persistence_values(rng, idx[keep], nominal[keep], ctx))


def _end_of_treatment(rng, rows, ctx):
    off = ctx["events"]["off_day"]
    idx = np.flatnonzero(np.isfinite(off) & (off <= 400))
    day = off[idx] + 1 + np.floor(rng.random(len(idx)) * 10)
    for name in ("anc", "alc", "ldh", "albumin", "crp"):
        rows.add(name, idx, day, lab_values(rng, name, idx, day, ctx))
    rows.add("ctdna", idx, day, ctdna_values(rng, idx, day, ctx, ctx["kin"]["delta42"]))


def _leakage_traps(rng, rows, ctx):
    n = len(ctx["s"])
    day = jitter_days(rng, np.full(n, 63.0), 3)
    idx = np.flatnonzero(day <= ctx["events"]["off_day"] + 7)
    rows.add("sld_change_wk9", idx, day[idx], wk9_change_values(rng, idx, day[idx], ctx))
    pd_day = ctx["events"]["pd_day"]
    idx = np.flatnonzero(np.isfinite(pd_day) & (rng.random(n) < 0.5))
    biopsy = np.clip(ctx["base"]["stil_pct"][idx] * np.exp(rng.normal(-0.3, 0.4, len(idx))),
                     0, 100)
    rows.add("stil_pct", idx, pd_day[idx] + 1 + np.floor(rng.random(len(idx)) * 14),
             round_til(biopsy))


def measurement_rows(rng, ctx):
    """Long measurement arrays: ``idx``, ``biomarker``, ``day``, ``value``, ``unit``.

    ``ctx`` holds ``pop``, ``base``, ``s``, ``dyn``, ``events``, ``kin``, ``obs``,
    ``params``, ``lod`` and ``crp_flare``.
    """
    rows = _Rows()
    pop, params = ctx["pop"], ctx["params"]
    _baseline_rows(rng, rows, pop, ctx["base"], ctx["obs"])
    for key in sorted(set(zip(pop["therapy_class"], pop["setting"], strict=True))):
        members = np.flatnonzero((pop["therapy_class"] == key[0]) & (pop["setting"] == key[1]))
        _scheduled(rng, rows, key, members, ctx)
    _end_of_treatment(rng, rows, ctx)
    _leakage_traps(rng, rows, ctx)
    idx, code, day, value = rows.arrays()
    names = np.array(BIOMARKERS, dtype=object)[code]
    unit = np.array([UNITS[b] for b in BIOMARKERS], dtype=object)[code]
    g_dl = (code == _CODE["albumin"]) & np.isin(pop["site_idx"][idx], params.albumin_g_dl_sites)
    value = np.where(g_dl, np.round(value / 10, 2), value)
    unit[g_dl] = "g/dL"
    return {"idx": idx, "biomarker": names, "day": day, "value": value, "unit": unit}
