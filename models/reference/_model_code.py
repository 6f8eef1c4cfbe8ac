"""Models-from-code entry point MLflow executes to build the pyfunc model."""

import mlflow

from irpredict.serving.pyfunc import IRPredictModel

mlflow.models.set_model(IRPredictModel())
