"""``IRPredictModel``: the MLflow pyfunc model registered for every study.

Its ``predict`` takes the per-patient table (the feature columns used in
training, before imputation and encoding, plus ``therapy_class``) and
returns one row per patient with ``prob_response``, ``therapy_class``,
``base_value``, ``explained_log_odds`` and one ``shap__<biomarker>`` column per
original biomarker (exact SHAP values in log-odds: their sum plus ``base_value``
is ``explained_log_odds``, the model's log-odds; that is the logit of
``prob_response`` unless the model is calibrated after training, when
calibration maps it to ``prob_response``). It checks its input itself: MLflow's schema
check lets nulls, unknown therapy classes and absurd values through.
"""

import mlflow.pyfunc
import numpy as np
import pandas as pd

__all__ = ["IRPredictModel", "RESPONSE_MODEL_ARTIFACT", "SHAP_PREFIX", "explained_biomarkers",
           "predict_explained"]

#: Artifact key of the pickled :class:`irpredict.training.ResponseModel`.
RESPONSE_MODEL_ARTIFACT = "response_model"

#: Prefix of the per-biomarker SHAP output columns.
SHAP_PREFIX = "shap__"


def explained_biomarkers(model):
    """Biomarkers the model's explanations can name: the union over its routes.

    Explains one all-missing row per therapy class the model scores (every
    route then appears once), so the list is fixed per model.

    Parameters
    ----------
    model : irpredict.training.ResponseModel

    Returns
    -------
    list of str
    """
    from irpredict.explain import explain

    therapies = list(model.therapies)
    if not therapies:
        return []
    probe = pd.DataFrame({c: pd.Series([np.nan] * len(therapies), dtype=object)
                          if c in model.categorical_columns else np.full(len(therapies), np.nan)
                          for c in model.feature_columns})
    probe["therapy_class"] = therapies
    return [str(b) for b in explain(model.classifier, probe).values.columns]


def predict_explained(model, frame, biomarkers=None, compiled=None, notes=None):
    """Checked input -> probability, base value and SHAP values per biomarker.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    frame : pandas.DataFrame
        The training feature columns and ``therapy_class`` (which a model
        whose training data gave one class, or read it by a rule from a
        column, derives the same way when it is not sent); extra columns are
        ignored.
    biomarkers : list of str or None, default=None
        The fixed SHAP column set (:func:`explained_biomarkers`); ``None``
        computes it.
    compiled : irpredict.serving._fast.CompiledModel or None, default=None
        A verified arrays-only path for the same model (used when every row
        has its own therapy-class model).

    Returns
    -------
    pandas.DataFrame
        ``prob_response``, ``therapy_class``, ``base_value``,
        ``explained_log_odds`` (``base_value`` plus the row's SHAP values:
        the log-odds before any calibration after training) and
        ``shap__<biomarker>`` per input row (index of ``frame``); a
        biomarker the row's route does not use is 0.0.

    Raises
    ------
    CohortDataError, UnknownTherapyError
        From :func:`irpredict.serving.validation.check_input`.
    """
    from irpredict.explain import explain
    from irpredict.serving.validation import check_input, with_therapy_class

    if biomarkers is None:
        biomarkers = explained_biomarkers(model)
    X = check_input(model, with_therapy_class(model, frame), notes)
    index = X.index
    X.index = pd.RangeIndex(len(X))  # explain refuses duplicate ids; callers may send any
    fast = None if compiled is None else compiled.predict(X)
    if fast is None:
        exp = explain(model.classifier, X)
        values = exp.values.reindex(columns=biomarkers, fill_value=0.0).to_numpy(dtype=np.float64)
        base, prob = exp.base_values.to_numpy(dtype=np.float64), exp.prob.to_numpy(np.float64)
    else:
        values, base, prob = fast
    out = pd.DataFrame(values, index=index, columns=[SHAP_PREFIX + b for b in biomarkers])
    out.insert(0, "explained_log_odds", base + values.sum(axis=1))
    out.insert(0, "base_value", base)
    out.insert(0, "therapy_class", X["therapy_class"].to_numpy(dtype=object))
    out.insert(0, "prob_response", prob)
    return out


class IRPredictModel(mlflow.pyfunc.PythonModel):
    """Probability of response and its explanation per patient."""

    def load_context(self, context):
        """Load the fitted :class:`~irpredict.training.ResponseModel`."""
        from irpredict._artifacts import load_fitted

        self.model = load_fitted(context.artifacts[RESPONSE_MODEL_ARTIFACT])
        self.biomarkers_ = explained_biomarkers(self.model)

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        """Score and explain a per-patient table.

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
            ``prob_response``, ``therapy_class``, ``base_value`` (log-odds),
            ``explained_log_odds`` and one ``shap__<biomarker>`` column per
            original biomarker (log-odds; their sum plus ``base_value`` is
            ``explained_log_odds``, which equals ``logit(prob_response)``
            unless the model is calibrated after training).
        """
        biomarkers = getattr(self, "biomarkers_", None)
        if biomarkers is None:
            biomarkers = self.biomarkers_ = explained_biomarkers(self.model)
        return predict_explained(self.model, model_input, biomarkers,
                                 getattr(self, "compiled_", None))
