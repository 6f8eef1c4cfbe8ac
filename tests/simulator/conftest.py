"""Fixtures of the simulator tests: one 5,000-patient simulation reused by the session."""

import pytest

from irpredict.data.simulator import simulate_cohort, write_cohort


@pytest.fixture(scope="session")
def sim5000():
    """The default cohort: 5,000 patients, seed 0, default class mix."""
    return simulate_cohort(n_patients=5000, seed=0)


@pytest.fixture(scope="session")
def sim5000_dir(sim5000, tmp_path_factory):
    """``sim5000`` written to a folder."""
    out = tmp_path_factory.mktemp("sim5000")
    write_cohort(sim5000, out)
    return out
