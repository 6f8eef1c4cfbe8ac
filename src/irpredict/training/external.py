"""External validation: score a registered model on another cohort with the same columns."""

from dataclasses import replace
from pathlib import Path

from irpredict.exceptions import CohortDataError

__all__ = ["load_external_cohort", "score_external"]


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
    mapping = replace(mapping, measurements=own_rows, tumor_assessments=tumour)
    return load_wide_table(path, mapping, name=path.stem)


def score_external(model, cohort, *, threshold=0.5, n_bootstrap=1000, random_state=0):
    """Predictions and metrics (with bootstrap CIs) of a fitted model on a labelled cohort.

    Returns
    -------
    predictions : pandas.DataFrame
        ``patient_id, therapy_class, y, prob``.
    metrics : pandas.DataFrame
        Tidy metrics per therapy class and overall (see
        :func:`irpredict.evaluation.summarize_predictions`).
    """
    from irpredict.evaluation.summary import predict_frame, summarize_predictions

    if not cohort.has_label:
        raise CohortDataError(
            f"{cohort.name}: the external cohort has no label column {cohort.label_col!r}; "
            "evaluation needs the observed response of each patient.")
    X, y = model.frame_from_cohort(cohort)
    labelled = y.notna()
    if not labelled.any():
        raise CohortDataError(f"{cohort.name}: every patient's label is missing.")
    X, y = X.loc[labelled], y.loc[labelled].astype(int)
    from irpredict.serving.validation import check_input

    check_input(model, X)
    predictions = predict_frame(model, X, y, name="external")
    metrics = summarize_predictions(predictions, threshold=threshold,
                                    n_bootstrap=n_bootstrap, random_state=random_state)
    return predictions, metrics
