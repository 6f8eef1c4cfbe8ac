"""External tables that already hold a model's built features (``irpredict features``)."""

import warnings

from irpredict.exceptions import CohortDataError, MissingFeatureWarning
from irpredict.training.levels import align_levels

__all__ = ["feature_table"]


def feature_table(model, path, require_label=True):
    """A table of already-built features (e.g. from ``irpredict features``), or None."""
    from irpredict.data._readers import TABLE_EXTENSIONS, read_table

    if path.is_dir() or path.suffix.lower() not in TABLE_EXTENSIONS:
        return None
    mapping = model.mapping
    raw_id = "patient_id" if mapping is None else mapping.id
    built_features = [c for c in model.feature_columns if "__" in c]
    if not built_features and raw_id == "patient_id":
        return None  # the training table itself looks the same: read it through the mapping
    table = read_table(path, table="external cohort", dtype={"patient_id": str})
    if "patient_id" not in table.columns:
        return None
    if not built_features:
        if raw_id in table.columns or not set(model.feature_columns) <= set(table.columns):
            return None
    elif sum(c in table.columns for c in built_features) < len(built_features) / 2:
        return None  # a raw table: its features are built from it
    table = _with_therapy_class(model, table, path)  # a sent class must agree with the rule
    table = _fill_absent_features(model, table, path)
    training_label = getattr(mapping, "label", None)  # the training table's own name
    label = next((c for c in ("response", model.label_col, training_label)
                  if c is not None and c in table.columns), None)
    if label is None and not require_label:
        table = table.set_index(table["patient_id"].astype(str))
        X = table[model.feature_columns].copy()
        X["therapy_class"] = table["therapy_class"].astype(str)
        return str(path), align_levels(model, X), None, len(table)
    if label is None:
        from irpredict.data._spec import close_matches

        names = ["response", *([training_label] if training_label not in (None, "response")
                               else [])]
        close = [m for n in names for m in close_matches(n, [str(c) for c in table.columns])]
        raise CohortDataError(
            f"{path}: read as a table of the model's features (it has patient_id and the "
            f"feature columns), which needs the label column "
            f"{' or '.join(map(repr, names))} (the observed response of each patient) to be "
            "evaluated"
            + (f"; close: {', '.join(map(repr, dict.fromkeys(close)))}" if close else "")
            + ". Rename the label column to one of those names.")
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
    return str(path), align_levels(model, X), y.astype("Int64"), len(table)


def _with_therapy_class(model, table, path):
    """The table's ``therapy_class``: when absent, derived as in training where the training
    data gave it (one class, or a rule on a column the table holds), else named; when sent
    beside the rule's column, checked against the rule."""
    import pandas as pd

    from irpredict.serving.validation import with_therapy_class

    try:  # indexed by patient: messages name patients, not row positions
        by_patient = table.set_axis(pd.Index(table["patient_id"].astype(str),
                                             name="patient_id"))
        table = with_therapy_class(model, by_patient).reset_index(drop=True)
    except CohortDataError as exc:
        raise CohortDataError(f"{path}: {exc}") from None
    if "therapy_class" in table.columns:
        return table
    rule = getattr(model.mapping, "therapy_rule", None)
    source = f" (or the column {rule.column!r} its therapy rule reads)" if rule else ""
    raise CohortDataError(
        f"{path}: read as a table of the model's features (patient_id and its feature "
        f"columns), but it has no therapy_class column{source}; add each patient's therapy "
        f"class, one of {', '.join(model.therapies)}")


def _fill_absent_features(model, table, path):
    """Add the model's feature columns a feature table lacks, empty (imputed), and say so.

    ``irpredict features`` leaves out columns that are empty for every patient
    (a biomarker no patient had by the landmark), so a new cohort's table
    rarely holds all of a model's columns.
    """
    import pandas as pd

    absent = [c for c in model.feature_columns if c not in table.columns]
    if not absent:
        return table
    # a biomarker never measured was drawn 0 times, as training counted it; one concat, not
    # a column at a time (pandas warns about a fragmented frame)
    filler = pd.DataFrame({c: 0.0 if "__n_draws" in c else float("nan") for c in absent},
                          index=table.index)
    table = pd.concat([table, filler], axis=1)
    warnings.warn(
        f"{path}: read as a table of built features; {len(absent)} of the model's "
        f"{len(model.feature_columns)} feature columns are not in it "
        f"({', '.join(absent[:8])}{' ...' if len(absent) > 8 else ''}) and are imputed as "
        "missing for every patient", MissingFeatureWarning, stacklevel=4)
    return table
