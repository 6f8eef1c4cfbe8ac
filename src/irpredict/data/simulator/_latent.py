"""Patient population: therapy class, site, setting, subtype, latent factors, clinical columns."""

import numpy as np
from scipy.special import expit, logit

from irpredict.exceptions import ExperimentConfigError, UnknownTherapyError

__all__ = ["check_class_mix", "draw_population"]

# P(ER positive) by subtype; PR follows ER most of the time.
_ER_POSITIVE = {"TNBC": 0.0, "HR+/HER2-": 1.0, "HER2+": 0.5, "HER2-low": 0.8}
_PAM50 = ("LumA", "LumB", "Her2", "Basal", "Normal")
_PAM50_MIX = {
    "TNBC": (0.02, 0.03, 0.10, 0.75, 0.10),
    "HR+/HER2-": (0.55, 0.33, 0.05, 0.02, 0.05),
    "HER2-low": (0.40, 0.35, 0.10, 0.10, 0.05),
    # HER2+ depends on ER (HER2-enriched is more frequent in ER-negative tumours).
    "HER2+/ER-": (0.05, 0.05, 0.70, 0.15, 0.05),
    "HER2+/ER+": (0.30, 0.30, 0.30, 0.05, 0.05),
}


def check_class_mix(class_mix, known):
    """Return the class mix as a dict of positive floats summing to 1.

    Raises
    ------
    UnknownTherapyError
        When a class is not one of ``known``.
    ExperimentConfigError
        When a fraction is negative or all fractions are zero.
    """
    unknown = sorted(set(class_mix) - set(known))
    if unknown:
        raise UnknownTherapyError(
            f"class mix names unknown therapy classes {unknown}; "
            f"use some of {list(known)}"
        )
    bad = sorted(k for k, v in class_mix.items() if not np.isfinite(v) or v < 0)
    total = sum(class_mix.values())
    if bad or total <= 0:
        raise ExperimentConfigError(
            "class mix shares must be non-negative numbers with a positive sum "
            f"(check {bad or sorted(class_mix)}); got {dict(class_mix)}"
        )
    return {k: float(class_mix[k]) / total for k in known if class_mix.get(k, 0) > 0}


def _allocate(rng, n, mix):
    """Exact counts per class (largest remainder), shuffled into a random order."""
    names = list(mix)
    raw = np.array([mix[k] * n for k in names])
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    labels = np.repeat(np.array(names, dtype=object), counts)
    return labels[rng.permutation(n)]


def _choice_by_group(rng, groups, table):
    """Draw one category per row from ``table[group] = (categories, probabilities)``."""
    out = np.empty(len(groups), dtype=object)
    u = rng.random(len(groups))
    for group, (cats, probs) in table.items():
        rows = groups == group
        edges = np.cumsum(probs) / np.sum(probs)
        idx = np.minimum(np.searchsorted(edges, u[rows], side="right"), len(cats) - 1)
        out[rows] = np.asarray(cats, dtype=object)[idx]
    return out


def _her2(rng, subtype):
    n = len(subtype)
    u = rng.random(n)
    ihc = np.full(n, "0", dtype=object)
    pos = subtype == "HER2+"
    ihc[pos] = np.where(u[pos] < 0.88, "3+", "2+")
    low = subtype == "HER2-low"
    ihc[low] = np.where(u[low] < 0.58, "1+", "2+")
    # ISH ratio: amplified for HER2+ (3+: median 5.5, 2+: median 3.0), normal otherwise.
    median = np.where(ihc == "3+", 5.5, 1.3)
    median = np.where(pos & (ihc == "2+"), 3.0, median)
    ratio = np.exp(np.log(median) + rng.normal(0, 0.35, n))
    ratio = np.where(pos, np.maximum(ratio, 2.05), np.minimum(ratio, 1.95))
    return ihc, np.round(ratio, 2)


def draw_population(rng, n, class_mix, params):
    """Draw the patient-level population.

    Returns
    -------
    dict of str to numpy.ndarray
        Arrays of length ``n``: ``therapy_class``, ``site_idx``, ``setting``, ``line``,
        ``subtype``, ``regimen``, ``z_imm``, ``z_bur``, ``age``, ``ecog``,
        ``liver_mets``, ``bone_only``, ``er_status``, ``pr_status``, ``her2_ihc``,
        ``her2_ish_ratio``, ``pam50``, ``fcgr3a``.
    """
    therapy = _allocate(rng, n, class_mix)
    pop = {"therapy_class": therapy, "site_idx": rng.integers(0, params.n_sites, n)}
    pop["z_imm"] = rng.normal(size=n)
    pop["z_bur"] = rng.normal(size=n)
    u_setting, u_sub, u_reg = rng.random(n), rng.random(n), rng.random(n)
    setting = np.full(n, "metastatic", dtype=object)
    subtype = np.empty(n, dtype=object)
    regimen = np.empty(n, dtype=object)
    for name, cp in params.class_params.items():
        rows = therapy == name
        neo = rows & (u_setting < cp.neoadjuvant_fraction)
        setting[neo] = "neoadjuvant"
        cats, probs = zip(*cp.subtypes, strict=True)
        edges = np.cumsum(probs) / np.sum(probs)
        subtype[rows] = np.asarray(cats, dtype=object)[
            np.minimum(np.searchsorted(edges, u_sub[rows], side="right"), len(cats) - 1)]
        regs = np.asarray(cp.regimens, dtype=object)
        regimen[rows] = regs[np.minimum((u_reg[rows] * len(regs)).astype(int), len(regs) - 1)]
        regimen[neo] = cp.neoadjuvant_regimen
    # HER2-low disease: metastatic only, treated with the HER2 ADC (DESTINY-Breast04).
    low = (therapy == "monoclonal_antibody") & (subtype == "HER2-low")
    setting[low] = "metastatic"
    regimen[low] = "trastuzumab-deruxtecan"
    pop.update(setting=setting, subtype=subtype, regimen=regimen)
    metastatic = setting == "metastatic"
    line = rng.choice([1, 2, 3], size=n, p=[0.5, 0.3, 0.2])
    pop["line"] = np.where(metastatic, line, 1)
    z_bur = pop["z_bur"]
    pop["age"] = np.clip(np.round(rng.normal(55, 11, n)), 24, 88).astype(int)
    pop["ecog"] = (rng.random(n) < expit(logit(0.4) + 0.4 * z_bur)).astype(int)
    liver = (rng.random(n) < expit(logit(0.28) + 0.5 * z_bur)) & metastatic
    pop["liver_mets"] = liver.astype(int)
    pop["bone_only"] = ((rng.random(n) < 0.12) & metastatic & ~liver).astype(int)
    er_p = np.array([_ER_POSITIVE[s] for s in subtype])
    er_pos = rng.random(n) < er_p
    pr_pos = np.where(er_pos, rng.random(n) < 0.75, rng.random(n) < 0.03) & (subtype != "TNBC")
    pop["er_status"] = np.where(er_pos, "positive", "negative").astype(object)
    pop["pr_status"] = np.where(pr_pos, "positive", "negative").astype(object)
    pop["her2_ihc"], pop["her2_ish_ratio"] = _her2(rng, subtype)
    group = subtype.copy()
    her2pos = subtype == "HER2+"
    group[her2pos] = np.where(er_pos[her2pos], "HER2+/ER+", "HER2+/ER-")
    pop["pam50"] = _choice_by_group(rng, group, {k: (_PAM50, v) for k, v in _PAM50_MIX.items()})
    pop["fcgr3a"] = rng.choice(np.array(["VV", "VF", "FF"], dtype=object), size=n,
                               p=[0.15, 0.45, 0.40])
    return pop
