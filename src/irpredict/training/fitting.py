"""Refit the declared final model on all patients, tuned as in the inner loop."""

__all__ = ["fit_final_model", "numeric_ranges", "never_missing"]


def fit_final_model(design, family, settings):
    """Tune (inner-loop grid search) and fit one family on every patient of a design.

    The hyperparameters are chosen exactly as inside each outer fold of the
    nested cross-validation (same grid, folds, scoring and calibration
    candidates), so the registered model is the procedure that was
    evaluated, applied to all the data.

    Parameters
    ----------
    design : irpredict.training.Design
    family : str
    settings : irpredict.training.ModelSettings

    Returns
    -------
    estimator : fitted classifier
    best_params : dict
    """
    from irpredict.evaluation.cv import fit_tuned

    return fit_tuned(design.X, design.y.to_numpy(), estimator=family,
                     sites=_sites(design, settings), inner_folds=settings.inner_folds,
                     calibration=list(settings.calibration), random_state=settings.seed,
                     param_grid=settings.grids or None, min_patients=settings.min_patients,
                     min_responders=settings.min_responders, n_jobs=settings.n_jobs)


def _sites(design, settings):
    if not settings.group_by_site or design.sites is None:
        return None
    return design.sites.to_numpy()


def numeric_ranges(X, columns):
    """Training range (min, max) of each numeric column, for out-of-support flags."""
    import pandas as pd

    out = {}
    for col in columns:
        series = X[col]
        if pd.api.types.is_numeric_dtype(series) and series.notna().any():
            out[col] = (float(series.min()), float(series.max()))
    return out


def never_missing(X, columns):
    """Numeric columns with a value for every training patient: a missing one later is
    imputed from patients who all had one, which serving says."""
    import pandas as pd

    return frozenset(c for c in columns
                     if pd.api.types.is_numeric_dtype(X[c]) and X[c].notna().all())
