"""``train_study``: nested CV per feature set x model family, MLflow, final model."""

from dataclasses import dataclass, field

from irpredict.training.design import design_matrix, feature_sets_to_train
from irpredict.training.settings import model_settings

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


def _sites(design, settings):
    if not settings.group_by_site or design.sites is None:
        return None
    n_sites = design.sites.nunique()
    return design.sites if n_sites >= settings.outer_folds else None


#: Below these counts a class's AUC and its CI say little (a CI of width 0 is no precision).
SMALL_CLASS_PATIENTS, SMALL_CLASS_OUTCOMES = 20, 5


#: A feature measured in fewer patients than this share is named in the notes.
SPARSE_FEATURE_SHARE = 0.05


def _listed(names, limit=5):
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


#: A single feature whose AUC against the label reaches this (or 1 minus it) is named.
PROXY_AUC = 0.98


def _proxy_notes(design):
    """Features that alone separate responders from non-responders: the label under a name?"""
    import numpy as np
    from pandas.api.types import is_numeric_dtype
    from sklearn.metrics import roc_auc_score

    y = design.y.to_numpy()
    proxies = []
    for column in design.feature_columns:
        values = design.X[column]
        if column == "therapy_class" or not is_numeric_dtype(values):
            continue
        known = values.notna().to_numpy()
        if known.sum() < 20 or len(np.unique(y[known])) < 2:
            continue
        auc = roc_auc_score(y[known], values.to_numpy(dtype=float)[known])
        if max(auc, 1 - auc) >= PROXY_AUC:
            proxies.append(f"{column} (AUC {max(auc, 1 - auc):.3f})")
    if not proxies:
        return []
    return [f"{_listed(proxies)} alone separate(s) responders from non-responders: if read from "
            "the outcome (a response, progression or follow-up column under another name), "
            "list it under [data.columns] exclude; the CV AUC is not a prediction otherwise"]


def _feature_notes(design):
    """Features that cannot inform the model: one value for every patient, or almost never seen."""
    X = design.X[[c for c in design.feature_columns if c != "therapy_class"]]
    measured = X.notna().mean()
    constant = [c for c in X.columns if measured[c] > 0 and X[c].nunique(dropna=True) <= 1
                and measured[c] == 1]
    sparse = [c for c in X.columns if measured[c] < SPARSE_FEATURE_SHARE]
    notes = []
    if constant:
        notes.append(f"{len(constant)} feature(s) hold one value for every patient and inform "
                     f"nothing: {_listed(constant)}")
    if sparse:
        notes.append(f"{len(sparse)} feature(s) are measured in fewer than "
                     f"{SPARSE_FEATURE_SHARE:.0%} of patients, so the model reads mostly their "
                     f"missingness: {_listed(sparse)}")
    return notes


def _overall_notes(metrics, feature_set, family):
    """The overall AUC above every class's AUC: it also rewards telling the classes apart."""
    from irpredict.evaluation import OVERALL

    auc = metrics[(metrics["feature_set"] == feature_set) & (metrics["model"] == family)
                  & (metrics["metric"] == "auc")]
    overall = auc.loc[auc["therapy_class"] == OVERALL, "estimate"]
    classes = auc[auc["therapy_class"] != OVERALL]
    if overall.empty or len(classes) < 2 or classes["estimate"].isna().all():
        return []
    rates = classes["n_responders"] / classes["n_patients"]
    if not overall.iloc[0] > classes["estimate"].max():
        return []
    return [f"the overall AUC of {feature_set}/{family} ({overall.iloc[0]:.3f}) is above every "
            f"therapy class's ({classes['estimate'].min():.3f}-{classes['estimate'].max():.3f}): "
            f"response rates differ between classes ({rates.min():.0%}-{rates.max():.0%}), and "
            "the pooled AUC also rewards telling the classes apart; judge the model by the "
            "per-class rows"]


#: A pooled out-of-fold AUC this far below the mean of per-fold AUCs is named.
FOLD_AUC_GAP = 0.05


def _fold_notes(metrics, feature_set, family):
    """Pooled AUC far below the per-fold mean: the folds' models differ in calibration."""
    rows = metrics[(metrics["feature_set"] == feature_set) & (metrics["model"] == family)]
    wide = rows.pivot_table(index="therapy_class", columns="metric", values="estimate")
    if not {"auc", "auc_mean_of_folds"} <= set(wide.columns):
        return []
    gap = (wide["auc_mean_of_folds"] - wide["auc"]).dropna()
    far = gap[gap >= FOLD_AUC_GAP]
    if far.empty:
        return []
    shown = ", ".join(f"{c} {wide.at[c, 'auc']:.3f} pooled vs {wide.at[c, 'auc_mean_of_folds']:.3f}"
                      for c in far.index)
    return [f"pooled out-of-fold AUC well below the mean of per-fold AUCs ({shown}): the folds' "
            "models put this class's probabilities on different scales (small or unbalanced "
            "folds, e.g. grouped by site); the pooled AUC is the honest headline, and the "
            "spread says its models are unstable"]


def _routing_notes(design, settings):
    """Which classes the pooled model scores (the same in every fold and in the final model)."""
    from irpredict.models.per_therapy import own_model_classes

    therapy = design.X["therapy_class"].astype(str).to_numpy()
    classes = sorted(set(therapy))
    own = own_model_classes(therapy, design.y.to_numpy(), min_patients=settings.min_patients,
                            min_responders=settings.min_responders)
    pooled = [c for c in classes if c not in own]
    if not pooled or len(classes) == 1:
        return []
    why = (f"fewer than min_patients = {settings.min_patients} patients or min_responders = "
           f"{settings.min_responders} responders or non-responders")
    if not own:
        return [f"every therapy class has {why}: one pooled model with therapy-class "
                "indicators scores them all"]
    return [f"{', '.join(pooled)}: {why}, so the pooled model (all classes, with therapy-class "
            "indicators) scores them, in every fold and in the registered model"]


def _design_notes(design, settings):
    """What the results table does not show: small classes, site grouping not applied."""
    notes = []
    counts = design.y.groupby(design.X["therapy_class"].astype(str).to_numpy()).agg(
        ["size", "sum"])
    for therapy, (n, responders) in counts.iterrows():
        if n < SMALL_CLASS_PATIENTS or min(responders, n - responders) < SMALL_CLASS_OUTCOMES:
            notes.append(f"{therapy}: {int(n)} patients ({int(responders)} responders) are too "
                         "few for its AUC and CI to mean much; read its row as a placeholder")
    notes += _routing_notes(design, settings)
    fewest = int(min(design.y.sum(), len(design.y) - design.y.sum()))
    if fewest < settings.outer_folds:
        notes.append(f"outer_folds = {settings.outer_folds} exceeds the {fewest} patients of the "
                     "rarer outcome, so some test folds hold none of them and their fold AUC "
                     "is undefined; the pooled AUC still stands (outer_folds = "
                     f"{max(2, min(10, fewest))} would give every fold both outcomes)")
    notes += _feature_notes(design)
    notes += _proxy_notes(design)
    if settings.group_by_site and design.sites is not None and design.sites.nunique() > 1 \
            and _sites(design, settings) is None:
        notes.append(f"the cohort has {design.sites.nunique()} sites, fewer than the "
                     f"{settings.outer_folds} outer folds, so folds are stratified, not grouped "
                     "by site (set outer_folds to the number of sites or fewer to group them)")
    return notes


def _child_params(settings, set_name, family, design, cv):
    params = {"feature_set": set_name, "family": family, "n_features": len(design.feature_columns),
              "n_patients": len(design.y), "landmark_days": design.landmark_days,
              "outer_folds": settings.outer_folds, "inner_folds": settings.inner_folds,
              "repeats": settings.repeats, "calibration": ",".join(settings.calibration),
              "min_patients": settings.min_patients, "min_responders": settings.min_responders,
              "seed": settings.seed, "grouped_by_site": cv.config["grouped_by_site"]}
    best = cv.best_params[cv.best_params["model"] == family]
    for row in best.itertuples():
        for key, value in (row.params or {}).items():
            params[f"fold{row.repeat}.{row.fold}.{key.split('__')[-1]}"] = value
    return params


def _figures(oof, settings):
    from irpredict.evaluation import decision_curve
    from irpredict.evaluation.plots import plot_calibration, plot_decision_curve, plot_roc

    first = oof[oof["repeat"] == 0]
    curve = decision_curve(first["y"].to_numpy(), first["prob"].to_numpy(),
                           n_bootstrap=min(settings.n_bootstrap, 200),
                           random_state=settings.seed)
    return {"roc": plot_roc(oof),
            "calibration": plot_calibration(first["y"].to_numpy(), first["prob"].to_numpy()),
            "decision_curve": plot_decision_curve(curve)}


def _train_feature_set(study, design, set_name, settings, progress, watch):
    from irpredict.evaluation import nested_cv, summarize_predictions
    from irpredict.evaluation.summary import to_wide
    from irpredict.tracking import log_child_run

    def tick(done, total):
        if progress is not None:
            progress(set_name, done, total)

    cv = nested_cv(design.X, design.y, estimator=list(settings.families),
                   sites=_sites(design, settings), outer_folds=settings.outer_folds,
                   inner_folds=settings.inner_folds, n_repeats=settings.repeats,
                   calibration=list(settings.calibration), random_state=settings.seed,
                   progress=tick, param_grid=settings.grids or None,
                   min_patients=settings.min_patients,
                   min_responders=settings.min_responders)
    summary = summarize_predictions(cv.oof, threshold=settings.threshold,
                                    n_bootstrap=settings.n_bootstrap,
                                    random_state=settings.seed)
    summary.insert(0, "feature_set", set_name)
    for family in settings.families:
        oof = cv.oof[cv.oof["model"] == family]
        metrics = to_wide(summary[summary["model"] == family].drop(columns="feature_set"))
        figures = _figures(oof, settings)
        with watch:
            log_child_run(study, f"{set_name}/{family}",
                          _child_params(settings, set_name, family, design, cv), metrics, oof,
                          figures=figures, tags={"irpredict.feature_set": set_name,
                                                 "irpredict.family": family})
        _close(figures)
    return design, summary


def _close(figures):
    for fig in figures.values():
        fig.clear()


def _final_feature_set(settings, sets):
    feature_set = settings.final_feature_set or list(sets)[-1]
    if feature_set not in sets:
        from irpredict.exceptions import ExperimentConfigError

        raise ExperimentConfigError(
            f"[model] final_feature_set {feature_set!r} is not trained; trained: {list(sets)}.")
    return feature_set


def _choose_final(settings, sets, metrics):
    feature_set = _final_feature_set(settings, sets)
    family = settings.final_family
    if family == "best":
        auc = metrics[(metrics["feature_set"] == feature_set) & (metrics["metric"] == "auc")
                      & (metrics["therapy_class"] == "overall")]
        family = str(auc.sort_values("estimate", ascending=False)["model"].iloc[0])
    return feature_set, family


def _warn_one_outcome_classes(cohort):
    """A class whose labelled patients all share one outcome gets no real model."""
    import warnings

    from irpredict.exceptions import DataWarning

    if not cohort.has_label:
        return
    patients = cohort.patients
    labelled = patients[patients[cohort.label_col].notna()]
    for therapy, group in labelled.groupby("therapy_class", sort=True, observed=True):
        responders = int(group[cohort.label_col].sum())
        if responders in (0, len(group)):
            warnings.warn(
                f"{therapy}: {responders} responders among {len(group)} labelled patients; its "
                "AUC is undefined and no model can learn who responds in this class (its "
                "patients all get about the same probability). Check its labels, or leave the "
                "class out", DataWarning, stacklevel=3)


def train_study(experiment, *, settings=None, tracking_uri=None, log_patient_ids=False,
                progress=None, register=True):
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

    Returns
    -------
    TrainResult
    """
    import time

    import pandas as pd

    from irpredict.tracking import log_provenance, register_model, start_study_run
    from irpredict.training.fitting import fit_final_model, numeric_ranges
    from irpredict.training.overlap import training_fingerprints
    from irpredict.training.publish import log_response_model
    from irpredict.training.response_model import ResponseModel

    settings = settings or model_settings(experiment.raw.get("model"),
                                          where=f"{experiment.path} [model]")
    cohort = experiment.load_cohort()
    sets = feature_sets_to_train(experiment, settings, cohort)
    _final_feature_set(settings, sets)  # a bad final choice fails before any training
    _warn_one_outcome_classes(cohort)
    notes, watch, started = [], _Stopwatch(), time.perf_counter()
    # every design is built (and its data refused, if it must be) before a run is opened
    designs = {set_name: design_matrix(cohort, entries,
                                       landmark_days=settings.landmark_for(set_name))
               for set_name, entries in sets.items()}
    with start_study_run(experiment.name, tracking_uri=tracking_uri,
                         log_patient_ids=log_patient_ids,
                         tags={"irpredict.kind": "train"}) as study:
        with watch:
            log_provenance(study, cohort=cohort, experiment_file=experiment.path)
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
        notes += _design_notes(design, settings)
        notes += _overall_notes(metrics, feature_set, family)
        notes += _fold_notes(metrics, feature_set, family)
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
            mapping=experiment.data.mapping if experiment.data.source is not None else None,
            training_rows=training_fingerprints(design.X, design.feature_columns,
                                            design.patient_columns),
            units=dict(cohort.units),
        )
        with watch:
            model_uri = log_response_model(final, design.X, run=study)
            study.client.log_param(study.run_id, "final_model", f"{feature_set}/{family}")
        result = TrainResult(study=experiment.name, run_id=study.run_id, metrics=metrics,
                             final=final, model_uri=model_uri, notes=notes)
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
