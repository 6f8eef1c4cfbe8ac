"""Models-from-code entry point MLflow executes to build the landmark pyfunc model."""

import mlflow

from irpredict.monitoring.pyfunc import LandmarkModel

mlflow.models.set_model(LandmarkModel())
