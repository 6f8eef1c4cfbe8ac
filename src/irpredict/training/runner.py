"""``train_study``: nested CV per feature set x model family, MLflow, final model."""

from dataclasses import dataclass, field

from irpredict.data._therapy_rule import with_known_values
from irpredict.training.design import (
    cv_sites,
    design_matrix,
    feature_sets_to_train,
    warn_one_outcome_classes,
)
from irpredict.training.notes import design_notes, result_notes
from irpredict.training.settings import check_folds, model_settings

__all__ = ["TrainResult", "train_study", "results_table"]


@dataclass
class TrainResult:
    """What one ``train`` produced.

    Attributes
    ----------
    study : str
    run_id : str
        The parent MLflow run.
    metrics : pandas.DataFrame
        Tidy metrics of every feature set x family x therapy class, with CIs.
    final : irpredict.training.ResponseModel
        The model refitted on all patients.
    model_uri : str
        Logged model URI (``models:/m-...``).
    registered : str
        ``models:/<study>@champion`` when registered, else empty.
    version : str
        Registered version.
    notes : list of str
        Things the user should know (dropped patients, fallbacks).
    on_treatment : dict of str to bool
        Per feature set, whether any of its features reads a value dated after day 0.
    seconds : dict of str to float
        Wall time of the whole run (``total``) and of the MLflow logging in it
        (``tracking``).
    """

    study: str
    run_id: str
    metrics: object
    final: object
    model_uri: str = ""
    registered: str = ""
    version: str = ""
    notes: list = field(default_factory=list)
    on_treatment: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)


class _Stopwatch:
    """Accumulate the wall time spent inside ``with watch:`` blocks."""

    def __init__(self):
        self.seconds = 0.0

    def __enter__(self):
        import time

        self._start = time.perf_counter()

    def __exit__(self, *exc):
        import time

        self.seconds += time.perf_counter() - self._start


def _child_params(settings, set_name, family, design, cv):
    params = {"feature_set": set_name, "family": family, "n_features": len(design.feature_columns),
              "n_patients": len(design.y), "landmark_days": design.landmark_days,
              "outer_folds": settings.outer_folds, "inner_folds": settings.inner_folds,
              "repeats": settings.repeats, "calibration": ",".join(settings.calibration),
              "min_patients": settings.min_patients, "min_responders": settings.min_responders,
              "seed": settings.seed, "threshold": settings.threshold,
              "n_bootstrap": settings.n_bootstrap,
              "grouped_by_site": cv.config["grouped_by_site"]}
    best = cv.best_params[cv.best_params["model"] == family]
    for row in best.itertuples():
        for key, value in (row.params or {}).items():
            params[f"fold{row.repeat}.{row.fold}.{key.split('__')[-1]}"] = value
    return params


def _settings_params(settings):
    """Every setting the study ran with (the file's, with command-line overrides), as the
    parent run's ``settings.<key>`` parameters."""
    import json
    from dataclasses import asdict

    from mlflow.entities import Param

    def text(value):
        if isinstance(value, (dict, list, tuple)):
            return json.dumps(value if not isinstance(value, tuple) else list(value),
                              sort_keys=True)
        return str(value)

    return [Param(f"settings.{key}", text(value)) for key, value in asdict(settings).items()]


def _figures(oof, settings):
    from irpredict.evaluation import decision_curve
    from irpredict.evaluation.plots import plot_calibration, plot_decision_curve, plot_roc

    first = oof[oof["repeat"] == 0]
    curve = decision_curve(first["y"].to_numpy(), first["prob"].to_numpy(),
                           n_bootstrap=min(settings.n_bootstrap, 200),
                           random_state=settings.seed)
    figures = {"roc": plot_roc(oof),
               "calibration": plot_calibration(first["y"].to_numpy(), first["prob"].to_numpy()),
               "decision_curve": plot_decision_curve(curve)}
    repeats = oof["repeat"].nunique()
    if repeats > 1:  # the figures draw one repeat; the metrics average them all
        for figure in figures.values():
            ax = figure.axes[0]
            ax.set_title(f"{ax.get_title()}\n(repeat 1 of {repeats}; the metrics average all "
                         f"{repeats})", fontsize=9)
    return figures


#: Thresholds of the decision-curve table logged with every child run.
CURVE_THRESHOLDS = tuple(round(t / 20, 2) for t in range(1, 20))


def _train_feature_set(study, design, set_name, settings, progress, watch):
    from irpredict.evaluation import decision_curves, nested_cv, summarize_predictions
    from irpredict.evaluation.summary import to_wide
    from irpredict.tracking import log_child_run

    def tick(done, total):
        if progress is not None:
            progress(set_name, done, total)

    cv = nested_cv(design.X, design.y, estimator=list(settings.families),
                   sites=cv_sites(design, settings), outer_folds=settings.outer_folds,
                   inner_folds=settings.inner_folds, n_repeats=settings.repeats,
                   calibration=list(settings.calibration), random_state=settings.seed,
                   progress=tick, param_grid=settings.grids or None,
                   min_patients=settings.min_patients,
                   min_responders=settings.min_responders, n_jobs=settings.n_jobs)
    summary = summarize_predictions(cv.oof, threshold=settings.threshold,
                                    n_bootstrap=settings.n_bootstrap,
                                    random_state=settings.seed)
    summary.insert(0, "feature_set", set_name)
    for family in settings.families:
        oof = cv.oof[cv.oof["model"] == family]
        metrics = to_wide(summary[summary["model"] == family].drop(columns="feature_set"))
        figures = _figures(oof, settings)
        curves = decision_curves(oof, CURVE_THRESHOLDS, n_bootstrap=min(settings.n_bootstrap, 200),
                                 random_state=settings.seed)
        with watch:
            log_child_run(study, f"{set_name}/{family}",
                          _child_params(settings, set_name, family, design, cv), metrics, oof,
                          figures=figures, tags={"irpredict.feature_set": set_name,
                                                 "irpredict.family": family},
                          tables={"decision_curves": curves})
        _close(figures)
    return design, summary


def _close(figures):
    for fig in figures.values():
        fig.clear()


def _final_feature_set(settings, sets, path=None, *, what="trained"):
    feature_set = settings.final_feature_set or list(sets)[-1]
    if feature_set not in sets:
        from difflib import get_close_matches

        from irpredict.exceptions import ExperimentConfigError

        close = get_close_matches(feature_set, list(sets), n=1)
        raise ExperimentConfigError(
            f"{f'{path} ' if path else ''}[model]: final_feature_set {feature_set!r} is not "
            f"{what} ({list(sets)})" + (f"; did you mean {close[0]!r}?" if close else "."))
    return feature_set


def _choose_final(settings, sets, metrics):
    feature_set = _final_feature_set(settings, sets)
    family = settings.final_family
    if family == "best":
        auc = metrics[(metrics["feature_set"] == feature_set) & (metrics["metric"] == "auc")
                      & (metrics["therapy_class"] == "overall")]
        family = str(auc.sort_values("estimate", ascending=False)["model"].iloc[0])
    return feature_set, family


def _reads_on_treatment(design):
    day = design.landmark_days
    return day > 0 and any(c.endswith(f"_d{day:g}") for c in design.feature_columns)


def _refuse_uninformative_sets(designs, path):
    """A feature set none of whose columns varies between patients would be a model of the
    therapy class alone, registered as if it read the patients' data."""
    for set_name, design in designs.items():
        X = design.X[[c for c in design.feature_columns if c != "therapy_class"]]
        # within a therapy class, as each class's model sees it (a trial arm column is
        # one value per class: the class again)
        within = X.groupby(design.X["therapy_class"].astype(str), observed=True)
        varies = [c for c in X.columns
                  if (within[c].nunique(dropna=True) > 1).any()
                  or ((within[c].count() > 0) & (within[c].count() < within[c].size())).any()]
        if not varies:
            from irpredict.exceptions import ExperimentConfigError

            columns = [*design.empty_columns, *X.columns]
            shown = ", ".join(columns[:8]) + (" ..." if len(columns) > 8 else "")
            raise ExperimentConfigError(
                f"{path}: feature set {set_name!r} has no feature that varies between "
                f"patients of a therapy class ({shown or 'no columns'}: each empty, or one "
                "value for everyone of a class, as a trial-arm column is), so its models would "
                "read the therapy class alone. Give it columns that hold the patients' data, "
                "or leave the set out")


def train_study(experiment, *, settings=None, tracking_uri=None, log_patient_ids=False,
                progress=None, register=True, command=None):
    """Train and evaluate every feature set x family of a study; register the final model.

    Parameters
    ----------
    experiment : irpredict.experiment.Experiment
    settings : irpredict.training.ModelSettings or None
        ``None`` reads the experiment's ``[model]`` section.
    tracking_uri : str or None
        MLflow store (default ``sqlite:///mlruns/mlflow.db`` under the cwd).
    log_patient_ids : bool, default=False
        Log raw patient ids in artifacts instead of salted hashes.
    progress : callable or None
        ``progress(stage, done, total)`` after each outer fit.
    register : bool, default=True
        Register the final model as ``<study>`` and move alias ``champion``.
    command : str or None
        The command line that ran the study, kept as the parent run's
        ``irpredict.command`` tag (the settings it used are logged as
        ``settings.<key>`` parameters either way, command-line overrides included).

    Returns
    -------
    TrainResult
    """
    from irpredict.experiment import Experiment

    if not isinstance(experiment, Experiment):
        raise TypeError("train_study takes an Experiment, irpredict.experiment.load_experiment("
                        f"path); got {type(experiment).__name__}")
    import time

    import pandas as pd

    from irpredict.tracking import log_provenance, register_model, start_study_run
    from irpredict.training.fitting import fit_final_model, never_missing, numeric_ranges
    from irpredict.training.overlap import training_fingerprints
    from irpredict.training.publish import log_response_model
    from irpredict.training.response_model import ResponseModel

    settings = settings or model_settings(experiment.raw.get("model"),
                                          where=f"{experiment.path} [model]")
    declared = dict(experiment.feature_sets)
    if settings.final_feature_set and declared:  # said before the data are read
        _final_feature_set(settings, declared, experiment.path, what="in [feature_sets]")
    cohort = experiment.load_cohort()
    sets = feature_sets_to_train(experiment, settings, cohort)
    _final_feature_set(settings, sets, experiment.path)  # fails before any training
    check_folds(settings, cohort, where=f"{experiment.path} [model]")
    warn_one_outcome_classes(cohort)
    notes, watch, started = [], _Stopwatch(), time.perf_counter()
    # every design is built (and its data refused, if it must be) before a run is opened
    designs = {set_name: design_matrix(cohort, entries,
                                       landmark_days=settings.landmark_for(set_name))
               for set_name, entries in sets.items()}
    _refuse_uninformative_sets(designs, experiment.path)
    with start_study_run(experiment.name, tracking_uri=tracking_uri,
                         log_patient_ids=log_patient_ids,
                         tags={"irpredict.kind": "train"}) as study:
        with watch:
            log_provenance(study, cohort=cohort, experiment_file=experiment.path)
            from mlflow.entities import Param, RunTag

            label = ([Param("data.label_definition", cohort.label_definition)]
                     if cohort.label_definition else [])
            study.client.log_batch(study.run_id, params=_settings_params(settings) + label,
                                   tags=[RunTag("irpredict.command", command)]
                                   if command else [])
        tables = []
        for set_name, design in designs.items():
            tables.append(_train_feature_set(study, design, set_name, settings, progress,
                                             watch)[1])
        metrics = pd.concat(tables, ignore_index=True)
        feature_set, family = _choose_final(settings, sets, metrics)
        design = designs[feature_set]
        if design.dropped_unlabelled:
            notes.append(f"{len(design.dropped_unlabelled)} patients without a label were left "
                         "out of training")
        notes += design_notes(design, settings)
        notes += result_notes(metrics, feature_set, family)
        if settings.final_family == "best":
            notes.append(f"final_family = \"best\": {family} was chosen after training, for "
                         f"the highest pooled out-of-fold AUC of {feature_set}, so that AUC is "
                         "optimistic for it (the winner of several); declare the family in "
                         "[model] final_family for an estimate free of that choice")
        if progress is not None:
            progress("final model", 0, 1)
        classifier, best = fit_final_model(design, family, settings)
        final = ResponseModel(
            classifier=classifier, feature_columns=design.feature_columns,
            categorical_columns=[c for c in design.feature_columns
                                 if not pd.api.types.is_numeric_dtype(design.X[c])],
            patient_columns=design.patient_columns, biomarkers=design.biomarkers,
            include_tumor=design.include_tumor, landmark_days=design.landmark_days,
            study=experiment.name, feature_set=feature_set, family=family,
            label_col=cohort.label_col,
            therapies=sorted(design.X["therapy_class"].astype(str).unique()),
            numeric_ranges=numeric_ranges(design.X, design.feature_columns),
            never_missing=never_missing(design.X, design.feature_columns),
            # the rule keeps the values training saw: a value it never saw is refused later
            mapping=with_known_values(experiment.data.mapping, cohort.patients)
            if experiment.data.source is not None else None,
            training_rows=training_fingerprints(design.X, design.feature_columns,
                                            design.patient_columns),
            units=dict(cohort.units),
            threshold=settings.threshold,
            label_definition=cohort.label_definition,
        )
        with watch:
            model_uri = log_response_model(final, design.X, run=study)
            study.client.log_param(study.run_id, "final_model", f"{feature_set}/{family}")
        result = TrainResult(study=experiment.name, run_id=study.run_id, metrics=metrics,
                             final=final, model_uri=model_uri, notes=notes,
                             on_treatment={name: _reads_on_treatment(d)
                                           for name, d in designs.items()})
        if progress is not None:
            progress("final model", 1, 1)
        if register:
            with watch:
                version = register_model(model_uri, experiment.name, client=study.client,
                                         tags={"feature_set": feature_set, "family": family,
                                               "run_id": study.run_id})
            result.version = str(version.version)
            result.registered = f"models:/{experiment.name}@champion"
        total = time.perf_counter() - started
        result.seconds = {"total": total, "tracking": watch.seconds}
        study.client.log_batch(study.run_id, metrics=_time_metrics(result.seconds))
    return result


def _time_metrics(seconds):
    import time

    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    share = seconds["tracking"] / seconds["total"] if seconds["total"] else 0.0
    return [Metric("time_total_s", seconds["total"], now, 0),
            Metric("time_tracking_s", seconds["tracking"], now, 0),
            Metric("tracking_share", share, now, 0)]


def results_table(metrics):
    """Wide display table: therapy class x feature set x model with AUC [CI], Brier, slope."""
    import pandas as pd

    rows = []
    keys = ["therapy_class", "feature_set", "model"]
    for key, sub in metrics.groupby(keys, sort=False):
        by = sub.set_index("metric")
        auc = by.loc["auc"]
        rows.append({
            **dict(zip(keys, key, strict=True)),
            "n": int(auc["n_patients"]), "responders": int(auc["n_responders"]),
            "auc": auc["estimate"], "auc_low": auc["ci_low"], "auc_high": auc["ci_high"],
            "auc_mean_of_folds": by.loc["auc_mean_of_folds", "estimate"],
            "brier": by.loc["brier", "estimate"],
            "cal_slope": by.loc["calibration_slope", "estimate"],
        })
    table = pd.DataFrame(rows)
    order = {t: i for i, t in enumerate(sorted(table["therapy_class"].unique()))}
    order["overall"] = len(order)
    return table.sort_values("therapy_class", key=lambda s: s.map(order), kind="stable")
