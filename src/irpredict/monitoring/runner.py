"""``train_landmarks``: landmark models of a study, evaluated, tracked and registered.

The ``[monitoring]`` section of an experiment file (all keys optional)::

    [monitoring]
    days = [0, 21, 42, 63]       # landmark days (default 0, 21, 42, 63)
    family = "logistic"          # default: [model] final_family
    feature_set = "on_treatment" # default: [model] final_feature_set, else the last set

Folds, repeats, grids, calibration, bootstrap size and seed come from
``[model]``. The runs go to the MLflow experiment ``irpredict/<study>-landmarks``
and the bundle is registered as ``<study>-landmarks`` with alias ``champion``.
"""

from dataclasses import dataclass, field

from irpredict.exceptions import ExperimentConfigError
from irpredict.experiment import LANDMARKS_SUFFIX
from irpredict.monitoring.population import DEFAULT_LANDMARKS, check_landmarks

__all__ = ["MonitoringSettings", "LandmarkResult", "monitoring_settings",
           "check_monitoring_section", "train_landmarks"]

_KEYS = ("days", "family", "feature_set")


@dataclass(frozen=True)
class MonitoringSettings:
    """The ``[monitoring]`` section: landmark days, model family and feature set."""

    days: tuple = DEFAULT_LANDMARKS
    family: str = ""
    feature_set: str = ""


@dataclass
class LandmarkResult:
    """What one ``irpredict landmarks`` run produced.

    Attributes
    ----------
    study : str
        Registered model name (``<study>-landmarks``).
    run_id : str
    models : irpredict.monitoring.LandmarkModels
    model_uri, registered, version : str
    """

    study: str
    run_id: str
    models: object
    model_uri: str = ""
    registered: str = ""
    version: str = ""
    notes: list = field(default_factory=list)


def monitoring_settings(experiment, model_settings, *, days=None, family=None):
    """Read ``[monitoring]`` with defaults from ``[model]``.

    Parameters
    ----------
    experiment : irpredict.experiment.Experiment
    model_settings : irpredict.training.ModelSettings
    days : list of float or None
        Landmark days overriding the file (from the command line).
    family : str or None
        Model family overriding the file (from the command line).

    Returns
    -------
    MonitoringSettings

    Raises
    ------
    ExperimentConfigError
        On unknown keys, bad days, an unknown family or feature set.
    """
    from irpredict.models import FAMILIES

    where = f"{experiment.path} [monitoring]"
    raw = dict(experiment.raw.get("monitoring") or {})
    unknown = [k for k in raw if k not in _KEYS]
    if unknown:
        from irpredict.data._spec import home_hint

        hints = "".join(home_hint(k, "[monitoring]") for k in unknown)
        raise ExperimentConfigError(
            f"{where}: unknown keys {unknown}; allowed: {list(_KEYS)}.{hints}")
    chosen = check_landmarks(days if days is not None else raw.get("days", DEFAULT_LANDMARKS),
                             where=where)
    named_by = ("--family" if family else f"{where}: family" if raw.get("family")
                else f"{experiment.path} [model]: final_family")
    family = family or raw.get("family") or model_settings.final_family
    if family == "best" or family not in FAMILIES:
        raise ExperimentConfigError(
            f"{named_by} must be one of {', '.join(FAMILIES)} (got {family!r}); landmark "
            "models use one family declared in advance ([monitoring] family, or --family).")
    feature_set = raw.get("feature_set") or model_settings.final_feature_set
    declared = dict(experiment.feature_sets)
    if feature_set and feature_set not in declared:
        from difflib import get_close_matches

        key = (f"{where}: feature_set" if raw.get("feature_set")
               else f"{experiment.path} [model]: final_feature_set")
        close = get_close_matches(feature_set, list(declared), n=1)
        raise ExperimentConfigError(
            f"{key} {feature_set!r} is not in [feature_sets] "
            f"({sorted(declared) or 'none declared'})"
            f"{f'; did you mean {close[0]!r}?' if close else '.'}")
    if not feature_set and declared:
        feature_set = list(declared)[-1]
    return MonitoringSettings(days=chosen, family=family, feature_set=feature_set)


def check_monitoring_section(experiment, model_settings):
    """Check an experiment's ``[monitoring]`` section where it has one (``validate`` and
    ``train`` refuse a typo there, as ``landmarks`` would); a file without one needs no
    landmark family, so ``[model] final_family = "best"`` stays valid.

    Raises
    ------
    ExperimentConfigError
        As :func:`monitoring_settings`.
    """
    if experiment.raw.get("monitoring") is not None:
        monitoring_settings(experiment, model_settings)


def _child_frames(evaluation, day, model):
    oof = evaluation.oof
    metrics = evaluation.metrics
    pick_oof = oof[(oof["landmark"] == day) & (oof["model"] == model)].drop(columns="landmark")
    pick_m = metrics[(metrics["landmark"] == day) & (metrics["model"] == model)]
    from irpredict.evaluation.summary import to_wide

    return pick_oof, to_wide(pick_m.drop(columns="landmark"))


def _log_evaluation(study, bundle, settings, mon):
    import tempfile
    from pathlib import Path

    from irpredict.tracking import log_child_run
    from irpredict.tracking.runs import log_batch, log_files

    evaluation = bundle.evaluation
    for day in bundle.landmarks:
        for model in ("landmark", "baseline"):
            if day == 0 and model == "baseline":
                continue
            oof, metrics = _child_frames(evaluation, day, model)
            params = {"landmark_days": day, "model": model, "family": mon.family,
                      "feature_set": mon.feature_set, "features_up_to_day": 0 if
                      model == "baseline" else day, "n_patients": int(oof["patient_id"].nunique()),
                      "outer_folds": settings.outer_folds, "inner_folds": settings.inner_folds,
                      "repeats": settings.repeats, "seed": settings.seed}
            log_child_run(study, f"day{day:g}/{model}", params, metrics, oof,
                          tags={"irpredict.landmark": f"{day:g}", "irpredict.model": model})
    metrics = {}
    for row in evaluation.comparison[evaluation.comparison["therapy_class"] == "overall"] \
            .itertuples():
        tag = f"d{row.landmark:g}"
        metrics.update({f"auc_{tag}": row.auc, f"baseline_auc_{tag}": row.baseline_auc,
                        f"delta_auc_{tag}": row.delta_auc, f"brier_{tag}": row.brier,
                        f"baseline_brier_{tag}": row.baseline_brier,
                        f"delta_brier_{tag}": row.delta_brier,
                        f"n_patients_{tag}": row.n_patients})
    log_batch(study.client, study.run_id, metrics={k: v for k, v in metrics.items() if v == v},
              params={"landmarks": ",".join(f"{d:g}" for d in bundle.landmarks),
                      "family": mon.family, "feature_set": mon.feature_set})
    with tempfile.TemporaryDirectory(prefix="irpredict-landmarks-") as tmp:
        evaluation.comparison.to_csv(Path(tmp, "landmark_comparison.csv"), index=False)
        bundle.populations.to_csv(Path(tmp, "landmark_populations.csv"), index=False)
        log_files(study.client, study.run_id, tmp)


def _warn_landmarks_after_follow_up(cohort, days):
    """A landmark after every patient's last record adds no data: say so."""
    import warnings

    from irpredict.exceptions import DataWarning

    last = [t["day"].max() for t in (cohort.measurements, cohort.tumor_assessments)
            if t is not None and len(t)]
    if not last:
        return
    follow_up = max(last)
    late = [d for d in days if d > follow_up]
    if late:
        warnings.warn(
            f"landmark day(s) {', '.join(f'{d:g}' for d in late)} are after the last record of "
            f"every patient (day {follow_up:g}): such a landmark model sees all the follow-up "
            "data, and its population is whoever had not progressed by then, not patients "
            "still on treatment at that day; choose landmarks within the follow-up",
            DataWarning, stacklevel=3)


def _warn_progression_unknown(cohort, days):
    """Without tumour scans no progression can be read: the populations keep everyone."""
    import warnings

    from irpredict.exceptions import DataWarning

    if not any(d > 0 for d in days):
        return
    scans = cohort.tumor_assessments
    from irpredict.monitoring.population import _off_treatment

    which, _ = _off_treatment(cohort)
    if (scans is None or not len(scans)) and which is not None:
        warnings.warn(
            f"cohort {cohort.name!r} has no tumour assessments: only its treatment-end columns "
            f"({', '.join(sorted(set(which.dropna()))) or 'empty'}) take patients out of a "
            "landmark population; a RECIST progression without such a day is not seen",
            DataWarning, stacklevel=3)
        return
    if scans is None or not len(scans):
        warnings.warn(
            f"cohort {cohort.name!r} has no tumour assessments, so no progression can be read: "
            "every patient stays in every landmark population, including those who progressed "
            "before the day; add the tumour measurements (tumor_assessments) to leave them out",
            DataWarning, stacklevel=3)
        return
    scanned = set(scans["patient_id"].astype(str))
    unscanned = [p for p in cohort.patients["patient_id"].astype(str) if p not in scanned]
    if unscanned and which is not None:  # a PFS event or a death still tells
        columns = sorted(set(which.dropna()))
        warnings.warn(
            f"{len(unscanned)} patients have no tumour scan ({', '.join(unscanned[:5])}"
            f"{' ...' if len(unscanned) > 5 else ''}): only the treatment-end columns "
            f"({', '.join(columns) or 'empty for them'}) can take them out of a landmark "
            "population", DataWarning, stacklevel=3)
    elif unscanned:
        warnings.warn(
            f"{len(unscanned)} patients have no tumour scan ({', '.join(unscanned[:5])}"
            f"{' ...' if len(unscanned) > 5 else ''}): their progression is unknown, so they "
            "stay in every landmark population", DataWarning, stacklevel=3)


def train_landmarks(experiment, *, settings=None, days=None, family=None, tracking_uri=None,
                    log_patient_ids=False, progress=None, register=True):
    """Fit, evaluate, log and register the landmark models of a study.

    Parameters
    ----------
    experiment : irpredict.experiment.Experiment
    settings : irpredict.training.ModelSettings or None
        ``None`` reads ``[model]``.
    days : list of float or None
        Landmark days overriding ``[monitoring] days``.
    family : str or None
        Model family overriding ``[monitoring] family``.
    tracking_uri : str or None
    log_patient_ids : bool, default=False
        Log raw patient ids in the out-of-fold tables instead of salted hashes.
    progress : callable or None
        ``progress(stage, done, total)``.
    register : bool, default=True
        Register the bundle as ``<study>-landmarks`` with alias ``champion``.

    Returns
    -------
    LandmarkResult
    """
    from irpredict.monitoring.landmark import fit_landmark_models
    from irpredict.monitoring.publish import log_landmark_models
    from irpredict.tracking import log_provenance, register_model, start_study_run
    from irpredict.training import feature_sets_to_train, model_settings

    settings = settings or model_settings(experiment.raw.get("model"),
                                          where=f"{experiment.path} [model]")
    mon = monitoring_settings(experiment, settings, days=days, family=family)
    from irpredict.data._therapy_rule import with_known_values

    cohort = experiment.load_cohort()
    _warn_landmarks_after_follow_up(cohort, mon.days)
    _warn_progression_unknown(cohort, mon.days)
    sets = feature_sets_to_train(experiment, settings, cohort)
    name = mon.feature_set or list(sets)[-1]
    entries = dict(experiment.feature_sets).get(name) or sets[name]
    registered_name = f"{experiment.name}{LANDMARKS_SUFFIX}"
    with start_study_run(registered_name, tracking_uri=tracking_uri,
                         log_patient_ids=log_patient_ids,
                         tags={"irpredict.kind": "landmarks"}) as study:
        log_provenance(study, cohort=cohort, experiment_file=experiment.path)
        bundle = fit_landmark_models(
            cohort, settings, mon.days, entries=entries, family=mon.family, feature_set=name,
            progress=progress,
            mapping=with_known_values(experiment.data.mapping, cohort.patients)
            if experiment.data.source is not None else None)
        bundle.study = experiment.name
        _log_evaluation(study, bundle, settings, mon)
        model_uri = log_landmark_models(bundle, run=study)
        result = LandmarkResult(study=registered_name, run_id=study.run_id, models=bundle,
                                model_uri=model_uri)
        if register:
            version = register_model(model_uri, registered_name, client=study.client,
                                     tags={"feature_set": name, "family": mon.family,
                                           "run_id": study.run_id})
            result.version = str(version.version)
            result.registered = f"models:/{registered_name}@champion"
    return result
