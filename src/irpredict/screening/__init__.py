"""Trial screening: enrollment criteria, enrichment and trial-size arithmetic.

Trial designers ask: if we only enrol patients who meet criteria X, or whose
predicted response probability is above t, what fraction of screened patients
is eligible, what response rate do we expect among them, how large must the
trial be, how many must we screen, and how many responders do we turn away?

* :func:`parse_criteria` / :func:`evaluate_criteria`: the criteria language.
* :func:`single_arm_exact`, :func:`simon_two_stage`, :func:`fleiss_two_arm`:
  sample sizes.
* :func:`enrichment_table` (with :func:`threshold_rules`): every figure per
  rule and therapy class with a percentile bootstrap CI.
* :func:`plot_tradeoff`: eligible fraction vs response rate vs trial size.
"""

from irpredict.screening.criteria import Criterion, evaluate_criteria, parse_criteria
from irpredict.screening.enrichment import ScreeningRule, enrichment_table, threshold_rules
from irpredict.screening.plots import plot_tradeoff
from irpredict.screening.sample_size import (
    SimonDesign,
    fleiss_two_arm,
    simon_two_stage,
    single_arm_exact,
)

__all__ = [
    "Criterion",
    "ScreeningRule",
    "SimonDesign",
    "enrichment_table",
    "evaluate_criteria",
    "fleiss_two_arm",
    "parse_criteria",
    "plot_tradeoff",
    "simon_two_stage",
    "single_arm_exact",
    "threshold_rules",
]
