"""``LandmarkModel``: the MLflow pyfunc model of a bundle of landmark models.

Its ``predict`` takes per-patient rows with a ``landmark`` column (the
landmark day whose model scores the row) plus that model's feature columns
and ``therapy_class``, and returns per row ``landmark``, ``prob_response``,
``therapy_class``, ``base_value``, ``explained_log_odds`` and one
``shap__<biomarker>`` column per original biomarker (0 where a landmark's
model does not use it). The
``irpredict monitor`` command loads the bundle itself (:attr:`bundle`) to
build features from a cohort and check landmark populations.
"""

import mlflow.pyfunc
import pandas as pd

from irpredict.exceptions import CohortDataError

__all__ = ["LandmarkModel", "BUNDLE_ARTIFACT"]

#: Artifact key of the pickled :class:`irpredict.monitoring.LandmarkModels`.
BUNDLE_ARTIFACT = "landmark_models"


class LandmarkModel(mlflow.pyfunc.PythonModel):
    """Probability of response and its explanation at a landmark day."""

    def load_context(self, context):
        """Load the fitted :class:`~irpredict.monitoring.LandmarkModels`."""
        from irpredict._artifacts import load_fitted

        self.bundle = load_fitted(context.artifacts[BUNDLE_ARTIFACT])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        """Score and explain rows, each with the model of its ``landmark`` day.

        Parameters
        ----------
        context : mlflow.pyfunc.PythonModelContext
        model_input : pandas.DataFrame
            ``landmark`` (a landmark day of the bundle), the feature columns
            of that landmark's model and ``therapy_class``.
        params : dict or None
            Unused.

        Returns
        -------
        pandas.DataFrame
            Same index as ``model_input``.
        """
        from irpredict.serving.pyfunc import predict_explained

        if "landmark" not in model_input.columns:
            raise CohortDataError(
                "the input lacks the column 'landmark' (the landmark day whose model scores "
                f"each row; one of {[f'{d:g}' for d in self.bundle.landmarks]}).")
        days = pd.to_numeric(model_input["landmark"], errors="coerce")
        if days.isna().any():
            raise CohortDataError(
                f"{int(days.isna().sum())} rows have no numeric landmark day; give each row "
                "the landmark day whose model should score it.")
        index = model_input.index
        frame = model_input.reset_index(drop=True)
        parts = []
        for day, rows in frame.groupby(days.to_numpy(), sort=True):
            out = predict_explained(self.bundle.model_for(day), rows)
            out.insert(0, "landmark", float(day))
            parts.append(out)
        result = pd.concat(parts).sort_index()
        shap = [c for c in result.columns if c.startswith("shap__")]
        result[shap] = result[shap].fillna(0.0)
        result.index = index
        return result
