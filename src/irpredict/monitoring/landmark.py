"""Landmark models: one response model per landmark day, each trained on its
landmark population with features up to that day only.

At landmark L the model sees baseline data and on-treatment draws with
``day <= L`` (the landmark guard of :func:`irpredict.features.build_features`)
and is trained only on patients still on treatment and not progressed at L
(:func:`~irpredict.monitoring.population.landmark_population`). Its
out-of-fold AUC is reported beside that of the baseline-only model on the
same patients (:mod:`irpredict.monitoring.evaluate`).
"""

from dataclasses import dataclass, field

from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.monitoring.population import (
    DEFAULT_LANDMARKS,
    check_landmarks,
    landmark_population,
    population_summary,
    restrict_cohort,
)

__all__ = ["LandmarkModels", "fit_landmark_models", "default_entries"]


@dataclass
class LandmarkModels:
    """Fitted landmark models of one study.

    Attributes
    ----------
    models : dict of float to irpredict.training.ResponseModel
        The model of each landmark day, refitted on its whole landmark
        population (tuned as in the inner loop).
    populations : pandas.DataFrame
        :func:`~irpredict.monitoring.population.population_summary` of the
        training cohort.
    entries : list of str
        The feature-set entries (patients-table columns and
        ``measurements:<biomarker>`` markers) every landmark model uses.
    study, feature_set, family : str
        Provenance.
    evaluation : irpredict.monitoring.evaluate.LandmarkEvaluation or None
        Out-of-fold results, when evaluated.
    notes : list of str
        Things the user should know, per landmark (a class scored by the pooled model).
    """

    models: dict
    populations: object
    entries: list = field(default_factory=list)
    study: str = ""
    feature_set: str = ""
    family: str = ""
    evaluation: object = None
    notes: list = field(default_factory=list)

    @property
    def landmarks(self):
        """Landmark days, ascending."""
        return tuple(sorted(self.models))

    def model_for(self, landmark):
        """The :class:`~irpredict.training.ResponseModel` of one landmark day."""
        key = float(landmark)
        if key not in self.models:
            raise ExperimentConfigError(
                f"no landmark model for day {landmark:g}; the bundle has days "
                f"{[f'{d:g}' for d in self.landmarks]}.")
        return self.models[key]

    def predict_proba(self, cohort, landmark):
        """Probability of response of every patient of ``cohort`` at one landmark.

        Features are built from ``cohort`` up to the landmark exactly as in
        training; population membership is not checked here (see
        :func:`~irpredict.monitoring.trajectory.monitor_cohort`).

        Returns
        -------
        pandas.Series
            Indexed by patient id.
        """
        from irpredict.data.cohort import require_cohort

        require_cohort(cohort, "LandmarkModels.predict_proba(cohort, ...)")
        import pandas as pd

        model = self.model_for(landmark)
        X, _ = model.frame_from_cohort(cohort)
        return pd.Series(model.predict_proba(X)[:, 1], index=X.index, name="prob_response")


def default_entries(cohort):
    """Every baseline column of the cohort plus every allowed measured biomarker."""
    entries = list(cohort.feature_columns)
    if cohort.measurements is not None and len(cohort.measurements):
        entries.append("measurements:*")
    return entries


def _fit_final(design, family, settings):
    """Tune and fit on the whole population exactly as one outer fold's inner loop."""
    from irpredict.evaluation.cv import fit_tuned
    from irpredict.training.design import cv_sites

    sites = cv_sites(design, settings)
    classifier, _ = fit_tuned(
        design.X, design.y.to_numpy(), estimator=family,
        sites=None if sites is None else sites.to_numpy(), inner_folds=settings.inner_folds,
        calibration=list(settings.calibration), random_state=settings.seed,
        param_grid=settings.grids or None, min_patients=settings.min_patients,
        min_responders=settings.min_responders, n_jobs=settings.n_jobs)
    return classifier


def _response_model(design, classifier, cohort, *, study, feature_set, family, mapping):
    import pandas as pd

    from irpredict.training import ResponseModel
    from irpredict.training.fitting import never_missing, numeric_ranges
    from irpredict.training.overlap import training_fingerprints

    return ResponseModel(
        classifier=classifier, feature_columns=design.feature_columns,
        categorical_columns=[c for c in design.feature_columns
                             if not pd.api.types.is_numeric_dtype(design.X[c])],
        patient_columns=design.patient_columns, biomarkers=design.biomarkers,
        include_tumor=design.include_tumor, landmark_days=design.landmark_days,
        study=study, feature_set=f"{feature_set}@d{design.landmark_days:g}", family=family,
        label_col=cohort.label_col,
        therapies=sorted(design.X["therapy_class"].astype(str).unique()),
        numeric_ranges=numeric_ranges(design.X, design.feature_columns),
            never_missing=never_missing(design.X, design.feature_columns), mapping=mapping,
        training_rows=training_fingerprints(design.X, design.feature_columns,
                                            design.patient_columns),
        units=dict(cohort.units))


def _population_cohort(cohort, landmark):
    from irpredict.training.design import warn_one_outcome_classes

    pop = landmark_population(cohort, landmark)
    members = pop.index[pop["in_population"]]
    drop = (f"drop day {landmark:g} from the landmark days ([monitoring] days in the "
            "experiment file, or --days)")
    if len(members) == 0:
        raise CohortDataError(
            f"cohort {cohort.name!r}: no patient is still on treatment and free of progression "
            f"at landmark day {landmark:g}; {drop}.")
    sub = restrict_cohort(cohort, members)
    if sub.has_label:
        import pandas as pd

        labels = pd.to_numeric(sub.patients[sub.label_col], errors="coerce").dropna()
        if labels.nunique() < 2:
            outcome = "responders" if len(labels) and labels.iloc[0] == 1 else "non-responders"
            raise CohortDataError(
                f"cohort {cohort.name!r}: at landmark day {landmark:g} the {len(labels)} labelled "
                f"patients still on treatment and free of progression are all {outcome} "
                f"({len(pop) - len(members)} of {len(pop)} patients have left by then), so no "
                f"model can be fitted or evaluated there; {drop}.")
        warn_one_outcome_classes(
            sub, where=f"{cohort.name}, at landmark day {landmark:g}: ",
            fix=f"Read that class's predictions at day {landmark:g} as uninformative, or {drop}")
    return sub


def _warn_nothing_on_treatment(design, day, name):
    """A landmark model after day 0 that reads no on-treatment value is the baseline model
    on a smaller population; say so rather than let it pass for monitoring."""
    import warnings

    from irpredict.exceptions import DataWarning

    if day == 0 or any(c.endswith(f"_d{day:g}") for c in design.feature_columns):
        return
    warnings.warn(
        f"{name}: the day-{day:g} landmark model has no on-treatment feature (no biomarker of "
        "its feature set is drawn after baseline, or the cohort has no measurements table), "
        f"so it is the baseline model refitted on the patients left at day {day:g}. Check "
        "that measurements.csv is there and the feature set names on-treatment biomarkers "
        "(measurements:<biomarker>)", DataWarning, stacklevel=3)


def _pooled_notes(design, settings, day):
    """A class too small for its own model at a landmark is scored by the pooled one there
    (its rows in the table and its trajectories come from that model)."""
    from irpredict.training.notes import _routing_notes

    return [f"day {day:g}: {note}" for note in _routing_notes(design, settings)]


def fit_landmark_models(cohort, settings=None, landmarks=DEFAULT_LANDMARKS, *, entries=None,
                        family=None, feature_set="all", evaluate=True, progress=None,
                        mapping=None):
    """Fit (and evaluate) one response model per landmark day on its landmark population.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
        A labelled cohort.
    settings : irpredict.training.ModelSettings or None, default=None
        Folds, repeats, grids, calibration, bootstrap size, seed;
        ``None`` uses the defaults.
    landmarks : iterable of float, default=(0, 21, 42, 63)
        Landmark days.
    entries : list of str or None, default=None
        Feature-set entries (see :func:`irpredict.training.design_matrix`);
        ``None`` uses every baseline column and measured biomarker.
    family : str or None, default=None
        Model family of every landmark model; ``None`` uses
        ``settings.final_family``.
    feature_set : str, default="all"
        Name recorded with the models.
    evaluate : bool, default=True
        Run nested CV of each landmark model and of the baseline-only model
        on the same population (doubles the cost).
    progress : callable or None, default=None
        ``progress(stage, done, total)``.
    mapping : irpredict.data.ColumnMapping or None, default=None
        Column mapping of the training table, kept with each model.

    Returns
    -------
    LandmarkModels

    Raises
    ------
    ExperimentConfigError
        On bad landmarks or ``family="best"``.
    CohortDataError
        When a landmark population is empty or has one class only.

    Examples
    --------
    >>> from irpredict.data.simulator import simulate_cohort
    >>> cohort = simulate_cohort(n_patients=600, seed=0).to_cohort()   # doctest: +SKIP
    >>> lm = fit_landmark_models(cohort, landmarks=(0, 42))             # doctest: +SKIP
    >>> lm.evaluation.comparison[["landmark", "auc", "baseline_auc"]]  # doctest: +SKIP
    """
    from irpredict.data.cohort import require_cohort
    from irpredict.training.settings import ModelSettings

    require_cohort(cohort, "fit_landmark_models(cohort)")
    if settings is not None and not isinstance(settings, ModelSettings):
        raise TypeError("fit_landmark_models(settings=) takes the ModelSettings that "
                        "irpredict.training.model_settings({...}) builds from a [model] table; "
                        f"got {type(settings).__name__}")
    import pandas as pd

    from irpredict.monitoring.evaluate import LandmarkEvaluation, evaluate_landmark
    from irpredict.training import ModelSettings, design_matrix

    settings = settings or ModelSettings()
    family = family or settings.final_family
    if family == "best":
        raise ExperimentConfigError(
            "landmark models need one declared model family, not 'best'; set [monitoring] "
            "family (e.g. \"logistic\").")
    days = check_landmarks(landmarks)
    entries = list(entries) if entries is not None else default_entries(cohort)
    models, parts, notes = {}, [], []
    for day in days:
        sub = _population_cohort(cohort, day)
        design = design_matrix(sub, entries, landmark_days=day)
        _warn_nothing_on_treatment(design, day, cohort.name)
        notes += _pooled_notes(design, settings, day)
        if evaluate:
            base = None if day == 0 else design_matrix(sub, entries, landmark_days=0)
            parts.append(evaluate_landmark(design, base, family, settings, day,
                                           progress=progress))
        if progress is not None:
            progress(f"day {day:g}: final model", 0, 1)
        classifier = _fit_final(design, family, settings)
        models[day] = _response_model(design, classifier, cohort, study=cohort.name,
                                      feature_set=feature_set, family=family, mapping=mapping)
        if progress is not None:
            progress(f"day {day:g}: final model", 1, 1)
    evaluation = None
    if parts:
        evaluation = LandmarkEvaluation(
            oof=pd.concat([p.oof for p in parts], ignore_index=True),
            metrics=pd.concat([p.metrics for p in parts], ignore_index=True),
            comparison=pd.concat([p.comparison for p in parts], ignore_index=True))
    return LandmarkModels(models=models, populations=population_summary(cohort, days),
                          entries=entries, study=cohort.name, feature_set=feature_set,
                          family=family, evaluation=evaluation, notes=notes)
