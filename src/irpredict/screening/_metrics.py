"""Row-wise (vectorised over resamples) screening figures from eligibility and labels."""

from dataclasses import dataclass

import numpy as np

from irpredict.screening import sample_size as ss

__all__ = ["Settings", "METRICS", "compute", "wide"]

#: Metrics in output order, with a short description.
METRICS = {
    "eligible_fraction": "share of screened patients eligible",
    "n_eligible": "eligible patients",
    "response_rate_overall": "response rate among all screened",
    "response_rate_eligible": "response rate among eligible (expected p1)",
    "response_rate_excluded": "response rate among excluded",
    "enrichment_ratio": "response rate eligible / overall",
    "responders_lost": "responders turned away (count)",
    "responders_lost_share": "responders turned away / all responders",
    "nns": "patients screened per enrolled patient (1 / eligible fraction)",
    "nns_responder": "patients screened per enrolled responder",
    "single_arm_n": "exact single-stage n",
    "single_arm_r": "exact single-stage critical r (promising if responses > r)",
    "simon_optimal_n1": "Simon optimal stage-1 n1", "simon_optimal_r1": "Simon optimal r1",
    "simon_optimal_n": "Simon optimal total n", "simon_optimal_r": "Simon optimal r",
    "simon_optimal_en0": "Simon optimal EN0", "simon_optimal_pet0": "Simon optimal PET0",
    "simon_minimax_n1": "Simon minimax n1", "simon_minimax_r1": "Simon minimax r1",
    "simon_minimax_n": "Simon minimax total n", "simon_minimax_r": "Simon minimax r",
    "simon_minimax_en0": "Simon minimax EN0", "simon_minimax_pet0": "Simon minimax PET0",
    "screened_single_arm": "patients to screen to fill the exact single-arm trial",
    "cost_single_arm": "cost of the exact single-arm trial",
    "two_arm_n_per_arm": "Fleiss two-arm n per arm", "two_arm_n_total": "Fleiss two-arm total",
    "screened_two_arm": "patients to screen to fill the two-arm trial",
    "cost_two_arm": "cost of the two-arm trial",
}
_P1_MAX = 0.995


@dataclass(frozen=True)
class Settings:
    """Trial-design settings shared by every rule."""

    p0: float
    pc: object
    alpha: float
    power: float
    sided: int
    cost_screen: object
    cost_patient: object
    simon_nmax: int


def _div(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _single_arm(p1, s):
    n = ss._single_arm_sizes(s.p0, np.minimum(p1, _P1_MAX), s.alpha, s.power)
    _, crit, _ = ss._critical_values(s.p0, s.alpha, 1000)
    r = np.full(len(n), np.nan)
    fin = np.isfinite(n)
    r[fin] = crit[n[fin].astype(int) - 1]
    r[np.isinf(n)] = np.inf
    return n, r


_SIMON_FIELDS = ("n1", "r1", "n", "r", "en0", "pet0")


def _simon(p1, s, grid):
    key = np.minimum(p1, _P1_MAX)
    if grid:
        key = np.round(key / grid) * grid
    out = {f"simon_{k}_{f}": np.full(len(p1), np.nan) for k in ("optimal", "minimax")
           for f in _SIMON_FIELDS}
    for value in np.unique(key[~np.isnan(key)]):
        rows = key == value
        designs = (None, None)
        if value > s.p0:
            designs = ss._simon_search(s.p0, float(value), s.alpha, s.power, s.simon_nmax)
        for kind, design in zip(("optimal", "minimax"), designs, strict=True):
            for f in _SIMON_FIELDS:
                # no design: sizes are infinite, the chance of stopping early is undefined
                empty = np.nan if f == "pet0" else np.inf
                out[f"simon_{kind}_{f}"][rows] = empty if design is None else getattr(design, f)
    return out


def _cost(size, screened, s, kind):
    """Enrolled patients times their cost plus the (whole) patients screened times theirs."""
    if s.cost_screen is None or s.cost_patient is None:
        return None
    screen = 0.0 if kind == "none" else float(s.cost_screen)
    size, screened = np.asarray(size, dtype=float), np.asarray(screened, dtype=float)
    with np.errstate(invalid="ignore"):
        cost = size * float(s.cost_patient) + screen * screened
    # no finite trial costs no finite sum, even at a cost of 0 per patient (0 x inf is NaN)
    return np.where(np.isposinf(size) | np.isposinf(screened), np.inf, cost)


def compute(E, Y, s, kind, grid=None):
    """Every screening figure for each row of (eligibility, label) matrices.

    Parameters
    ----------
    E, Y : ndarray of shape (n_rows, n_patients)
        Eligibility (bool) and response (0/1) per patient of each resample.
    s : Settings
    kind : str
        Rule kind; ``"none"`` is charged no screening cost.
    grid : float or None
        Round ``p1`` to this grid for the Simon search.

    Returns
    -------
    dict of str to ndarray of shape (n_rows,)
        NaN where undefined (a design's chance of stopping early when there is no
        design), inf where no finite trial exists.
    """
    n = E.shape[1]
    e = E.sum(axis=1).astype(float)
    r = Y.sum(axis=1).astype(float)
    re = (E & (Y == 1)).sum(axis=1).astype(float)
    p1 = _div(re, e)
    out = {
        "eligible_fraction": e / n if n else np.full(len(e), np.nan),
        "n_eligible": e,
        "response_rate_overall": _div(r, np.full(len(r), n)),
        "response_rate_eligible": p1,
        "response_rate_excluded": _div(r - re, n - e),
        "enrichment_ratio": _div(p1, _div(r, np.full(len(r), n))),
        "responders_lost": r - re,
        "responders_lost_share": _div(r - re, r),
        "nns": _div(np.full(len(e), n), e),
        "nns_responder": _div(np.full(len(e), n), re),
    }
    nns = out["nns"]
    out["single_arm_n"], out["single_arm_r"] = _single_arm(p1, s)
    out.update(_simon(p1, s, grid))
    with np.errstate(invalid="ignore"):
        out["screened_single_arm"] = np.ceil(out["single_arm_n"] * nns - 1e-9)
    cost = _cost(out["single_arm_n"], out["screened_single_arm"], s, kind)
    if cost is not None:
        out["cost_single_arm"] = cost
    if s.pc is not None:
        per_arm = ss._fleiss_sizes(p1, float(s.pc), s.alpha, s.power, s.sided)
        out["two_arm_n_per_arm"] = per_arm
        out["two_arm_n_total"] = 2 * per_arm
        with np.errstate(invalid="ignore"):
            out["screened_two_arm"] = np.ceil(2 * per_arm * nns - 1e-9)
        cost = _cost(2 * per_arm, out["screened_two_arm"], s, kind)
        if cost is not None:
            out["cost_two_arm"] = cost
    return {k: np.asarray(out[k], dtype=float) for k in METRICS if k in out}


def wide(table, values="estimate", keys=("rule", "therapy_class")):
    """One row per (rule, group) and one column per metric, in the table's order."""
    keys = list(keys)
    order = table.drop_duplicates(keys).set_index(keys).index
    out = table.set_index([*keys, "metric"])[values].unstack("metric")
    metrics = [m for m in METRICS if m in out.columns]
    return out.reindex(index=order, columns=metrics)
