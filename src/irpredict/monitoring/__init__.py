"""On-treatment monitoring with landmark (dynamic) predictions.

At each landmark day L (default 0, 21, 42, 63) a separate response model is
trained with features up to L only (the landmark guard) and only on the
landmark population: patients not progressed and still on treatment at L
(:mod:`~irpredict.monitoring.population`). Each landmark model is evaluated
by nested CV beside the baseline-only model on the same patients
(:mod:`~irpredict.monitoring.evaluate`). A patient's trajectory
(:func:`monitor_patient`) gives the predicted response probability at each
landmark reached and the biomarkers whose SHAP contribution moved most
between landmarks. ``irpredict landmarks`` trains and registers the models;
``irpredict monitor`` shows trajectories.

Examples
--------
>>> from irpredict.monitoring import fit_landmark_models, monitor_patient  # doctest: +SKIP
>>> models = fit_landmark_models(cohort, settings, landmarks=(0, 21, 42))   # doctest: +SKIP
>>> monitor_patient(models, cohort, "SIM-00042").table                     # doctest: +SKIP
"""

from irpredict.monitoring.evaluate import (
    LandmarkEvaluation,
    paired_auc_difference,
    paired_difference,
)
from irpredict.monitoring.landmark import LandmarkModels, default_entries, fit_landmark_models
from irpredict.monitoring.population import (
    DEFAULT_LANDMARKS,
    first_progression_day,
    landmark_population,
    population_summary,
)
from irpredict.monitoring.trajectory import Trajectory, monitor_cohort, monitor_patient

__all__ = [
    "DEFAULT_LANDMARKS",
    "LandmarkEvaluation",
    "LandmarkModels",
    "Trajectory",
    "default_entries",
    "first_progression_day",
    "fit_landmark_models",
    "landmark_population",
    "monitor_cohort",
    "monitor_patient",
    "paired_auc_difference",
    "paired_difference",
    "population_summary",
]
