"""Missingness (DOMAIN 5.7): which recorded values reach the tables.

True drivers stay at or below about 12 % missing; tissue is MNAR (bone-only
disease, sicker patients), GEP is MAR by site, FCGR3A is MCAR and mostly
missing, on-treatment draws are missing structurally after progression or
early dropout (MNAR with respect to response) plus MCAR and sicker patients.
"""

import numpy as np
from scipy.special import expit, logit

__all__ = ["MECHANISMS", "baseline_observed", "on_treatment_observed"]

#: Human-readable mechanism per biomarker or column (copied into truth.json).
MECHANISMS = {
    "pdl1_cps": "MNAR: no tissue block; logit(base) + 1.0*bone_only + 0.5*z_bur (shared with "
                "stil_pct and ki67_pct)",
    "stil_pct": "MNAR: shared with pdl1_cps",
    "ki67_pct": "MNAR: shared with pdl1_cps",
    "tmb": "MNAR: assay failure, more when tissue is missing and burden is low",
    "gep": "MAR by site: research sub-study at sites 01-04 (80 % measured), 10 % elsewhere",
    "pam50": "MCAR",
    "fcgr3a": "MCAR (germline consent)",
    "labs": "MCAR per panel (anc, alc, eosinophils, platelets, noise analytes)",
    "ldh": "MCAR plus MAR by site (site_06 misses 15 %)",
    "albumin": "MCAR plus MAR by site (site_06 misses 15 %)",
    "crp": "MCAR",
    "il6": "research assay: 80 % missing outside adoptive_cell and cytokine, 5 % within",
    "ctdna": "MCAR assay design failure; below the limit of detection is recorded as 0.0",
    "her2_ecd": "monoclonal_antibody only; MCAR",
    "on_treatment": "structural after progression or early dropout (+7 days grace), MCAR "
                    "per visit, and sicker patients miss visits: expit(-3 + 0.8*z_bur)",
    "act_persistence": "adoptive_cell only; 5 % MCAR per draw, not stopped by progression",
}


def baseline_observed(rng, pop, params):
    """Boolean 'observed' mask per baseline biomarker or patient column."""
    n = len(pop["z_bur"])
    z_bur, site = pop["z_bur"], pop["site_idx"]
    no_tissue = rng.random(n) < expit(logit(params.missing_tissue) + 1.0 * pop["bone_only"]
                                      + 0.5 * z_bur - 0.3)
    tmb_fail = rng.random(n) < expit(logit(0.03) - 0.5 * z_bur)
    gep_site = np.where(site < 4, 0.8, 0.1)
    panel = rng.random(n) >= params.missing_lab
    site_miss = np.where(site == 5, 0.15, 0.0)
    research = np.isin(pop["therapy_class"], ["adoptive_cell", "cytokine"])
    obs = {
        "pdl1_cps": ~no_tissue, "stil_pct": ~no_tissue, "ki67_pct": ~no_tissue,
        "tmb": ~no_tissue & ~tmb_fail,
        "gep": rng.random(n) < gep_site,
        "pam50": rng.random(n) >= params.missing_pam50,
        "fcgr3a": rng.random(n) >= params.missing_fcgr3a,
        "ldh": rng.random(n) >= params.missing_lab + site_miss,
        "albumin": rng.random(n) >= params.missing_lab + site_miss,
        "crp": rng.random(n) >= params.missing_crp,
        "il6": rng.random(n) >= np.where(research, 0.05, params.missing_il6),
        "ctdna": rng.random(n) >= params.missing_ctdna,
        "her2_ecd": (pop["therapy_class"] == "monoclonal_antibody")
        & (rng.random(n) >= params.missing_ctdna),
    }
    for name in ("anc", "alc", "eosinophils"):
        obs[name] = panel
    return obs, panel


def on_treatment_observed(rng, idx, day, pop, events, params):
    """Whether each on-treatment draw (patient ``idx`` at ``day``) is recorded."""
    m = len(idx)
    before_off = day <= events["off_day"][idx] + 7
    mcar = rng.random(m) >= params.missing_on_treatment
    sick = rng.random(m) >= expit(-3 + 0.8 * pop["z_bur"][idx])
    return before_off & mcar & sick
