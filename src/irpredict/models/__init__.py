"""Model pipelines, the estimator zoo and the per-therapy-class meta-estimator.

``make_model(family)`` builds the preprocessing + classifier Pipeline;
``PerTherapyClassifier`` fits one per therapy class (with a pooled model for
small classes); ``CalibratedModel`` makes post-hoc calibration a searchable
hyperparameter; ``AveragingClassifier`` averages several families.
"""

from irpredict.models.calibrated import CALIBRATION_METHODS, CalibratedModel
from irpredict.models.ensemble import AveragingClassifier
from irpredict.models.per_therapy import PerTherapyClassifier
from irpredict.models.pipeline import infer_columns, make_model
from irpredict.models.zoo import FAMILIES, make_classifier, needs_scaling, param_grid

__all__ = [
    "AveragingClassifier",
    "CALIBRATION_METHODS",
    "CalibratedModel",
    "FAMILIES",
    "PerTherapyClassifier",
    "infer_columns",
    "make_classifier",
    "make_model",
    "needs_scaling",
    "param_grid",
]
