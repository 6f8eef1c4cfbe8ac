"""Baseline biomarkers as recorded (measurement models, site and assay effects; DOMAIN 5.2, 5.8).

Values here are *recorded* values before missingness: the response model uses
them, so a well-specified model fitted on the tables can approach the oracle.
"""

import numpy as np
from scipy.special import expit, logit

__all__ = ["NOISE_ANALYTES", "BASELINE_UNITS", "draw_baseline"]

#: Pure-noise analytes: (name, unit, log-normal median, log SD); independent of everything.
NOISE_ANALYTES = (
    ("platelets", "10^9/L", 250.0, 0.30),
    ("monocytes", "10^9/L", 0.50, 0.30),
    ("sodium", "mmol/L", 139.0, 0.02),
    ("potassium", "mmol/L", 4.2, 0.09),
    ("creatinine", "umol/L", 70.0, 0.20),
    ("alt", "U/L", 22.0, 0.40),
    ("bilirubin", "umol/L", 9.0, 0.40),
    ("glucose", "mmol/L", 5.3, 0.15),
)

#: Unit of each biomarker in ``measurements`` (albumin: g/dL at some sites).
BASELINE_UNITS = {
    "pdl1_cps": "score", "stil_pct": "%", "tmb": "mut/Mb", "gep": "score",
    "ki67_pct": "%", "anc": "10^9/L", "alc": "10^9/L", "eosinophils": "10^9/L",
    "ldh": "U/L", "albumin": "g/L", "crp": "mg/L", "il6": "pg/mL", "ctdna": "MTM/mL",
    "her2_ecd": "ng/mL", "act_persistence": "%", "sld_change_wk9": "% change",
    **{name: unit for name, unit, _, _ in NOISE_ANALYTES},
}

# sTIL intercept (logit of the median fraction) by subtype and setting (DOMAIN 5.2).
_TIL_A = {("TNBC", "metastatic"): 0.07, ("TNBC", "neoadjuvant"): 0.17,
          ("HER2+", "metastatic"): 0.06, ("HER2+", "neoadjuvant"): 0.12,
          ("HR+/HER2-", "metastatic"): 0.04, ("HR+/HER2-", "neoadjuvant"): 0.05,
          ("HER2-low", "metastatic"): 0.05, ("HER2-low", "neoadjuvant"): 0.06}
_KI67_BETA = {"TNBC": (4.0, 3.0), "HR+/HER2-": (2.0, 8.0), "HER2+": (4.0, 4.0),
              "HER2-low": (2.5, 6.0)}


def round_til(pct):
    """Round sTIL as pathologists report it: 1-point steps below 5 %, 5-point steps above."""
    return np.where(pct < 5, np.round(pct), 5 * np.round(pct / 5))


def _tissue(rng, pop, params):
    n = len(pop["z_imm"])
    z_imm = pop["z_imm"]
    a = np.array([logit(_TIL_A[(s, t)]) for s, t in zip(pop["subtype"], pop["setting"],
                                                          strict=True)])
    stil = 100 * expit(a + 0.9 * z_imm + rng.normal(0, 0.5, n))
    bias = rng.normal(0, params.til_reader_sd, params.n_sites)[pop["site_idx"]]
    stil = np.clip(stil + bias + rng.normal(0, 2.0, n), 0, 100)
    cps = np.floor(np.exp(1.867 + 1.741 * (0.8 * z_imm + 0.6 * rng.normal(size=n))) - 1)
    tnbc = (pop["subtype"] == "TNBC").astype(float)
    tmb = np.exp(np.log(2.6) + 0.15 * tnbc + 0.8 * (0.2 * z_imm + 0.98 * rng.normal(size=n)))
    gep = -0.3 + 0.45 * (0.85 * z_imm + 0.53 * rng.normal(size=n))
    ki67 = np.empty(n)
    for sub, (a_, b_) in _KI67_BETA.items():
        rows = pop["subtype"] == sub
        ki67[rows] = 100 * rng.beta(a_, b_, rows.sum())
    return {
        "stil_pct": round_til(stil), "pdl1_cps": np.clip(cps, 0, 100),
        "tmb": np.round(tmb, 1), "gep": np.round(gep, 3), "ki67_pct": np.round(ki67),
    }


def _blood(rng, pop, params):
    n = len(pop["z_bur"])
    z_bur = pop["z_bur"]
    uln = np.asarray(params.site_ldh_uln, dtype=float)[pop["site_idx"]]
    crp = np.exp(np.log(5) + 0.6 * z_bur + rng.normal(0, 1.0, n))
    metastatic = pop["setting"] == "metastatic"
    log10_ct = np.where(metastatic, np.log10(5) + 0.8 * z_bur + rng.normal(0, 0.8, n),
                        -0.5 + 0.5 * z_bur + rng.normal(0, 0.8, n))
    ctdna_level = 10 ** log10_ct
    ctdna = np.where(ctdna_level < params.ctdna_lod, 0.0, ctdna_level)
    her2pos = pop["subtype"] == "HER2+"
    ecd = np.exp(np.where(her2pos, np.log(25) + 0.4 * z_bur + rng.normal(0, 0.8, n),
                          np.log(10) + rng.normal(0, 0.5, n)))
    out = {
        "anc": np.exp(np.log(4.0) + 0.20 * z_bur + rng.normal(0, 0.33, n)),
        "alc": np.exp(np.log(1.4) - 0.15 * z_bur + rng.normal(0, 0.38, n)),
        "eosinophils": np.exp(np.log(0.12) + rng.normal(0, 0.7, n)),
        "ldh": np.exp(np.log(210) + 0.25 * z_bur + rng.normal(0, 0.25, n)) * uln / 250.0,
        "ldh_uln": uln,
        "albumin": np.clip(40 - 2 * z_bur + rng.normal(0, 3.5, n), 20, 52),
        "crp": crp,
        "il6": np.exp(np.log(4) + 0.5 * z_bur + 0.5 * np.log(crp / 5) + rng.normal(0, 0.6, n)),
        "ctdna": ctdna,
        "ctdna_level": ctdna_level,
        "her2_ecd": np.where(pop["therapy_class"] == "monoclonal_antibody", ecd, np.nan),
    }
    for name, _, median, sd in NOISE_ANALYTES:
        out[name] = np.exp(np.log(median) + rng.normal(0, sd, n))
    return out


def _product(rng, pop):
    """TIL product attributes and the day-28 persistence of infused cells (ACT only)."""
    n = len(pop["z_bur"])
    act = pop["therapy_class"] == "adoptive_cell"
    dose = rng.normal(10.6, 0.35, n)
    cd8 = 100 * expit(rng.normal(logit(0.45), 0.9, n))
    z_dose = (dose - 10.6) / 0.35
    z_cd8 = (cd8 - 45) / 20
    p28 = 100 * expit(-1 + 1.0 * z_dose + 1.2 * z_cd8 + rng.normal(0, 1.0, n))
    p28_rec = np.minimum(p28 * np.exp(rng.normal(0, 0.1, n)), 99.0)
    reactive = (rng.random(n) < 0.45).astype(float)
    nan = np.full(n, np.nan)
    return {
        "act_dose_log10": np.where(act, np.round(dose, 2), nan),
        "act_cd8_pct": np.where(act, np.round(cd8, 1), nan),
        "neoantigen_reactive": np.where(act, reactive, nan),
        "act_persistence": np.where(act, np.round(p28_rec, 3), nan),
        "act_persistence_true": np.where(act, p28, nan),
    }


def draw_baseline(rng, pop, params):
    """Draw every baseline biomarker (recorded scale, before missingness).

    Returns
    -------
    dict of str to numpy.ndarray
        Tissue (``pdl1_cps``, ``stil_pct``, ``tmb``, ``gep``, ``ki67_pct``), blood
        (``anc``, ``alc``, ``ldh``, ``ldh_uln``, ``albumin`` in g/L, ``crp``, ``il6``,
        ``ctdna``, ``her2_ecd``, noise analytes), the ACT product and
        ``act_persistence`` (recorded day-28 value), and ``sld0`` (baseline SLD, mm).
    """
    base = _tissue(rng, pop, params)
    base.update(_blood(rng, pop, params))
    base.update(_product(rng, pop))
    n = len(pop["z_bur"])
    median = np.where(pop["setting"] == "metastatic", 60.0, 30.0)
    base["sld0"] = np.clip(np.exp(np.log(median) + 0.3 * pop["z_bur"] + rng.normal(0, 0.5, n)),
                           10, 300)
    return base
