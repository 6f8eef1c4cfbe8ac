"""Input checks shared by cross-validation and external evaluation, and of model grids."""

import numpy as np

from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.models._leakage import refuse_labels_among_features

__all__ = ["check_family_grids", "check_frame_and_labels", "check_sites", "first_ids",
           "check_every_class_trains", "check_both_outcomes_train", "check_calibration_folds"]


def first_ids(ids, k=5):
    """``"['P1', 'P2', ...] and 7 more"`` for error messages."""
    ids = [str(i) for i in ids]
    more = f" and {len(ids) - k} more" if len(ids) > k else ""
    return f"{ids[:k]}{more}"


def check_frame_and_labels(X, y, therapy_col, *, fitting=True):
    """Check the feature frame and labels; return ``y`` as an int array aligned to ``X``.

    For ``fitting``, a frame that holds the labels (by name or by value) is refused too; a
    fitted model scoring a cohort reads only its own columns."""
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        raise TypeError("X must be a pandas DataFrame indexed by patient_id; got "
                        f"{type(X).__name__}.")
    if therapy_col not in X.columns:
        raise CohortDataError(
            f"Column '{therapy_col}' is missing from the feature frame; add each patient's "
            "therapy class."
        )
    if X.index.has_duplicates:
        dup = X.index[X.index.duplicated()].unique()
        raise CohortDataError(
            f"The feature frame has {len(dup)} duplicated patient ids ({first_ids(dup)}); "
            "keep one row per patient."
        )
    label_name = y.name if isinstance(y, pd.Series) else None
    if isinstance(y, pd.Series):
        y = _aligned(y, X.index)
    try:
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise CohortDataError(f"The labels must be 0/1 numbers ({exc}); map responders to 1 "
                              "and non-responders to 0 (e.g. 'yes' -> 1, 'no' -> 0).") from None
    if y.shape != (len(X),):
        raise CohortDataError(
            f"Got {y.shape[0]} labels for {len(X)} patients; pass one per patient."
        )
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        where = f"Column {label_name!r}" if label_name is not None else "The labels"
        raise CohortDataError(
            f"{where}: {int(bad.sum())} patients have a label other than 0/1 "
            f"({first_ids(X.index[bad])}); drop unlabelled patients before evaluation."
        )
    if fitting:
        refuse_labels_among_features(X, y, label_name, therapy_col=therapy_col)
    return y.astype(int)


def _aligned(y, index):
    """Labels of a Series in the order of ``index`` (the feature frame's patient ids)."""
    if y.index.equals(index):
        return y.to_numpy()
    if set(y.index) != set(index):
        missing, extra = index.difference(y.index), y.index.difference(index)
        parts = []
        if len(missing):
            parts.append(f"no label for {len(missing)} patients of the feature frame "
                         f"({first_ids(missing)})")
        if len(extra):
            parts.append(f"labels for {len(extra)} patients not in the feature frame "
                         f"({first_ids(extra)})")
        raise CohortDataError(f"The labels do not match the feature frame: {'; '.join(parts)}; "
                              "pass one label per patient, indexed by the frame's patient ids.")
    if y.index.has_duplicates:
        raise CohortDataError("The labels hold some patient ids more than once "
                              f"({first_ids(y.index[y.index.duplicated()].unique())}); "
                              "pass one label per patient.")
    return y.loc[index].to_numpy()


def check_sites(sites, X):
    """Align a site Series to ``X``; None stays None."""
    import pandas as pd

    if sites is None:
        return None
    if isinstance(sites, pd.Series):
        missing = X.index.difference(sites.index)
        if len(missing):
            raise CohortDataError(
                f"The site Series misses {len(missing)} patients ({first_ids(missing)}); "
                "give every patient a site."
            )
        sites = sites.loc[X.index]
    sites = np.asarray(sites)
    if sites.shape != (len(X),):
        raise CohortDataError(f"Got {sites.shape[0] if sites.ndim else 1} sites for {len(X)} "
                              "patients; pass one site per patient (or a Series indexed by "
                              "patient id).")
    sites = pd.Series(sites, index=X.index)
    if sites.isna().any():
        raise CohortDataError(
            f"Column 'site' is empty for {int(sites.isna().sum())} patients "
            f"({first_ids(X.index[sites.isna().to_numpy()])}); fill it in or pass sites=None."
        )
    return sites.astype(str).to_numpy()


def check_family_grids(param_grid, names):
    """A grid per family name, each parameter with a list of candidates (before any fit)."""
    from irpredict.models.zoo import FAMILIES, grid_problems

    if not param_grid:
        return
    if not isinstance(param_grid, dict):
        raise ExperimentConfigError(f"param_grid must map a family to its grid, e.g. "
                                    f"{{'{names[0]}': {{...}}}}; got {type(param_grid).__name__}")
    stray = [key for key in param_grid if key not in FAMILIES]  # other families' grids: unused
    if stray:
        from difflib import get_close_matches

        family = next((f for f in FAMILIES if f.startswith(str(stray[0]).lower())), None) \
            or next(iter(get_close_matches(str(stray[0]).lower(), FAMILIES, n=1)), None)
        example = (f"{{'{family}': {{...}}}} for {stray[0]!r}" if family else
                   f"{{'{names[0]}': {{'{stray[0]}': [...]}}}}")
        raise ExperimentConfigError(
            f"param_grid names {stray}, which are not model families ({', '.join(FAMILIES)}); "
            f"with family names the grid is keyed by family, e.g. {example} (a flat grid is "
            "for a custom estimator)")
    problems = []
    for name in names:
        grid = param_grid.get(name) or {}
        if not isinstance(grid, dict):
            problems.append(f"the grid of {name!r} must map parameters to lists of values")
            continue
        scalars = [k for k, v in grid.items() if isinstance(v, str) or not hasattr(v, "__iter__")]
        if scalars:
            problems.append(f"the grid of {name!r} gives single values for {scalars}; give "
                            "each parameter a list of candidates, e.g. [0.5]")
            continue
        problems += grid_problems(name, grid)
    if problems:
        raise ExperimentConfigError("; ".join(problems) + ".")


def check_every_class_trains(therapy, y, folds, level, all_therapy, all_y):
    """Refuse folds whose training split lacks a therapy class its test split holds.

    The fold's model could not score those patients (an unknown therapy class),
    so say which class is too small (counted in the whole cohort) instead of
    failing at prediction time.
    """
    for train, test in folds:
        missing = sorted(set(therapy[test]) - set(therapy[train]))
        if missing:
            cls = missing[0]
            members = all_therapy == cls
            raise CohortDataError(
                f"therapy class '{cls}' has {int(members.sum())} patient(s) "
                f"({int(np.asarray(all_y)[members].sum())} responder(s)): an {level} "
                f"cross-validation fold would train without any of them and could not score "
                f"them. Give each therapy class enough patients to appear in every training "
                f"split ({len(folds)} {level} folds; with site grouping, in several sites), or "
                "leave the class out or merge it with another ([data] therapy_rule), or lower "
                f"[model] {level}_folds.")


def check_both_outcomes_train(y, folds, level, all_y):
    """Refuse folds whose training split holds one outcome only.

    The pooled model learns from every patient of a training split (a class with a model
    of its own that lacks an outcome there falls back to it), so the split needs both.
    """
    for train, _ in folds:
        outcomes = set(np.asarray(y)[train].tolist())
        if len(outcomes) == 2:
            continue
        lacking = "responder" if 1 not in outcomes else "non-responder"
        n_resp = int(np.asarray(all_y).sum())
        raise CohortDataError(
            f"the cohort has {n_resp} responder(s) and {len(all_y) - n_resp} non-responder(s): "
            f"a training split of the {len(folds)} {level} cross-validation folds would hold "
            f"no {lacking} to learn from. Lower [model] {level}_folds (2 is the least)"
            + (", give the grids one value each (no inner search)" if level == "inner" else "")
            + ", or add patients with the rarer outcome.")


def check_calibration_folds(therapy, folds, all_therapy, all_y):
    """Refuse training splits with fewer than two patients of a class when calibrating.

    The calibrator splits each training set again (``CalibratedModel``): a class it holds
    once would be missing from one of those folds' models.
    """
    for train, _ in folds:
        classes, counts = np.unique(therapy[train], return_counts=True)
        if (counts < 2).any():
            cls = classes[counts < 2][0]
            members = all_therapy == cls
            raise CohortDataError(
                f"therapy class '{cls}' has {int(members.sum())} patient(s) "
                f"({int(np.asarray(all_y)[members].sum())} responder(s)): post-hoc calibration "
                "splits each training set again and needs at least 2 of them in every training "
                "split. Set [model] calibration = ['none'], or leave the class out or merge it "
                "with another ([data] therapy_rule).")
