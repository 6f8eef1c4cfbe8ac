"""``irpredict screen --model``: a registered model's scores of the screened cohort, out of
fold when the cohort is the model's own training cohort (cross-fitted)."""

from irpredict.training.overlap import MOSTLY_TRAINING

__all__ = ["model_scores", "MOSTLY_TRAINING"]


def model_scores(model_uri, tracking_uri, source, score_column):
    """Cohort read the model's way, and the model's response probability per patient."""
    import pandas as pd

    from irpredict.exceptions import LeakageError
    from irpredict.training.external import load_external_cohort
    from irpredict.training.publish import load_response_model

    response_model = load_response_model(model_uri, tracking_uri=tracking_uri)
    cohort = load_external_cohort(response_model, source)
    X, y = response_model.frame_from_cohort(cohort)
    if _is_training_cohort(response_model, X, cohort, model_uri):
        # the model's own cohort: its predictions would be in-sample, so cross-fit instead
        if y is None or y.notna().sum() == 0:
            raise LeakageError(
                f"model {model_uri} was trained on study '{response_model.study}', the cohort "
                f"being screened, and {source} has no labels to cross-fit it on; screen an "
                "external cohort or pass out-of-fold scores with --score-column")
        from irpredict.training.crossfit import cohort_sites, crossfit_scores

        prob = crossfit_scores(response_model, X, y,
                               sites=cohort_sites(cohort, X)).to_numpy()
    else:
        prob = response_model.predict_proba(X)[:, 1]
    if _reads_on_treatment_data(response_model):
        import warnings

        from irpredict.exceptions import DataWarning

        warnings.warn(
            f"model {model_uri} reads data up to day {response_model.landmark_days:g} after the "
            "first dose (its feature set is on-treatment): its score does not exist at "
            "enrolment, so enrichment by it describes a landmark, not a screening rule. Use a "
            "model of a baseline feature set to screen enrolment", DataWarning, stacklevel=2)
    return (cohort, pd.Series(prob, index=X.index.astype(str), name=score_column),
            response_model.mapping)


def _reads_on_treatment_data(response_model):
    """Whether a feature of the model is built from data after the first dose."""
    import re

    return response_model.landmark_days > 0 and any(
        (m := re.search(r"__\w+_d(\d+(?:\.\d+)?)$", c)) and float(m.group(1)) > 0
        for c in response_model.feature_columns)


def _is_training_cohort(response_model, X, cohort, model_uri):
    """True for the model's own training patients; a cohort mixing them with others is refused.

    Models that keep their training fingerprints are judged by patient (id and feature
    values); older ones by the study's name.
    """
    import warnings

    from irpredict.exceptions import DataWarning, LeakageError
    from irpredict.training.overlap import training_patients

    seen = training_patients(response_model, X)
    if seen is None:
        return bool(response_model.study) and response_model.study == cohort.name
    unseen = [str(p) for p in X.index[~seen]]
    listed = f"{', '.join(unseen[:8])}{' ...' if len(unseen) > 8 else ''}"
    if seen.any() and seen.mean() < MOSTLY_TRAINING:
        raise LeakageError(
            f"{int(seen.sum())} of {len(X)} patients of {cohort.name} (e.g. "
            f"{', '.join(map(str, X.index[seen][:3]))}) are training patients of model "
            f"{model_uri}, the other {len(unseen)} ({listed}) are not; the training patients' "
            "scores would be in-sample. Screen the external patients alone, or the training "
            "cohort alone (which is cross-fitted)")
    if seen.any():
        cross = ("cross-fitted (each patient scored by a model refitted without their fold, "
                 "grouped by site where the cohort has 5 sites or more, with the "
                 "hyperparameters the registered model chose on the whole cohort, so slightly "
                 "optimistic), not the registered model's in-sample predictions")
        if seen.all():
            warnings.warn(f"{cohort.name} is the training cohort of model {model_uri}: the "
                          f"scores are {cross}", DataWarning, stacklevel=2)
        else:
            warnings.warn(
                f"{int(seen.sum())} of {len(X)} patients of {cohort.name} are training "
                f"patients of model {model_uri}; the other {len(unseen)} ({listed}) are not "
                "recognised as such (new patients, or training patients under another id with "
                "too few measured values to tell). The cohort is read as the training cohort: "
                f"every patient's score is {cross}", DataWarning, stacklevel=2)
    return bool(seen.any())
