"""``IRPredictModel``: the MLflow pyfunc model registered for every study.

Its ``predict`` takes the per-patient table (the feature columns used in
training, before imputation and encoding, plus ``therapy_class``) and
returns one row per patient with ``prob_response`` and ``therapy_class``.
It checks its input itself: MLflow's schema check lets nulls and unknown
therapy classes through.
"""

import mlflow.pyfunc
import pandas as pd

__all__ = ["IRPredictModel", "RESPONSE_MODEL_ARTIFACT"]

#: Artifact key of the pickled :class:`irpredict.training.ResponseModel`.
RESPONSE_MODEL_ARTIFACT = "response_model"


class IRPredictModel(mlflow.pyfunc.PythonModel):
    """Probability of response (and, where available, its explanation) per patient."""

    def load_context(self, context):
        """Load the fitted :class:`~irpredict.training.ResponseModel`."""
        import joblib

        self.model = joblib.load(context.artifacts[RESPONSE_MODEL_ARTIFACT])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        """Score a per-patient table.

        Parameters
        ----------
        context : mlflow.pyfunc.PythonModelContext
        model_input : pandas.DataFrame
            The training feature columns and ``therapy_class``; extra columns
            (``patient_id``, ...) are ignored.
        params : dict or None
            Unused.

        Returns
        -------
        pandas.DataFrame
            ``prob_response`` and ``therapy_class`` per input row.
        """
        from irpredict.serving.validation import check_input

        X = check_input(self.model, model_input)
        prob = self.model.predict_proba(X)[:, 1]
        return pd.DataFrame({"prob_response": prob,
                             "therapy_class": X["therapy_class"].to_numpy()},
                            index=model_input.index)
