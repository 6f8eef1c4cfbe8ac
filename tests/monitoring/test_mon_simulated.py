"""On a simulated cohort whose on-treatment ctDNA kinetics carry signal (checkpoint
inhibitors; the simulator drives day-43 ctDNA change by the latent response), the
out-of-fold AUC rises at the later landmark, above the baseline-only model on the same
landmark population."""

import pytest
from mon_helpers import FAST, flagged

from irpredict.data.simulator import simulate_cohort
from irpredict.monitoring import fit_landmark_models
from irpredict.monitoring.population import restrict_cohort

ENTRIES = ["setting", "line", "subtype", "age", "ecog", "ldh_uln", "measurements:ctdna"]


@pytest.fixture(scope="module")
def evaluated():
    cohort = flagged(simulate_cohort(n_patients=1500, seed=1).to_cohort())
    ici = cohort.patients.loc[cohort.patients["therapy_class"] == "checkpoint_inhibitor",
                              "patient_id"]
    models = fit_landmark_models(restrict_cohort(cohort, ici), FAST, (0, 42), entries=ENTRIES)
    return models.evaluation.comparison.set_index(["landmark", "therapy_class"])


def test_auc_rises_at_the_later_landmark(evaluated):
    early = evaluated.loc[(0.0, "checkpoint_inhibitor")]
    late = evaluated.loc[(42.0, "checkpoint_inhibitor")]
    assert late["auc"] > early["auc"]
    # fair comparison: the baseline-only model on the same day-42 population
    assert late["auc"] > late["baseline_auc"]
    assert late["delta_low"] > 0  # the paired bootstrap CI of the gain excludes zero


def test_probabilities_are_more_accurate_at_the_later_landmark(evaluated):
    late = evaluated.loc[(42.0, "checkpoint_inhibitor")]
    assert late["brier"] < late["baseline_brier"]
    assert late["delta_brier"] == pytest.approx(late["brier"] - late["baseline_brier"], abs=0.01)
    assert late["delta_brier_high"] < 0  # paired CI of the Brier difference below zero


def test_landmark_zero_compares_with_itself(evaluated):
    row = evaluated.loc[(0.0, "checkpoint_inhibitor")]
    assert row["auc"] == row["baseline_auc"]
    assert row["delta_auc"] == 0
    assert row["delta_brier"] == 0
    assert row["auc_low"] < row["auc"] < row["auc_high"]
