"""Training a study: settings, the modelling frame, nested CV runs, the final model."""

from irpredict.training.design import Design, design_matrix, feature_sets_to_train
from irpredict.training.external import score_external
from irpredict.training.response_model import ResponseModel
from irpredict.training.runner import TrainResult, train_study
from irpredict.training.settings import ModelSettings, default_jobs, model_settings

__all__ = [
    "Design",
    "ModelSettings",
    "ResponseModel",
    "TrainResult",
    "default_jobs",
    "design_matrix",
    "feature_sets_to_train",
    "model_settings",
    "score_external",
    "train_study",
]
