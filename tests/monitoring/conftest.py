"""Fixtures of the monitoring tests: a small simulated cohort and its landmark models."""

import pytest
from mon_helpers import ENTRIES, FAST, flagged

from irpredict.data.simulator import simulate_cohort
from irpredict.monitoring import fit_landmark_models


@pytest.fixture(scope="session")
def small_cohort():
    """400 simulated patients (all classes), tumour series flagged."""
    return flagged(simulate_cohort(n_patients=400, seed=11).to_cohort())


@pytest.fixture(scope="session")
def small_models(small_cohort):
    """Landmark models at days 0, 21, 42, 63 of ``small_cohort`` (not evaluated)."""
    return fit_landmark_models(small_cohort, FAST, (0, 21, 42, 63), entries=ENTRIES,
                               evaluate=False)
