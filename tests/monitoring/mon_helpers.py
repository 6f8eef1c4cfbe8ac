"""Helpers shared by the monitoring tests (imported as ``mon_helpers``)."""

from dataclasses import replace

from irpredict.training import ModelSettings
from sim_study import simulated_study

#: Baseline columns plus two measured biomarkers with on-treatment kinetics.
ENTRIES = ["setting", "line", "subtype", "age", "ecog", "ldh_uln", "measurements:ctdna",
           "measurements:crp"]

#: Small, fast settings: one logistic candidate, 3 x 2 nested CV.
FAST = ModelSettings(families=("logistic",), final_family="logistic", outer_folds=3,
                     inner_folds=2, n_bootstrap=100, grids={"logistic": {"C": [0.1]}})


def flagged(cohort):
    """The cohort with the tumour-size series flagged as response-derived (as experiments do)."""
    return replace(cohort, response_derived_biomarkers=[
        *cohort.response_derived_biomarkers, "tumor_size"])

#: Experiment file of the CLI tests (a small simulated cohort, fast settings).
CLI_EXPERIMENT = simulated_study(
    "montest", patients=400, seed=5, data={"response_derived_biomarkers": ["tumor_size"]},
    feature_sets={"on_treatment": ["setting", "line", "subtype", "age", "ecog", "ldh_uln",
                                   "measurements:ctdna", "measurements:crp"]},
    n_bootstrap=50, grids={"logistic": {"C": [0.1]}}, extra="[monitoring]\ndays = [0, 21, 42, 63]")
