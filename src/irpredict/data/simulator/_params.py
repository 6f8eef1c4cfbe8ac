"""Parameters of the synthetic cohort simulator: one frozen dataclass per therapy class.

Every number the simulator uses lives here so that tests can perturb it with
:func:`dataclasses.replace` or through ``simulate_cohort(**overrides)``.

Response rates (DOMAIN.md section 2) and the chosen settings
--------------------------------------------------------------
checkpoint_inhibitor
    TNBC; 75 % metastatic (ICI + chemotherapy, KEYNOTE-355/IMpassion130-like,
    confirmed ORR about 0.35-0.45) and 25 % neoadjuvant (KEYNOTE-522-like pCR
    about 0.60-0.65). Class target 0.40, documented range 0.20-0.45 for the
    metastatic stratum and 0.25-0.55 for the class as a whole.
monoclonal_antibody
    HER2+ (70 %) and HER2-low (30 %), trastuzumab/pertuzumab, T-DM1, T-DXd;
    25 % neoadjuvant (pCR). Target 0.55, range 0.30-0.80.
cytokine
    Pretreated metastatic, mixed subtypes; the label is clinical benefit
    (SD >= 24 weeks or better). Target 0.18, range 0.12-0.25.
adoptive_cell
    TIL therapy among infused patients (the manufacturing funnel happened
    before day 0). Target 0.35, range 0.25-0.45.
chemotherapy
    Comparator arm, mixed subtypes, 25 % neoadjuvant. Target 0.35, range
    0.25-0.45.

Effect sizes
------------
DOMAIN.md section 5.3 gives literature-sized coefficients (odds ratios of
1.1-2.5). With those, most single drivers have a univariate ROC AUC of 0.52-0.58
within a class, too weak to test driver recovery on 5,000 patients. The
coefficients below keep the literature *direction* of each effect and are
scaled up (roughly 2-4x) so that every true driver reaches a univariate AUC
above 0.6 (below 0.4 for protective drivers). ``signal`` multiplies all of
them at once (``signal=0`` removes every driver effect; the site random
intercept and the neoadjuvant offset remain).

Known departures from the trials
--------------------------------
These make the cohort a test bed for the package, not a model of any trial:

- Each class's intercept is solved on its own, so the classes are not arms of
  one trial: in metastatic TNBC the chemotherapy class (whose drivers favour
  ER-negative disease) responds more often than the checkpoint class (about
  0.48 vs 0.35 at 20,000 patients), and PD-L1 acts as a predictive marker in
  the neoadjuvant checkpoint setting, where trials found it prognostic only.
- Neoadjuvant pCR is about 0.57 for checkpoint inhibitors and 0.73 for
  antibodies (trials: about 0.65 and 0.46).
- Every patient with ``s > 0`` shrinks to partial-response depth, so the
  cytokine class, labelled by clinical benefit, shows objective responses in
  about 15 % of patients (trials: 3-5 %); non-pCR neoadjuvant tumours regrow
  before surgery and are often read as progression.
- Regimen and line of therapy have no effect within a class; the scaled
  effects give oracle AUCs of 0.87-0.91 (``truth.json``).
"""

from dataclasses import dataclass, field

__all__ = ["Driver", "ClassParams", "SimulationParams", "CLASS_PARAMS", "DEFAULT_CLASS_MIX"]


@dataclass(frozen=True)
class Driver:
    """One true driver of response.

    Parameters
    ----------
    name : str
        Column of ``patients`` or biomarker of ``measurements`` it is computed from.
    transform : str
        The transform applied to the recorded value (a key of
        ``irpredict.data.simulator._response.TRANSFORMS``).
    coefficient : float
        Log-odds per unit of the transformed value (before ``signal``).
    """

    name: str
    transform: str
    coefficient: float


@dataclass(frozen=True)
class ClassParams:
    """Response model and case mix of one therapy class.

    Parameters
    ----------
    therapy_class : str
    target_rate : float
        Target response rate of the class (``alpha`` is solved to hit it).
    rate_range : tuple of float
        Plausible range of the class response rate (DOMAIN.md section 2).
    response_definition : str
        Label definition in the metastatic setting (neoadjuvant uses ``"pcr"``).
    neoadjuvant_fraction : float
        Fraction of patients treated in the neoadjuvant setting.
    neoadjuvant_offset : float
        Log-odds added to the intercept for neoadjuvant patients (pCR rates
        are higher than metastatic ORR).
    subtypes : tuple of (str, float)
        Subtype mix.
    regimens : tuple of str
        Metastatic regimens (uniform); ``neoadjuvant_regimen`` for neoadjuvant.
    neoadjuvant_regimen : str
    drivers : tuple of Driver
    """

    therapy_class: str
    target_rate: float
    rate_range: tuple
    response_definition: str
    neoadjuvant_fraction: float
    neoadjuvant_offset: float
    subtypes: tuple
    regimens: tuple
    neoadjuvant_regimen: str
    drivers: tuple


CHECKPOINT_INHIBITOR = ClassParams(
    therapy_class="checkpoint_inhibitor",
    target_rate=0.40,
    rate_range=(0.25, 0.55),
    response_definition="confirmed_orr",
    neoadjuvant_fraction=0.25,
    neoadjuvant_offset=1.0,
    subtypes=(("TNBC", 1.0),),
    regimens=("pembrolizumab+chemotherapy", "atezolizumab+nab-paclitaxel", "pembrolizumab"),
    neoadjuvant_regimen="pembrolizumab+paclitaxel-carboplatin>AC",
    drivers=(
        Driver("pdl1_cps", "log2(pdl1_cps + 1)", 0.45),
        Driver("stil_pct", "stil_pct / 10", 0.55),
        Driver("tmb", "ln(tmb / 2.6)", 1.00),
        Driver("nlr", "log2(nlr / 2.8) with nlr = anc / alc", -0.85),
        Driver("ldh", "log2(ldh / ldh_uln)", -1.40),
        Driver("ecog", "ecog (0/1)", -2.00),
    ),
)

MONOCLONAL_ANTIBODY = ClassParams(
    therapy_class="monoclonal_antibody",
    target_rate=0.55,
    rate_range=(0.30, 0.80),
    response_definition="confirmed_orr",
    neoadjuvant_fraction=0.25,
    neoadjuvant_offset=0.3,
    subtypes=(("HER2+", 0.70), ("HER2-low", 0.30)),
    regimens=("trastuzumab+pertuzumab+docetaxel", "trastuzumab-emtansine",
              "trastuzumab-deruxtecan"),
    neoadjuvant_regimen="trastuzumab+pertuzumab+docetaxel",
    drivers=(
        Driver("her2_ihc", "her2_ihc as 0/1/2/3", 0.45),
        Driver("her2_ish_ratio", "log2(her2_ish_ratio / 2)", 0.35),
        Driver("pam50", "pam50 == 'Her2'", 1.30),
        Driver("er_status", "er_status == 'negative'", 1.10),
        Driver("stil_pct", "stil_pct / 10", 0.85),
        Driver("ldh", "log2(ldh / ldh_uln)", -1.50),
        Driver("ecog", "ecog (0/1)", -2.00),
    ),
)

CYTOKINE = ClassParams(
    therapy_class="cytokine",
    target_rate=0.18,
    rate_range=(0.12, 0.25),
    response_definition="clinical_benefit_24w",
    neoadjuvant_fraction=0.0,
    neoadjuvant_offset=0.0,
    subtypes=(("TNBC", 0.30), ("HER2+", 0.10), ("HR+/HER2-", 0.60)),
    regimens=("IL-2+IFN-alpha", "high-dose IL-2"),
    neoadjuvant_regimen="",
    drivers=(
        Driver("er_status", "er_status == 'positive'", 2.20),
        Driver("ecog", "ecog (0/1)", -2.00),
        Driver("ldh", "log2(ldh / ldh_uln)", -1.20),
        Driver("crp", "log2(crp / 5)", -0.30),
        Driver("albumin", "(albumin_g_per_l - 40) / 5", 0.65),
        Driver("nlr", "log2(nlr / 2.8) with nlr = anc / alc", -0.60),
    ),
)

ADOPTIVE_CELL = ClassParams(
    therapy_class="adoptive_cell",
    target_rate=0.35,
    rate_range=(0.25, 0.45),
    response_definition="confirmed_orr",
    neoadjuvant_fraction=0.0,
    neoadjuvant_offset=0.0,
    subtypes=(("HR+/HER2-", 0.60), ("TNBC", 0.26), ("HER2+", 0.14)),
    regimens=("TIL+pembrolizumab",),
    neoadjuvant_regimen="",
    drivers=(
        Driver("neoantigen_reactive", "neoantigen_reactive (0/1)", 2.30),
        Driver("act_dose_log10", "(act_dose_log10 - 10.6) / 0.35", 0.65),
        Driver("act_cd8_pct", "(act_cd8_pct - 45) / 20", 0.45),
        Driver("act_persistence", "act_persistence at day 28 / 10", 0.30),
        Driver("ldh", "log2(ldh / ldh_uln)", -1.60),
        Driver("ecog", "ecog (0/1)", -2.00),
    ),
)

CHEMOTHERAPY = ClassParams(
    therapy_class="chemotherapy",
    target_rate=0.35,
    rate_range=(0.25, 0.45),
    response_definition="confirmed_orr",
    neoadjuvant_fraction=0.25,
    neoadjuvant_offset=0.6,
    subtypes=(("TNBC", 0.50), ("HR+/HER2-", 0.35), ("HER2-low", 0.15)),
    regimens=("paclitaxel", "capecitabine", "eribulin", "gemcitabine-carboplatin"),
    neoadjuvant_regimen="paclitaxel-carboplatin>AC",
    drivers=(
        Driver("ki67_pct", "ki67_pct / 10", 0.40),
        Driver("stil_pct", "stil_pct / 10", 0.55),
        Driver("er_status", "er_status == 'negative'", 0.80),
        Driver("nlr", "log2(nlr / 2.8) with nlr = anc / alc", -0.80),
        Driver("ldh", "log2(ldh / ldh_uln)", -1.30),
        Driver("ecog", "ecog (0/1)", -2.00),
    ),
)

#: Parameters of each therapy class, keyed by class name.
CLASS_PARAMS = {
    p.therapy_class: p
    for p in (CHECKPOINT_INHIBITOR, MONOCLONAL_ANTIBODY, CYTOKINE, ADOPTIVE_CELL, CHEMOTHERAPY)
}

#: Default class mix: 5,000 patients give at least 625 per class.
DEFAULT_CLASS_MIX = {
    "checkpoint_inhibitor": 0.30,
    "monoclonal_antibody": 0.25,
    "chemotherapy": 0.20,
    "cytokine": 0.125,
    "adoptive_cell": 0.125,
}


def _site_ldh_uln():
    # ULN 214 / 250 / 480 U/L by LDH method (DOMAIN 5.8); values scale by 0.86 / 1.0 / 1.9.
    return (250.0, 250.0, 214.0, 250.0, 480.0, 250.0, 214.0, 250.0)


@dataclass(frozen=True)
class SimulationParams:
    """Cohort-wide parameters (sites, noise, missingness, tumour dynamics).

    Parameters
    ----------
    signal : float
        Multiplier of every driver coefficient.
    n_sites : int
        Number of sites (at most 8: the per-site tables below have 8 entries).
    site_sd : float
        SD of the site random intercept on the log-odds scale.
    site_ldh_uln : tuple of float
        LDH upper limit of normal per site (U/L); the LDH method factor is ULN / 250.
    albumin_g_dl_sites : tuple of int
        Zero-based indices of the sites that report albumin in g/dL.
    til_reader_sd : float
        SD (points) of the per-site sTIL reader bias.
    missing_tissue : float
        Base missing probability of PD-L1, sTIL, TMB, Ki-67 (MNAR: more when bone-only, sicker).
    missing_gep, missing_fcgr3a, missing_pam50, missing_lab, missing_crp, missing_il6,
    missing_ctdna, missing_on_treatment : float
        Missing probabilities (DOMAIN.md 5.7; drivers are kept at or below 12 %).
    ctdna_lod : float
        Limit of detection of the tumour-informed ctDNA assay (MTM/mL); values
        below it are recorded as 0.0 ("not detected"), never as missing.
    reader_cv : float
        Log-scale SD of the radiologist's SLD measurement.
    missed_scan : float
        Probability that a scheduled post-baseline scan is missing.
    pseudo_progression : float
        Probability of pseudo-progression among ICI responders.
    early_dropout_logit : float
        Intercept of the early clinical-progression/death model (non-responders).
    class_params : dict
        ``{therapy_class: ClassParams}``.
    """

    signal: float = 1.0
    n_sites: int = 8
    site_sd: float = 0.3
    site_ldh_uln: tuple = field(default_factory=_site_ldh_uln)
    albumin_g_dl_sites: tuple = (2, 6)
    til_reader_sd: float = 3.0
    missing_tissue: float = 0.08
    missing_gep: float = 0.60
    missing_fcgr3a: float = 0.75
    missing_pam50: float = 0.08
    missing_lab: float = 0.03
    missing_crp: float = 0.08
    missing_il6: float = 0.80
    missing_ctdna: float = 0.08
    missing_on_treatment: float = 0.10
    ctdna_lod: float = 0.1
    reader_cv: float = 0.08
    missed_scan: float = 0.05
    pseudo_progression: float = 0.03
    early_dropout_logit: float = -2.5
    class_params: dict = field(default_factory=lambda: dict(CLASS_PARAMS))
