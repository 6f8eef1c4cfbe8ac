"""Trial sizes for a response endpoint: exact single-arm, Simon two-stage, Fleiss two-arm.

Conventions (all designs): ``p0`` is the uninteresting response rate, ``p1``
the rate worth detecting (for screening: the expected rate among eligible
patients); ``alpha`` is the one-sided type I error of the single-arm designs;
``power = 1 - beta``. A single-arm design "rejects" H0 (the therapy is promising)
when the number of responses exceeds ``r``. Simon designs stop after stage 1
when at most ``r1`` of ``n1`` patients respond.

Fleiss (1981) two-arm size with continuity correction (Fleiss, Tytun & Ury
1980), per arm, for detecting ``p1`` vs a comparator ``p2``::

    pbar = (p1 + p2) / 2,  delta = |p1 - p2|
    n'   = (z_a * sqrt(2 pbar (1 - pbar)) + z_b * sqrt(p1 (1-p1) + p2 (1-p2)))^2 / delta^2
    n    = n' / 4 * (1 + sqrt(1 + 4 / (n' delta)))^2         (continuity correction)

with ``z_a = z(1 - alpha/2)`` for a two-sided test (the default) or
``z(1 - alpha)`` one-sided, and ``z_b = z(power)``; ``n`` is rounded up.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from irpredict.exceptions import ExperimentConfigError

__all__ = ["SingleArmDesign", "SimonDesign", "TwoArmSize", "single_arm_exact",
           "simon_two_stage", "fleiss_two_arm"]

_EPS = 1e-10


@dataclass(frozen=True)
class SingleArmDesign:
    """Exact single-stage design: treat ``n`` patients, promising if responses > ``r``."""

    n: int
    r: int
    alpha: float
    power: float


@dataclass(frozen=True)
class SimonDesign:
    """Simon two-stage design.

    Attributes
    ----------
    kind : {"optimal", "minimax"}
    n1, r1 : int
        Stage-1 size; stop for futility when responses <= r1.
    n, r : int
        Total size; promising when total responses > r.
    en0 : float
        Expected sample size under ``p0``.
    pet0 : float
        Probability of early termination under ``p0``.
    alpha, power : float
        Attained type I error and power.
    """

    kind: str
    n1: int
    r1: int
    n: int
    r: int
    en0: float
    pet0: float
    alpha: float
    power: float


@dataclass(frozen=True)
class TwoArmSize:
    """Two-arm size: ``n_per_arm`` patients in each of two arms, ``n_total`` in all."""

    n_per_arm: int
    n_total: int


def _check(p0, p1, alpha, power, names=("p0", "p1")):
    for name, v in zip(names, (p0, p1), strict=True):
        if not 0 < v < 1:
            raise ExperimentConfigError(f"{name} must be a response rate strictly between 0 "
                                        f"and 1, got {v!r}")
    if not 0 < alpha < 0.5:
        raise ExperimentConfigError(f"alpha must be in (0, 0.5), got {alpha!r}")
    if not 0.5 < power < 1:
        raise ExperimentConfigError(f"power must be in (0.5, 1), got {power!r}")


@lru_cache(maxsize=64)
def _critical_values(p0, alpha, nmax):
    """For n = 1..nmax, the smallest r with P(X > r | p0) <= alpha, and the attained level."""
    from scipy.stats import binom

    n = np.arange(1, nmax + 1)
    r = binom.ppf(1 - alpha, n, p0).astype(int)
    level = binom.sf(r, n, p0)
    too_big = level > alpha + _EPS
    r[too_big] += 1
    for _ in range(2):  # guard against rounding in ppf: step down while still valid
        lower = np.maximum(r - 1, 0)
        ok = (binom.sf(lower, n, p0) <= alpha + _EPS) & (r > 0)
        r = np.where(ok, lower, r)
    return n, r, binom.sf(r, n, p0)


def single_arm_exact(p0, p1, alpha=0.05, power=0.8, nmax=1000):
    """Smallest exact single-stage binomial design.

    Parameters
    ----------
    p0, p1 : float
        Null and alternative response rates, ``p0 < p1``.
    alpha : float, default=0.05
        One-sided type I error.
    power : float, default=0.8
    nmax : int, default=1000
        Largest size searched.

    Returns
    -------
    SingleArmDesign or None
        The smallest ``n`` (and its critical ``r``) with P(X > r | p0) <= alpha and
        P(X > r | p1) >= power; ``None`` when ``p1 <= p0`` or no ``n <= nmax`` works.

    Examples
    --------
    >>> d = single_arm_exact(0.2, 0.4)
    >>> (d.n, d.r)
    (35, 11)
    """
    _check(p0, p1, alpha, power)
    n = _single_arm_sizes(p0, np.asarray([p1]), alpha, power, nmax)[0]
    if not np.isfinite(n):
        return None
    from scipy.stats import binom

    n = int(n)
    r = int(_critical_values(p0, alpha, nmax)[1][n - 1])
    return SingleArmDesign(n=n, r=r, alpha=float(binom.sf(r, n, p0)),
                           power=float(binom.sf(r, n, p1)))


def _single_arm_sizes(p0, p1s, alpha, power, nmax=1000):
    """Vectorised :func:`single_arm_exact` sizes for many ``p1``; inf where infeasible."""
    from scipy.stats import binom

    n, r, _ = _critical_values(p0, alpha, nmax)
    out = np.full(len(p1s), np.inf)
    for i, p1 in enumerate(p1s):
        if not np.isfinite(p1) or p1 <= p0:
            out[i] = np.inf if np.isfinite(p1) else np.nan
            continue
        ok = np.flatnonzero(binom.sf(r, n, min(p1, 1.0)) >= power - _EPS)
        out[i] = n[ok[0]] if len(ok) else np.inf
    return out


def _lower_bound_n(p0, p1, alpha, power, nmax):
    """Smallest n at which the randomised most powerful test reaches ``power``."""
    from scipy.stats import binom

    n, r, level = _critical_values(p0, alpha, nmax)
    k = r  # randomise at X == r
    gamma = np.clip((alpha - level) / np.maximum(binom.pmf(k, n, p0), 1e-300), 0, 1)
    pw = binom.sf(k, n, p1) + gamma * binom.pmf(k, n, p1)
    ok = np.flatnonzero(pw >= power - _EPS)
    return int(n[ok[0]]) if len(ok) else None


def _stage_two_sf(n2, p, n1, nmax_r):
    """P(X2 > k) for k = -n1-1 .. nmax_r, as an array offset by n1 + 1."""
    from scipy.stats import binom

    k = np.arange(-n1 - 1, nmax_r + 1)
    return binom.sf(k, n2, p)


def _designs_at(n, n1, r1max, pmf0, pmf1, p0, p1, alpha, power):
    """Feasible (r1, r, en0, pet0, alpha, power) for a given (n, n1)."""
    n2 = n - n1
    x1 = np.arange(n1 + 1)
    kk = np.arange(n)[None, :] - x1[:, None] + n1 + 1
    a0 = pmf0[:, None] * _stage_two_sf(n2, p0, n1, n)[kk]
    tail0 = np.cumsum(a0[::-1], axis=0)[::-1]          # tail0[i, r] = sum_{x1 >= i}
    rows = tail0[1:r1max + 2]                           # r1 = 0..r1max
    ok = rows <= alpha + _EPS
    has = ok.any(axis=1)
    if not has.any():
        return None
    r1 = np.arange(r1max + 1)[has]
    r = np.maximum(ok[has].argmax(axis=1), r1)
    level = rows[has][np.arange(len(r1)), r]
    sf1 = _stage_two_sf(n2, p1, n1, n)
    k1 = r[:, None] - x1[None, :] + n1 + 1
    contrib = pmf1[None, :] * sf1[k1] * (x1[None, :] > r1[:, None])
    pw = contrib.sum(axis=1)
    feasible = pw >= power - _EPS
    if not feasible.any():
        return None
    pet0 = np.cumsum(pmf0)[r1]
    en0 = n1 + (1 - pet0) * n2
    return r1[feasible], r[feasible], en0[feasible], pet0[feasible], level[feasible], \
        pw[feasible]


def _better(cand, best):
    return best is None or (cand.en0, cand.n, cand.n1) < (best.en0 - _EPS, best.n, best.n1)


@lru_cache(maxsize=4096)
def _simon_search(p0, p1, alpha, power, nmax):
    from scipy.stats import binom

    n_lo = _lower_bound_n(p0, p1, alpha, power, nmax)
    if n_lo is None:
        return None, None
    beta = 1 - power
    n1s = np.arange(1, nmax)
    r1max = np.array([int(np.sum(binom.cdf(np.arange(m + 1), m, p1) <= beta + _EPS)) - 1
                      for m in n1s])
    pet0max = np.where(r1max >= 0, binom.cdf(np.maximum(r1max, 0), n1s, p0), 0.0)
    pmfs = {m: (binom.pmf(np.arange(m + 1), m, p0), binom.pmf(np.arange(m + 1), m, p1))
            for m in n1s[r1max >= 0]}
    optimal = minimax = None
    for n in range(max(n_lo, 2), nmax + 1):
        valid = (r1max[: n - 1] >= 0)
        bound = n1s[: n - 1] + (1 - pet0max[: n - 1]) * (n - n1s[: n - 1])
        if minimax is not None and (not valid.any() or bound[valid].min() >= optimal.en0):
            break
        at_n = None
        for n1 in n1s[: n - 1][valid]:
            if minimax is not None and bound[n1 - 1] >= optimal.en0:
                continue
            found = _designs_at(n, int(n1), int(r1max[n1 - 1]), *pmfs[n1], p0, p1, alpha, power)
            if found is None:
                continue
            i = int(np.argmin(found[2]))
            cand = SimonDesign("optimal", int(n1), int(found[0][i]), n, int(found[1][i]),
                               float(found[2][i]), float(found[3][i]), float(found[4][i]),
                               float(found[5][i]))
            if _better(cand, at_n):
                at_n = cand
        if at_n is None:
            continue
        if minimax is None:
            minimax = SimonDesign("minimax", *list(at_n.__dict__.values())[1:])
        if _better(at_n, optimal):
            optimal = at_n
    else:
        # the sizes searched ran out before the bound proved none beyond nmax does better
        # (n1 = nmax, outside the arrays, would have EN0 >= nmax >= the optimum's n)
        valid = r1max >= 0
        bound = n1s + (1 - pet0max) * (nmax + 1 - n1s)
        if optimal is not None and valid.any() and bound[valid].min() < optimal.en0:
            optimal = None
    return optimal, minimax


def simon_two_stage(p0, p1, alpha=0.05, power=0.8, nmax=100):
    """Simon (1989) optimal and minimax two-stage designs.

    Optimal minimises the expected size under ``p0`` (EN0); minimax minimises the
    maximum size ``n`` and, among those, EN0. The search is exhaustive over
    ``n <= nmax`` except that sizes which provably cannot beat the current
    optimum (a lower bound on EN0 from the stage-1 power constraint) are skipped.

    Parameters
    ----------
    p0, p1 : float
        Null and alternative response rates, ``p0 < p1``.
    alpha : float, default=0.05
        One-sided type I error.
    power : float, default=0.8
    nmax : int, default=100
        Largest total size searched (as in clinfun's ``ph2simon``).

    Returns
    -------
    optimal, minimax : SimonDesign or None
        ``None`` when ``p1 <= p0`` or no design with ``n <= nmax`` exists; the
        optimal design is also ``None`` when a design with more than ``nmax``
        patients might have a smaller EN0 (the search could not rule it out).

    Examples
    --------
    >>> opt, mm = simon_two_stage(0.05, 0.25)
    >>> (opt.r1, opt.n1, opt.r, opt.n), (mm.r1, mm.n1, mm.r, mm.n)
    ((0, 9, 2, 17), (0, 12, 2, 16))
    """
    _check(p0, p1, alpha, power)
    if p1 <= p0:
        return None, None
    return _simon_search(float(p0), float(p1), float(alpha), float(power), int(nmax))


def fleiss_two_arm(p1, p2, alpha=0.05, power=0.8, *, sided=2, continuity=True):
    """Two-arm size to detect response rates ``p1`` vs ``p2`` (Fleiss formula).

    Parameters
    ----------
    p1, p2 : float
        Response rates in the experimental and the comparator arm.
    alpha : float, default=0.05
    power : float, default=0.8
    sided : {1, 2}, default=2
        Two-sided uses ``z(1 - alpha/2)``, one-sided ``z(1 - alpha)``.
    continuity : bool, default=True
        Apply the Fleiss-Tytun-Ury continuity correction.

    Returns
    -------
    TwoArmSize or None
        ``None`` when ``p1 == p2``.

    Examples
    --------
    >>> fleiss_two_arm(0.6, 0.4).n_per_arm, fleiss_two_arm(0.6, 0.4, continuity=False).n_per_arm
    (107, 97)
    """
    _check(p1, p2, alpha, power, names=("p1", "p2"))
    if sided not in (1, 2):
        raise ExperimentConfigError(f"sided must be 1 or 2, got {sided!r}")
    n = _fleiss_sizes(np.asarray([p1], dtype=float), p2, alpha, power, sided, continuity,
                      superiority=False)[0]
    if not np.isfinite(n):
        return None
    return TwoArmSize(n_per_arm=int(n), n_total=2 * int(n))


def _fleiss_sizes(p1, p2, alpha, power, sided=2, continuity=True, superiority=True):
    """Vectorised per-arm Fleiss sizes; inf where ``p1 == p2`` (or ``p1 <= p2`` if superiority)."""
    from scipy.stats import norm

    p1 = np.asarray(p1, dtype=float)
    z_a = norm.ppf(1 - alpha / sided)
    z_b = norm.ppf(power)
    delta = np.abs(p1 - p2)
    pbar = (p1 + p2) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        n0 = (z_a * np.sqrt(2 * pbar * (1 - pbar))
              + z_b * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / delta ** 2
        n = n0 / 4 * (1 + np.sqrt(1 + 4 / (n0 * delta))) ** 2 if continuity else n0
        out = np.ceil(n - 1e-9)
    bad = (delta == 0) | ((p1 <= p2) if superiority else False)
    out = np.where(bad, np.inf, out)
    return np.where(np.isnan(p1), np.nan, out)
