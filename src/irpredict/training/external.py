"""External validation: score a registered model on another cohort with the same columns."""

from dataclasses import replace
from pathlib import Path

from irpredict.exceptions import CohortDataError

__all__ = ["load_external_cohort", "external_frame", "score_external", "score_frame"]


def load_external_cohort(model, data):
    """Read an external cohort the way the model's training cohort was read.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    data : path-like
        An experiment ``.toml``, a cohort folder, or one table with the same
        columns as the training table (read through the training mapping;
        longitudinal sources that came from other files are not expected).

    Returns
    -------
    irpredict.data.Cohort
    """
    from irpredict.data.loaders import load_cohort

    path = Path(data)
    if path.suffix.lower() == ".toml" or path.is_dir() or model.mapping is None:
        return load_cohort(path)
    from irpredict.data.mapping import load_wide_table

    mapping = model.mapping
    own_rows = tuple(m for m in mapping.measurements if m.file is None)
    tumour = mapping.tumor_assessments
    if tumour is not None and tumour.file is not None:
        tumour = None
    cohort = load_wide_table(path, replace(mapping, measurements=own_rows,
                                           tumor_assessments=tumour), name=path.stem)
    if all(c in cohort.patients.columns for c in model.patient_columns):
        # (missing columns are the first thing to fix: frame_from_cohort names them)
        _refuse_missing_sources(model, path, mapping, own_rows, tumour)
    return cohort


def _refuse_missing_sources(model, path, mapping, own_rows, tumour):
    """One table cannot carry measurements the training data read from other files.

    Features built without them would be computed from part of the series (a
    day-0 value without its day-42 change) and silently differ from training.
    """
    from irpredict.data.mapping import TUMOR_SIZE

    elsewhere = [m for m in mapping.measurements if m.file is not None]
    lost = {m.biomarker for m in elsewhere if m.biomarker}  # (some of) their draws
    if mapping.tumor_assessments is not None and tumour is None:
        lost.add(TUMOR_SIZE)
    used = {c.split("__", 1)[0] for c in model.feature_columns if "__" in c}
    if any(m.biomarker is None for m in elsewhere):  # biomarkers named inside those files
        lost |= used
    affected = sorted(used & lost)
    if affected:
        files = {str(m.file) for m in elsewhere}
        if TUMOR_SIZE in affected:
            files.add(str(mapping.tumor_assessments.file))
        files = sorted(files)
        raise CohortDataError(
            f"{path}: the model's features use {', '.join(affected)} measurements that its "
            f"training data read from other files ({', '.join(files)}), which one table cannot "
            "give; pass the external cohort as an experiment .toml file (with its own "
            "measurement files) or as a cohort folder")


def external_frame(model, data):
    """The model's input frame and labels for an external cohort.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    data : path-like
        What :func:`load_external_cohort` reads, or a table that already holds
        every feature column of the model plus ``therapy_class`` and the label
        (as ``irpredict features`` writes it), which is scored as it stands.

    Returns
    -------
    name : str
        The cohort's name, for messages.
    X : pandas.DataFrame
        Index ``patient_id``; the feature columns and ``therapy_class``.
    y : pandas.Series or None
        The label, when the data have one.
    n_patients : int
    """
    path = Path(data)
    built = _feature_table(model, path)
    if built is not None:
        return built
    cohort = load_external_cohort(model, path)
    _require_label(cohort)
    X, y = model.frame_from_cohort(cohort)
    return cohort.name, X, y, cohort.n_patients


def _feature_table(model, path):
    """A table of already-built features (e.g. from ``irpredict features``), or None."""
    from irpredict.data._readers import TABLE_EXTENSIONS, read_table

    built_features = [c for c in model.feature_columns if "__" in c]
    if not built_features or path.is_dir() or path.suffix.lower() not in TABLE_EXTENSIONS:
        return None
    table = read_table(path, table="external cohort")
    wanted = [*model.feature_columns, "therapy_class", "patient_id"]
    if not set(wanted) <= set(table.columns):
        return None
    label = next((c for c in ("response", model.label_col) if c in table.columns), None)
    if label is None:
        raise CohortDataError(
            f"{path}: a table of the model's features needs the label column 'response' "
            "(the observed response of each patient) to be evaluated.")
    import pandas as pd

    table = table.set_index(table["patient_id"].astype(str))
    y = pd.to_numeric(table[label], errors="coerce")
    bad = table[label].notna() & ~y.isin([0, 1])
    if bad.any():
        raise CohortDataError(
            f"{path}: label column {label!r} must hold 0/1 (or be empty); found "
            f"{table.loc[bad, label].astype(str).unique()[:5].tolist()} (patients "
            f"{table.index[bad][:5].tolist()})")
    X = table[model.feature_columns].copy()
    X["therapy_class"] = table["therapy_class"].astype(str)
    return path.stem, X, y.astype("Int64"), len(table)


def score_frame(model, X, y, *, name="external", threshold=0.5, n_bootstrap=1000,
                random_state=0):
    """Predictions and metrics (with bootstrap CIs) of a fitted model on labelled rows.

    Patients without a label are left out.

    Returns
    -------
    predictions : pandas.DataFrame
        ``patient_id, therapy_class, y, prob``.
    metrics : pandas.DataFrame
        Tidy metrics per therapy class and overall (see
        :func:`irpredict.evaluation.summarize_predictions`).
    """
    from irpredict.evaluation.summary import predict_frame, summarize_predictions
    from irpredict.serving.validation import check_input

    if y is None:
        raise CohortDataError(f"{name}: the external cohort has no label; evaluation needs "
                              "the observed response of each patient.")
    labelled = y.notna()
    if not labelled.any():
        raise CohortDataError(f"{name}: every patient's label is missing.")
    X, y = X.loc[labelled.to_numpy()], y.loc[labelled.to_numpy()].astype(int)
    check_input(model, X)
    predictions = predict_frame(model, X, y, name="external")
    metrics = summarize_predictions(predictions, threshold=threshold,
                                    n_bootstrap=n_bootstrap, random_state=random_state)
    return predictions, metrics


def score_external(model, cohort, *, threshold=0.5, n_bootstrap=1000, random_state=0):
    """:func:`score_frame` on the input frame of a labelled cohort (same returns)."""
    _require_label(cohort)
    X, y = model.frame_from_cohort(cohort)
    return score_frame(model, X, y, name=cohort.name, threshold=threshold,
                       n_bootstrap=n_bootstrap, random_state=random_state)


def _require_label(cohort):
    if not cohort.has_label:
        raise CohortDataError(
            f"{cohort.name}: the external cohort has no label column {cohort.label_col!r}; "
            "evaluation needs the observed response of each patient.")
