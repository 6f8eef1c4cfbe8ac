"""Model settings of a study: the ``[model]`` section of an experiment file."""

from dataclasses import dataclass, field, fields

from irpredict.exceptions import ExperimentConfigError

__all__ = ["ModelSettings", "model_settings", "check_folds", "default_jobs"]


@dataclass(frozen=True)
class ModelSettings:
    """How a study is trained and evaluated.

    Build it with :func:`model_settings` (from a ``[model]`` table), which checks every
    value; the class itself takes them as given.

    Parameters
    ----------
    families : tuple of str
        Model families compared by nested cross-validation
        (``logistic``, ``random_forest``, ``xgboost``, ``ensemble``).
    feature_sets : tuple of str
        Feature sets to train (names from ``[feature_sets]``); empty means
        every feature set that is not a sensitivity analysis, or one set
        ``all`` when the file declares none.
    landmark_days : float
        Landmark day for on-treatment features (``measurements:`` entries).
    feature_set_landmarks : dict of str to float
        Per-feature-set landmark overriding ``landmark_days`` (``0`` gives
        baseline values of measured biomarkers only).
    outer_folds, inner_folds, repeats : int
        Nested cross-validation layout.
    calibration : tuple of str
        Post-hoc calibration candidates chosen inside the inner loop.
    min_patients, min_responders : int
        A therapy class gets its own model only with this many patients and
        responders; the others share a pooled model.
    n_bootstrap : int
        Bootstrap resamples for every confidence interval.
    threshold : float
        Probability at which sensitivity and specificity are reported.
    seed : int
        Seed of folds, models and bootstrap.
    final_family, final_feature_set : str
        The model refitted on all patients and registered. Declared before
        seeing results (default: the ensemble on the last feature set), so
        that no choice leans on the data beyond cross-validation;
        ``final_family = "best"`` picks the family with the best pooled
        out-of-fold AUC instead, and says so.
    group_by_site : bool
        Keep each site's patients in one outer fold when a ``site`` column exists.
    grids : dict of str to dict
        Per-family hyperparameter grids replacing the built-in ones, e.g.
        ``{"xgboost": {"max_depth": [2, 3]}}`` (keys relative to the
        classifier); a grid with one value per key skips the inner search.
    n_jobs : int
        Processes running the inner search's fits side by side (``--jobs`` on
        the command line); the results do not depend on it.
    """

    families: tuple = ("logistic", "random_forest", "xgboost", "ensemble")
    feature_sets: tuple = ()
    landmark_days: float = 42.0
    feature_set_landmarks: dict = field(default_factory=dict)
    outer_folds: int = 5
    inner_folds: int = 3
    repeats: int = 1
    calibration: tuple = ("none",)
    min_patients: int = 30
    min_responders: int = 8
    n_bootstrap: int = 1000
    threshold: float = 0.5
    seed: int = 0
    final_family: str = "ensemble"
    final_feature_set: str = ""
    group_by_site: bool = True
    grids: dict = field(default_factory=dict)
    n_jobs: int = 1

    def landmark_for(self, feature_set):
        """Landmark day of one feature set."""
        return float(self.feature_set_landmarks.get(feature_set, self.landmark_days))


def default_jobs(experiment):
    """``n_jobs`` when the command line gives none: the CPUs this process may use, at most
    :data:`MAX_DEFAULT_JOBS`.

    Returns None when the experiment's ``[model]`` sets ``n_jobs`` itself
    (:func:`model_settings` then reads and checks it).
    """
    from joblib import cpu_count  # honours CPU affinity and container CPU limits

    if "n_jobs" in (experiment.raw.get("model") or {}):
        return None
    return min(cpu_count(), MAX_DEFAULT_JOBS)


#: An inner search has a few to a few dozen fits; more processes would mostly sit idle,
#: each holding its own copy of the libraries.
MAX_DEFAULT_JOBS = 8


_LISTS = {"families", "feature_sets", "calibration"}
_INTS = {"outer_folds": 2, "inner_folds": 2, "repeats": 1, "min_patients": 2,
         "min_responders": 1, "n_bootstrap": 0, "seed": 0, "n_jobs": 1}


def model_settings(raw, *, where="[model]", **overrides):
    """Build :class:`ModelSettings` from the ``[model]`` table of an experiment file.

    Parameters
    ----------
    raw : dict or None
        The parsed ``[model]`` table.
    where : str
        Location used in error messages (file and section).
    **overrides
        Values that replace those of the file (from the command line).

    Returns
    -------
    ModelSettings

    Raises
    ------
    ExperimentConfigError
        On unknown keys, wrong types or values out of range.
    """
    from difflib import get_close_matches

    from irpredict.models import CALIBRATION_METHODS, FAMILIES

    values = dict(raw or {})
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(ModelSettings)}
    for key in values:
        if key not in known:
            from irpredict.data._spec import home_hint

            close = get_close_matches(key, sorted(known), n=3)
            hint = home_hint(key, "[model]") or (
                f" Did you mean {', '.join(close)}?" if close else "")
            raise ExperimentConfigError(f"{where}: unknown key {key!r}.{hint}")
    for key in _LISTS & values.keys():
        value = values[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ExperimentConfigError(f"{where}: {key} must be a list of names, got {value!r}.")
        repeated = sorted({v for v in value if value.count(v) > 1})
        if repeated:  # a repeat would be trained twice, or change how models are tuned
            raise ExperimentConfigError(
                f"{where}: {key} names {', '.join(map(repr, repeated))} more than once; list "
                "each once.")
        values[key] = tuple(value)
    for key, low in _INTS.items():
        if key in values and (isinstance(values[key], bool) or not isinstance(values[key], int)
                              or values[key] < low):
            raise ExperimentConfigError(
                f"{where}: {key} must be a whole number >= {low}, got {values[key]!r}.")
    settings = ModelSettings(**values)
    _check_scalars(settings, where)
    _check_choices(settings, FAMILIES, CALIBRATION_METHODS, where)
    _check_grids(settings, where)
    return settings


def _check_scalars(settings, where):
    if isinstance(settings.threshold, bool) or not isinstance(settings.threshold, int | float) \
            or not 0 < settings.threshold < 1:
        raise ExperimentConfigError(
            f"{where}: threshold must be a number in (0, 1), got {settings.threshold!r}.")
    if settings.seed >= 2**32:
        raise ExperimentConfigError(
            f"{where}: seed must be a whole number from 0 to 4294967295, got {settings.seed!r}.")
    if not isinstance(settings.group_by_site, bool):
        raise ExperimentConfigError(
            f"{where}: group_by_site must be true or false, got {settings.group_by_site!r}.")


def _check_grids(settings, where):
    """Unknown parameters and values out of range, before any training starts."""
    from irpredict.models.zoo import grid_problems

    problems = [p for family, grid in settings.grids.items()
                for p in grid_problems(family, grid)]
    if problems:
        raise ExperimentConfigError(f"{where}: grids: {'; '.join(problems)}.")


def _check_choices(settings, families, methods, where):
    if not settings.families:
        raise ExperimentConfigError(
            f"{where}: families is empty; list at least one of {', '.join(families)}.")
    bad = [f for f in settings.families if f not in families]
    if bad:
        raise ExperimentConfigError(
            f"{where}: unknown model families {bad}; choose from {', '.join(families)}.")
    if settings.final_family not in (*families, "best"):
        raise ExperimentConfigError(
            f"{where}: final_family {settings.final_family!r} must be one of "
            f"{', '.join(families)} or 'best'.")
    if settings.final_family != "best" and settings.final_family not in settings.families:
        raise ExperimentConfigError(
            f"{where}: final_family {settings.final_family!r} is not among the trained "
            f"families {list(settings.families)}; add it to families, or set final_family to "
            "one of them.")
    bad = [m for m in settings.calibration if m not in methods]
    if bad or not settings.calibration:
        raise ExperimentConfigError(
            f"{where}: unknown calibration {bad}; choose from {', '.join(methods)}.")

    if not isinstance(settings.grids, dict) or not all(
            isinstance(g, dict) and all(isinstance(v, list) for v in g.values())
            for g in settings.grids.values()):
        raise ExperimentConfigError(
            f"{where}: grids must be a table of family = {{ parameter = [values] }}.")
    empty = [f"{family}.{name}" for family, grid in settings.grids.items()
             for name, values in grid.items() if not values]
    if empty:
        raise ExperimentConfigError(
            f"{where}: grids give no value for {', '.join(empty)}; list at least one "
            "(one value fixes the parameter, several are searched).")
    bad = [f for f in settings.grids if f not in families]
    if bad:
        raise ExperimentConfigError(
            f"{where}: grids names unknown families {bad}; choose from {', '.join(families)}.")
    if not isinstance(settings.feature_set_landmarks, dict):
        raise ExperimentConfigError(f"{where}: feature_set_landmarks must be a table.")
    for name, day in {"landmark_days": settings.landmark_days,
                      **settings.feature_set_landmarks}.items():
        if isinstance(day, bool) or not isinstance(day, (int, float)) or day < 0:
            raise ExperimentConfigError(
                f"{where}: landmark of {name!r} must be a number of days >= 0, got {day!r}.")


def check_folds(settings, cohort, *, where="[model]"):
    """Refuse fold counts the cohort's labelled patients cannot fill.

    More outer folds than labelled patients, or more inner folds than patients
    in an outer training part, cannot be split at all. (More folds than
    patients of the rarer outcome can: training notes it.)

    Parameters
    ----------
    settings : ModelSettings
    cohort : irpredict.data.Cohort
    where : str
        Location used in error messages (file and section).

    Raises
    ------
    ExperimentConfigError
        Naming the setting, the number of labelled patients and a value that fits.
    """
    if not cohort.has_label:
        return
    labels = cohort.patients[cohort.label_col].dropna()
    n = len(labels)
    if n < 2:
        return  # no model to train: said elsewhere
    responders = int((labels == 1).sum())
    counts = f"{n} labelled patients ({responders} responders)"
    if settings.outer_folds > n:
        raise ExperimentConfigError(
            f"{where}: outer_folds = {settings.outer_folds} is more folds than the cohort's "
            f"{counts}. Lower outer_folds to at most {min(n, 10)} (5 is usual).")
    part = n - -(-n // settings.outer_folds)  # the smallest outer training part
    if settings.inner_folds > part:
        raise ExperimentConfigError(
            f"{where}: inner_folds = {settings.inner_folds} is more folds than the {part} "
            f"patients of an outer training part ({counts}, {settings.outer_folds} outer "
            f"folds). Lower inner_folds to at most {min(part, 5)} (3 is usual).")
