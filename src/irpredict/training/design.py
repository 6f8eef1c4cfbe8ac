"""The modelling frame of one feature set: features, therapy class, label, sites."""

from dataclasses import dataclass, field

from irpredict.exceptions import CohortDataError, ExperimentConfigError

__all__ = ["Design", "MEASUREMENT_MARKER", "cv_sites", "design_matrix", "feature_sets_to_train",
           "warn_one_outcome_classes"]

#: Feature-set entries ``measurements:<biomarker>`` (or ``measurements:*``) stand for the
#: features built from that biomarker's draws up to the landmark.
MEASUREMENT_MARKER = "measurements:"
_TUMOR = "tumor_size"


@dataclass
class Design:
    """Everything the models need for one feature set.

    Attributes
    ----------
    X : pandas.DataFrame
        Features plus the ``therapy_class`` column, one row per labelled patient.
    y : pandas.Series
        0/1 response, same index.
    sites : pandas.Series or None
        Site per patient (for grouped folds), when the cohort has one.
    feature_columns : list of str
        Columns of ``X`` that are features (``therapy_class`` excluded).
    patient_columns : list of str
        Patients-table columns used.
    biomarkers : list of str or None
        Measured biomarkers used (``None`` = every allowed biomarker).
    include_tumor : bool or None
        ``False``: no tumour-size features; ``None``: tumour-size features
        unless the cohort flags the series as response-derived.
    landmark_days : float
    dropped_unlabelled : list of str
        Patients left out because their label is missing.
    empty_columns : list of str
        Patients-table columns of the feature set left out as they hold no value at all.
    """

    X: object
    y: object
    sites: object
    feature_columns: list
    patient_columns: list
    biomarkers: object
    include_tumor: bool
    landmark_days: float
    dropped_unlabelled: list = field(default_factory=list)
    empty_columns: list = field(default_factory=list)


def _where(experiment):
    path = getattr(experiment, "path", None)
    return f"{path} [model]" if path is not None else "[model]"


def check_feature_set_names(settings, declared, *, where="[model]", sensitivity=()):
    """``feature_sets``, ``feature_set_landmarks`` and ``final_feature_set`` of ``[model]``
    name declared sets, and the final set is one the study trains.

    Parameters
    ----------
    settings : irpredict.training.ModelSettings
    declared : iterable of str
        The names ``[feature_sets]`` defines.
    where : str
    sensitivity : iterable of str
        The sets marked ``sensitivity = true`` (trained only when ``feature_sets`` names them).

    Raises
    ------
    ExperimentConfigError
        Naming the unknown sets and the defined ones.
    """
    from difflib import get_close_matches

    declared = list(declared)
    for key, names in (("feature_sets", settings.feature_sets),
                       ("feature_set_landmarks", list(settings.feature_set_landmarks))):
        if not declared and key == "feature_set_landmarks":
            unknown = [n for n in names if n != "all"]
            if unknown:
                raise ExperimentConfigError(
                    f"{where}: feature_set_landmarks names {unknown}, but the experiment "
                    "declares no [feature_sets]: its one feature set is 'all' (every "
                    "feature). Declare the sets under [feature_sets], or set the landmark of "
                    "'all' (or [model] landmark_days).")
            continue
        unknown = [n for n in names if n not in declared]
        if unknown:
            close = [m for n in unknown for m in get_close_matches(n, declared, n=1)]
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ExperimentConfigError(
                f"{where}: {key} names {unknown}, which [feature_sets] does not define; "
                f"defined: {sorted(declared)}.{hint}")
    _check_final_set(settings, declared, set(sensitivity), where)


def _check_final_set(settings, declared, sensitivity, where):
    """The final feature set is one the study trains."""
    from difflib import get_close_matches

    final = settings.final_feature_set
    if not final or not declared:
        return
    if final not in declared:
        close = get_close_matches(final, declared, n=1)
        raise ExperimentConfigError(
            f"{where}: final_feature_set {final!r} is not in [feature_sets] ({declared})"
            + (f"; did you mean {close[0]!r}?" if close else "."))
    if settings.feature_sets and final not in settings.feature_sets:
        raise ExperimentConfigError(
            f"{where}: final_feature_set {final!r} is not among the sets feature_sets trains "
            f"({list(settings.feature_sets)}); add it there or choose one of them.")
    if not settings.feature_sets and final in sensitivity:
        raise ExperimentConfigError(
            f"{where}: final_feature_set {final!r} is a sensitivity set (sensitivity = true), "
            "which train leaves out unless [model] feature_sets names it; name it there "
            "(feature_sets = [..., " f"{final!r}]) or choose another final set.")


def feature_sets_to_train(experiment, settings, cohort):
    """The ``{name: entries}`` feature sets a study trains, in file order.

    Parameters
    ----------
    experiment : irpredict.experiment.Experiment or None
    settings : irpredict.training.ModelSettings
    cohort : irpredict.data.Cohort

    Returns
    -------
    dict of str to list of str
    """
    declared = dict(experiment.feature_sets) if experiment is not None else {}
    sensitivity = set(getattr(experiment, "sensitivity_sets", ()) or ())
    check_feature_set_names(settings, declared, where=_where(experiment),
                            sensitivity=sensitivity)
    if settings.feature_sets:
        return {n: declared[n] for n in settings.feature_sets}
    chosen = {n: cols for n, cols in declared.items() if n not in sensitivity}
    if chosen:
        return chosen
    entries = list(cohort.feature_columns)
    if cohort.measurements is not None and len(cohort.measurements):
        entries.append(MEASUREMENT_MARKER + "*")
    return {"all": entries}


def _split_entries(entries):
    columns, biomarkers, wildcard = [], [], False
    for entry in entries:
        if entry.startswith(MEASUREMENT_MARKER):
            name = entry[len(MEASUREMENT_MARKER):]
            if name == "*":
                wildcard = True
            else:
                biomarkers.append(name)
        else:
            columns.append(entry)
    return columns, biomarkers, wildcard


def design_matrix(cohort, entries, *, landmark_days, baseline_window=(-30, 0)):
    """Build the modelling frame of one feature set.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
        A labelled cohort.
    entries : list of str
        Patients-table columns and ``measurements:<biomarker>`` markers.
    landmark_days : float
        Landmark of the on-treatment features (0 = baseline values only).
    baseline_window : tuple of float, default=(-30, 0)

    Returns
    -------
    Design

    Raises
    ------
    CohortDataError
        When the cohort has no label, or fewer than two classes remain.
    """
    from irpredict.features import build_features

    if not cohort.has_label:
        raise CohortDataError(
            f"cohort {cohort.name!r} has no label column {cohort.label_col!r}; training needs "
            "a 0/1 response per patient (set [data] label in the experiment file).")
    columns, biomarkers, wildcard = _split_entries(entries)
    use_tumor = wildcard or _TUMOR in biomarkers
    biomarkers = [b for b in biomarkers if b != _TUMOR]
    has_draws = cohort.measurements is not None and len(cohort.measurements) > 0
    wanted = None if wildcard else biomarkers
    if not has_draws or (not wildcard and not biomarkers):
        wanted = [] if has_draws else None
    # None = tumour features unless the cohort flags the series as response-derived
    include_tumor = None if use_tumor else False
    features = build_features(
        cohort, landmark_days=landmark_days, baseline_window=baseline_window,
        biomarkers=wanted, include_tumor=include_tumor, patient_columns=columns,
    )
    X = features.X
    y = features.y
    labelled = y.notna()
    dropped = X.index[~labelled].astype(str).tolist()
    X, y = X.loc[labelled].copy(), y.loc[labelled].astype(int)
    if y.nunique() < 2:
        raise CohortDataError(
            f"cohort {cohort.name!r}: the {len(y)} labelled patients are all "
            f"{'responders' if len(y) and y.iloc[0] == 1 else 'non-responders'}; "
            "a model needs both.")
    # columns with no value at all (e.g. kinetics of a biomarker not drawn before the
    # landmark) carry nothing; the same in every fold, so dropping them cannot leak
    filled = X.notna().any()
    empty = [c for c in columns if c in filled.index and not filled[c]]
    X = X.loc[:, filled]
    feature_columns = list(X.columns)
    X["therapy_class"] = features.therapy_class.loc[X.index]
    sites = None
    if "site" in cohort.patients.columns:
        site = cohort.patients.set_index("patient_id")["site"]
        sites = site.reindex(X.index).astype(str)
    return Design(X=X, y=y, sites=sites, feature_columns=feature_columns,
                  patient_columns=columns, biomarkers=wanted, include_tumor=include_tumor,
                  landmark_days=float(landmark_days), dropped_unlabelled=dropped,
                  empty_columns=empty)


def cv_sites(design, settings):
    """The sites the outer folds are grouped by, or None.

    Parameters
    ----------
    design : Design
    settings : irpredict.training.ModelSettings

    Returns
    -------
    pandas.Series or None
        ``design.sites`` when ``group_by_site`` is on and there are at least as many sites
        as outer folds; else None (folds are stratified only).
    """
    if not settings.group_by_site or design.sites is None:
        return None
    return design.sites if design.sites.nunique() >= settings.outer_folds else None


def warn_one_outcome_classes(cohort, *, where="", fix="Check its labels, or leave the class "
                                                        "out"):
    """Warn about each therapy class whose labelled patients all share one outcome: it gets
    no real model.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
    where : str, default=""
        Said before the class (e.g. ``"at landmark day 42, "``).
    fix : str
        What to do about it.
    """
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
                f"{where}{therapy}: {responders} responders among {len(group)} labelled "
                "patients; its AUC is undefined and no model can learn who responds in this "
                "class (its patients all get about the same probability, and an overall AUC "
                f"partly measures the class itself). {fix}", DataWarning, stacklevel=3)
