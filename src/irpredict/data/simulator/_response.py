"""Response model: eta from recorded biomarkers, alpha solved per class, latent depth s."""

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

__all__ = ["TRANSFORMS", "driver_terms", "simulate_response", "roc_auc"]

_IHC_LEVEL = {"0": 0.0, "1+": 1.0, "2+": 2.0, "3+": 3.0}


def _ihc(v):
    return np.array([_IHC_LEVEL.get(x, np.nan) for x in v["her2_ihc"]])


#: Transform name -> function of the recorded values (``pop`` and ``baseline`` merged).
TRANSFORMS = {
    "log2(pdl1_cps + 1)": lambda v: np.log2(v["pdl1_cps"] + 1),
    "stil_pct / 10": lambda v: v["stil_pct"] / 10,
    "ln(tmb / 2.6)": lambda v: np.log(np.maximum(v["tmb"], 0.05) / 2.6),
    "log2(nlr / 2.8) with nlr = anc / alc": lambda v: np.log2(v["anc"] / v["alc"] / 2.8),
    "log2(ldh / ldh_uln)": lambda v: np.log2(v["ldh"] / v["ldh_uln"]),
    "ecog (0/1)": lambda v: v["ecog"].astype(float),
    "her2_ihc as 0/1/2/3": _ihc,
    "log2(her2_ish_ratio / 2)": lambda v: np.log2(v["her2_ish_ratio"] / 2),
    "pam50 == 'Her2'": lambda v: (v["pam50"] == "Her2").astype(float),
    "er_status == 'negative'": lambda v: (v["er_status"] == "negative").astype(float),
    "er_status == 'positive'": lambda v: (v["er_status"] == "positive").astype(float),
    "log2(crp / 5)": lambda v: np.log2(v["crp"] / 5),
    "(albumin_g_per_l - 40) / 5": lambda v: (v["albumin"] - 40) / 5,
    "neoantigen_reactive (0/1)": lambda v: v["neoantigen_reactive"],
    "(act_dose_log10 - 10.6) / 0.35": lambda v: (v["act_dose_log10"] - 10.6) / 0.35,
    "(act_cd8_pct - 45) / 20": lambda v: (v["act_cd8_pct"] - 45) / 20,
    "act_persistence at day 28 / 10": lambda v: v["act_persistence"] / 10,
    "ki67_pct / 10": lambda v: v["ki67_pct"] / 10,
}


def driver_terms(cp, values, rows):
    """Matrix of transformed driver values (rows of one class x drivers)."""
    sub = {k: np.asarray(v)[rows] for k, v in values.items()}
    return np.column_stack([TRANSFORMS[d.transform](sub) for d in cp.drivers])


def roc_auc(y, score):
    """ROC AUC by the Mann-Whitney rank formula (ties count one half)."""
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=bool)
    n1, n0 = y.sum(), (~y).sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _solve_alpha(lin, target):
    def gap(a):
        return expit(a + lin).mean() - target

    return brentq(gap, -30.0, 30.0, xtol=1e-10)


def simulate_response(rng, pop, base, params):
    """Linear predictor, true probability, latent depth and label for every patient.

    Returns
    -------
    resp : dict of str to numpy.ndarray
        ``eta``, ``p_true``, ``s`` and ``response`` (0/1).
    per_class : dict
        Per class: ``alpha``, ``neoadjuvant_offset``, drivers with coefficient,
        SD of the term, importance and rank (JSON-ready).
    """
    n = len(pop["z_bur"])
    values = {**pop, **base}
    site_u = rng.normal(0, params.site_sd, params.n_sites)
    eta = np.zeros(n)
    per_class = {}
    for name, cp in params.class_params.items():
        rows = pop["therapy_class"] == name
        if not rows.any():
            continue
        terms = driver_terms(cp, values, rows)
        coef = params.signal * np.array([d.coefficient for d in cp.drivers])
        neo = (pop["setting"][rows] == "neoadjuvant") * cp.neoadjuvant_offset
        lin = terms @ coef + neo + site_u[pop["site_idx"][rows]]
        alpha = _solve_alpha(lin, cp.target_rate)
        eta[rows] = alpha + lin
        importance = np.abs(coef) * terms.std(axis=0)
        ranks = np.argsort(np.argsort(-importance)) + 1
        per_class[name] = {
            "alpha": float(alpha),
            "neoadjuvant_offset": float(cp.neoadjuvant_offset),
            "drivers": [
                {"name": d.name, "transform": d.transform, "coefficient": float(c),
                 "sd_of_term": float(sd), "importance": float(imp), "rank": int(r)}
                for d, c, sd, imp, r in zip(cp.drivers, coef, terms.std(axis=0), importance,
                                            ranks, strict=True)
            ],
        }
    s = eta + rng.logistic(0.0, 1.0, n)
    resp = {"eta": eta, "p_true": expit(eta), "s": s, "response": (s > 0).astype(int),
            "site_effect": site_u[pop["site_idx"]]}
    return resp, per_class
