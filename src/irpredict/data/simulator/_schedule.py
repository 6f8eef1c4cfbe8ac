"""Visit schedules per therapy class and setting (DOMAIN 5.6), with jitter.

Day 0 is the first dose; labs are jittered by +-3 days (+-1 for draws in the
first week), scans by +-7 days. Schedules run past the day-42 landmark on
purpose (C4D1 = day 63, draws after the first scan, end-of-treatment labs).
"""

import numpy as np

__all__ = ["SCHEDULES", "schedule_for", "jitter_days"]

#: (therapy_class, setting) -> nominal days of routine labs, ctDNA (and HER2 ECD) draws,
#: ACT persistence draws and post-baseline scans.
SCHEDULES = {
    ("checkpoint_inhibitor", "metastatic"): {
        "labs": (21, 42, 63, 84, 105, 126), "ctdna": (21, 42, 105),
        "scans": (63, 126, 189, 252, 315, 399)},
    ("checkpoint_inhibitor", "neoadjuvant"): {
        "labs": (21, 42, 63, 84, 105, 126, 147), "ctdna": (21, 84, 165),
        "scans": (84, 170)},
    ("monoclonal_antibody", "metastatic"): {
        "labs": (21, 42, 63, 84, 105, 126), "ctdna": (21, 42, 126),
        "scans": (42, 84, 126, 168, 210, 252, 336)},
    ("monoclonal_antibody", "neoadjuvant"): {
        "labs": (21, 42, 63, 84, 105, 126), "ctdna": (21, 84, 165),
        "scans": (84, 170)},
    ("cytokine", "metastatic"): {
        "labs": (3, 15, 19, 42, 56, 84, 112, 140), "ctdna": (42, 84),
        "scans": (56, 140, 224, 308)},
    ("adoptive_cell", "metastatic"): {
        "labs": (1, 3, 7, 14, 28, 56, 84, 126), "ctdna": (14, 42, 84),
        "persistence": (7, 14, 28, 56), "scans": (42, 84, 168, 252, 336)},
    ("chemotherapy", "metastatic"): {
        "labs": (21, 42, 63, 84, 105, 126), "ctdna": (21, 42, 105),
        "scans": (63, 126, 189, 252, 315, 399)},
    ("chemotherapy", "neoadjuvant"): {
        "labs": (21, 42, 63, 84, 105, 126, 147), "ctdna": (21, 84, 165),
        "scans": (84, 170)},
}


def schedule_for(therapy_class, setting):
    """The schedule of one (class, setting); without a neoadjuvant schedule, the metastatic one."""
    return SCHEDULES.get((therapy_class, setting), SCHEDULES[(therapy_class, "metastatic")])


def jitter_days(rng, nominal, width):
    """Jitter nominal days by an integer in [-width, width]; days >= 1 stay >= 1.

    Parameters
    ----------
    rng : numpy.random.Generator
    nominal : numpy.ndarray
        Nominal days (any shape).
    width : int
        Maximum jitter; draws in the first week use at most 1 day.

    Returns
    -------
    numpy.ndarray of float
    """
    nominal = np.asarray(nominal, dtype=float)
    w = np.where(nominal <= 7, 1, width)
    jit = np.floor(rng.random(nominal.shape) * (2 * w + 1)) - w
    return np.maximum(nominal + jit, np.minimum(nominal, 1.0))
