"""What a results table does not show, said in ``irpredict train``'s notes.

Small classes, pooled classes, site grouping not applied, uninformative or label-like
features, an overall AUC that rewards telling the classes apart, folds whose models disagree.
"""

from irpredict.training.design import cv_sites

__all__ = ["design_notes", "result_notes"]


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
    # a feature built from a measured series (tumour size, a lab) is excluded with its series
    series = sorted({p.split("__")[0] for p in proxies if "__" in p.split(" ")[0]})
    fix = ("list it under [data.columns] exclude" if len(series) < len(proxies) else "")
    if series:
        toml_list = "[" + ", ".join(f'"{name}"' for name in series) + "]"
        fix += (" or " if fix else "") + (
            f"mark its series response-derived ([data] response_derived_biomarkers = "
            f"{toml_list}, or response_derived = true on the source of "
            f"{'the tumour measurements' if series == ['tumor_size'] else 'that series'})")
    return [f"{_listed(proxies)} alone separate(s) responders from non-responders: if read from "
            "the outcome (a response, progression or follow-up column under another name, or "
            f"scans the response was read from), {fix}; the CV AUC is not a prediction "
            "otherwise"]


def _feature_notes(design):
    """Features that cannot inform the model: one value for every patient, or almost never seen."""
    X = design.X[[c for c in design.feature_columns if c != "therapy_class"]]
    measured = X.notna().mean()
    constant = [c for c in X.columns if measured[c] > 0 and X[c].nunique(dropna=True) <= 1
                and measured[c] == 1]
    sparse = [c for c in X.columns if measured[c] < SPARSE_FEATURE_SHARE]
    notes = []
    if design.empty_columns:
        notes.append(f"{len(design.empty_columns)} feature(s) of the feature set have no value "
                     f"for any labelled patient and are left out: {_listed(design.empty_columns)}")
    if constant:
        notes.append(f"{len(constant)} feature(s) hold one value for every patient and inform "
                     f"nothing: {_listed(constant)}")
    if sparse:
        notes.append(f"{len(sparse)} feature(s) are measured in fewer than "
                     f"{SPARSE_FEATURE_SHARE:.0%} of patients, so the model reads mostly their "
                     f"missingness: {_listed(sparse)}")
    return notes


def _duplicate_notes(design):
    """Columns of different biomarkers holding the same values for every patient (a
    patients-table column that is also a measurement series' day-0 value, two treatment
    flags that always go together): the model cannot tell them apart."""
    import hashlib

    import numpy as np
    from pandas.api.types import is_numeric_dtype

    from irpredict.explain.grouping import biomarker_of

    groups = {}
    for column in design.feature_columns:
        values = design.X[column]
        if column == "therapy_class" or values.nunique(dropna=True) < 2:
            continue  # constant or empty: said elsewhere
        if is_numeric_dtype(values):
            rounded = np.round(values.to_numpy(dtype=float), 9) + 0.0  # -0.0 is 0.0
            rounded[np.isnan(rounded)] = np.nan  # one bit pattern for every missing value
            key = rounded.tobytes()
        else:  # a category column: the same text for every patient
            key = "\x1f".join("" if v != v or v is None else str(v).strip()
                               for v in values.tolist()).encode("utf-8")
        groups.setdefault(hashlib.sha1(key).digest(), []).append(column)
    # the same biomarker's features (last = max after one draw) are explained as one
    twins = [" = ".join(g) for g in groups.values()
             if len({biomarker_of(c) for c in g}) > 1]
    if not twins:
        return []
    return [f"feature columns of different biomarkers hold the same value for every patient: "
            f"{_listed(twins)}; the model cannot tell them apart and explanations split their "
            "effect between them (if they record one measurement, e.g. a patients-table "
            "column that is also a series' day-0 value, leave one out of the feature set)"]


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


def design_notes(design, settings):
    """Notes on the final feature set's design matrix, before any result.

    Parameters
    ----------
    design : irpredict.training.Design
    settings : irpredict.training.ModelSettings

    Returns
    -------
    list of str
        Small classes, pooled classes, outer folds beyond the rarer outcome, constant,
        sparse, repeated or label-like features, site grouping not applied.
    """
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
    notes += _duplicate_notes(design)
    notes += _proxy_notes(design)
    if settings.group_by_site and design.sites is not None and design.sites.nunique() > 1 \
            and cv_sites(design, settings) is None:
        notes.append(f"the cohort has {design.sites.nunique()} sites, fewer than the "
                     f"{settings.outer_folds} outer folds, so folds are stratified, not grouped "
                     "by site (set outer_folds to the number of sites or fewer to group them)")
    return notes


def result_notes(metrics, feature_set, family):
    """Notes on the declared final model's out-of-fold results.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Tidy metrics of every feature set and family (``feature_set``, ``model``,
        ``therapy_class``, ``metric``, ``estimate``, ...).
    feature_set, family : str
        The final model's.

    Returns
    -------
    list of str
    """
    return _overall_notes(metrics, feature_set, family) + _fold_notes(metrics, feature_set,
                                                                         family)
