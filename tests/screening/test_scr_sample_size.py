"""Trial sizes against published tables and independent brute force."""

import math
from itertools import product

import numpy as np
import pytest
from scipy.stats import binom, norm

from irpredict.exceptions import ExperimentConfigError
from irpredict.screening import fleiss_two_arm, simon_two_stage, single_arm_exact

# Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials
# 1989;10:1-10, Table 1 (alpha = 0.05): (p0, p1, power) -> optimal and minimax
# ((r1, n1, r, n, EN0, PET0)). Note: for p0 = 0.05, p1 = 0.25 the minimax design is
# 0/12, 2/16 (EN0 13.8, PET0 0.54); an exhaustive check below shows no n = 15 design exists.
SIMON_TABLE = [
    (0.05, 0.25, 0.8, (0, 9, 2, 17, 12.0, 0.63), (0, 12, 2, 16, 13.8, 0.54)),
    (0.10, 0.30, 0.8, (1, 10, 5, 29, 15.0, 0.74), (1, 15, 5, 25, 19.5, 0.55)),
    (0.20, 0.40, 0.8, (3, 13, 12, 43, 20.6, 0.75), (4, 18, 10, 33, 22.3, 0.72)),
    (0.30, 0.50, 0.8, (5, 15, 18, 46, 23.6, 0.72), (6, 19, 16, 39, 25.7, 0.67)),
    (0.40, 0.60, 0.8, (7, 16, 23, 46, 24.5, 0.72), (17, 34, 20, 39, 34.4, 0.91)),
    (0.05, 0.25, 0.9, (0, 9, 3, 30, 16.8, 0.63), (0, 15, 3, 25, 20.4, 0.46)),
    (0.10, 0.30, 0.9, (2, 18, 6, 35, 22.5, 0.73), (2, 22, 6, 33, 26.2, 0.62)),
    (0.20, 0.40, 0.9, (4, 19, 15, 54, 30.4, 0.67), (5, 24, 13, 45, 31.2, 0.66)),
]


@pytest.mark.parametrize(("p0", "p1", "power", "opt", "mm"), SIMON_TABLE,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in SIMON_TABLE])
def test_simon_published_designs(p0, p1, power, opt, mm):
    optimal, minimax = simon_two_stage(p0, p1, alpha=0.05, power=power)
    for design, expected in ((optimal, opt), (minimax, mm)):
        got = (design.r1, design.n1, design.r, design.n)
        assert got == expected[:4]
        assert round(design.en0, 1) == pytest.approx(expected[4], abs=0.051)
        assert round(design.pet0, 2) == pytest.approx(expected[5], abs=0.0051)
        assert design.alpha <= 0.05 + 1e-12
        assert design.power >= power - 1e-12


def _simon_characteristics(n1, r1, n, r, p):
    """Reject probability and PET of a two-stage design by explicit summation."""
    pet = binom.cdf(r1, n1, p)
    reject = sum(binom.pmf(x1, n1, p) * binom.sf(r - x1, n - n1, p) for x1 in range(r1 + 1, n1 + 1))
    return reject, pet


def _brute_force_simon(p0, p1, alpha, power, nmax):
    best_opt = best_mm = None
    for n in range(2, nmax + 1):
        for n1, r1 in ((a, b) for a in range(1, n) for b in range(0, a)):
            for r in range(r1, n):
                a0, pet0 = _simon_characteristics(n1, r1, n, r, p0)
                if a0 > alpha:
                    continue
                if _simon_characteristics(n1, r1, n, r, p1)[0] < power:
                    break  # power only falls as r grows
                en0 = n1 + (1 - pet0) * (n - n1)
                if best_opt is None or en0 < best_opt[0] - 1e-12:
                    best_opt = (en0, n1, r1, n, r)
                if best_mm is None or (n, en0) < (best_mm[3], best_mm[0] - 1e-12):
                    best_mm = (en0, n1, r1, n, r)
                break  # the smallest valid r is the most powerful for this (n1, r1)
    return best_opt, best_mm


def test_simon_matches_exhaustive_search_and_no_n15_minimax():
    # up to 30 patients the search can prove no larger design does better
    optimal, minimax = simon_two_stage(0.05, 0.25, nmax=30)
    opt, mm = _brute_force_simon(0.05, 0.25, 0.05, 0.8, nmax=30)
    assert (optimal.n1, optimal.r1, optimal.n, optimal.r) == opt[1:]
    assert (minimax.n1, minimax.r1, minimax.n, minimax.r) == mm[1:]
    assert minimax.n == 16


def test_an_optimal_design_beyond_the_largest_size_searched_is_not_claimed():
    # the optimum (12/36, 39/108, EN0 54.97) needs more than 100 patients; the best design
    # up to 100 (EN0 higher) is no optimal design
    optimal, minimax = simon_two_stage(0.3, 0.43, nmax=100)
    assert optimal is None
    assert (minimax.r1, minimax.n1, minimax.r, minimax.n) == (14, 46, 32, 85)
    optimal, _ = simon_two_stage(0.3, 0.43, nmax=200)
    assert (optimal.r1, optimal.n1, optimal.r, optimal.n) == (12, 36, 39, 108)
    assert optimal.en0 == pytest.approx(54.97, abs=0.01)
    # within the limit and proven: Simon (1989), p0 0.2, p1 0.4
    optimal, _ = simon_two_stage(0.2, 0.4, nmax=100)
    assert (optimal.r1, optimal.n1, optimal.r, optimal.n) == (3, 13, 12, 43)


def _brute_single_arm(p0, p1, alpha, power, nmax=300):
    for n in range(1, nmax + 1):
        for r in range(0, n + 1):
            if binom.sf(r, n, p0) <= alpha:
                if binom.sf(r, n, p1) >= power:
                    return n, r
                break
    return None


@pytest.mark.parametrize(("p0", "delta", "alpha", "power"), list(product(
    [0.05, 0.1, 0.2, 0.3], [0.15, 0.2, 0.3], [0.05, 0.1], [0.8, 0.9])))
def test_single_arm_matches_brute_force(p0, delta, alpha, power):
    p1 = p0 + delta
    design = single_arm_exact(p0, p1, alpha=alpha, power=power)
    expected = _brute_single_arm(p0, p1, alpha, power)
    assert (design.n, design.r) == expected
    assert design.alpha <= alpha
    assert design.power >= power


def test_single_arm_published_value():
    # A'Hern (2001) exact single-stage table: p0 = 0.20, p1 = 0.40, alpha 0.05, power 0.8:
    # n = 35, promising with at least 12 responses (r = 11).
    design = single_arm_exact(0.2, 0.4, alpha=0.05, power=0.8)
    assert (design.n, design.r) == (35, 11)


def test_single_arm_without_gain_has_no_design():
    assert single_arm_exact(0.3, 0.3) is None
    assert single_arm_exact(0.3, 0.2) is None
    assert simon_two_stage(0.3, 0.2) == (None, None)
    assert simon_two_stage(0.3, 0.32, nmax=50) == (None, None)


def _fleiss(p1, p2, alpha, power, sided=2, cc=True):
    za, zb = norm.ppf(1 - alpha / sided), norm.ppf(power)
    pbar, d = (p1 + p2) / 2, abs(p1 - p2)
    n = ((za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)))
         / d) ** 2
    if cc:
        n = n / 4 * (1 + math.sqrt(1 + 4 / (n * d))) ** 2
    return math.ceil(n)


def test_fleiss_published_values():
    # Fleiss, Tytun & Ury (1980) with continuity correction, the formula behind Fleiss (1981)
    # Table A.3 and the SWOG/CRAB two-arm binomial and statpages.org calculators: 0.6 vs 0.4,
    # two-sided alpha 0.05, power 0.8: 107 per arm (97 without the correction);
    # 0.3 vs 0.5: 103.
    assert fleiss_two_arm(0.6, 0.4).n_per_arm == 107
    assert fleiss_two_arm(0.6, 0.4, continuity=False).n_per_arm == 97
    assert fleiss_two_arm(0.3, 0.5).n_per_arm == 103
    assert fleiss_two_arm(0.6, 0.4).n_total == 214


@pytest.mark.parametrize(("p1", "p2", "sided", "cc"), list(product(
    [0.15, 0.35, 0.7], [0.1, 0.2, 0.5], [1, 2], [True, False])))
def test_fleiss_matches_independent_formula(p1, p2, sided, cc):
    if p1 == p2:
        return
    got = fleiss_two_arm(p1, p2, sided=sided, continuity=cc).n_per_arm
    assert got == _fleiss(p1, p2, 0.05, 0.8, sided, cc)


def test_fleiss_one_sided_is_smaller():
    assert fleiss_two_arm(0.6, 0.4, sided=1).n_per_arm < fleiss_two_arm(0.6, 0.4).n_per_arm


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"p0": 0.0, "p1": 0.3}, "p0 must be"), ({"p0": 0.2, "p1": 1.2}, "p1 must be"),
    ({"p0": 0.2, "p1": 0.4, "alpha": 0.7}, "alpha"), ({"p0": 0.2, "p1": 0.4, "power": 0.3},
                                                      "power"),
])
def test_invalid_settings(kwargs, message):
    with pytest.raises(ExperimentConfigError, match=message):
        single_arm_exact(**kwargs)


def test_simon_attained_characteristics_are_consistent():
    optimal, _ = simon_two_stage(0.2, 0.4)
    a0, pet0 = _simon_characteristics(optimal.n1, optimal.r1, optimal.n, optimal.r, 0.2)
    pw, _ = _simon_characteristics(optimal.n1, optimal.r1, optimal.n, optimal.r, 0.4)
    assert optimal.alpha == pytest.approx(a0)
    assert optimal.pet0 == pytest.approx(pet0)
    assert optimal.power == pytest.approx(pw)
    assert np.isclose(optimal.en0, optimal.n1 + (1 - pet0) * (optimal.n - optimal.n1))


def test_fleiss_names_the_rate_that_is_out_of_range():
    from irpredict.exceptions import ExperimentConfigError
    from irpredict.screening.sample_size import fleiss_two_arm

    with pytest.raises(ExperimentConfigError, match=r"^p1 must be a response rate .*got 1\.2"):
        fleiss_two_arm(1.2, 0.4)
    with pytest.raises(ExperimentConfigError, match=r"^p2 must be .*got -0\.1"):
        fleiss_two_arm(0.4, -0.1)
