"""The landmark guard and the leakage refusal: the one place that decides
which rows and which columns feature builders may see.

Rows: :func:`restrict_to_landmark` drops every draw or scan after the
landmark day *before* anything is computed, so no later row can influence a
feature. Columns: :func:`resolve_inputs` refuses labels, excluded columns and
response-derived biomarkers with :class:`~irpredict.exceptions.LeakageError`
when they are asked for, and leaves them out by default.
"""

import numpy as np

from irpredict.data.outcome_names import TREATMENT_END_COLUMNS
from irpredict.exceptions import CohortDataError, LeakageError

__all__ = ["restrict_to_landmark", "restrict_draws", "resolve_inputs", "TUMOR_SERIES"]

#: Pseudo-biomarker naming the tumour-size series of ``tumor_assessments``.
TUMOR_SERIES = "tumor_size"

_RESERVED = ("patient_id", "therapy_class")


def restrict_to_landmark(table, landmark_days, *, table_name="measurements"):
    """Rows of a long table observed on or before the landmark day.

    Parameters
    ----------
    table : pandas.DataFrame or None
        A long table with a numeric ``day`` column.
    landmark_days : float
        The landmark day L; rows with ``day > L`` are dropped.
    table_name : str
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame or None
        The kept rows (a copy-free view where pandas allows).

    Raises
    ------
    CohortDataError
        If ``day`` is missing or not numeric.
    """
    if table is None:
        return None
    if "day" not in table.columns:
        raise CohortDataError(
            f"{table_name}: column 'day' is missing (columns: {list(table.columns)[:8]}); "
            "add days since first dose as 'day'."
        )
    day = table["day"].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(day)
    if bad.any():
        ids = table.loc[bad, "patient_id"].astype(str).unique().tolist()
        raise CohortDataError(
            f"{table_name}: column 'day' is missing for {int(bad.sum())} rows "
            f"(patients {ids[:5]}{'...' if len(ids) > 5 else ''}); "
            "give every row its day since first dose or drop it."
        )
    return table[day <= landmark_days]


def restrict_draws(draws, landmark_days, *, after=None):
    """The draws of a sorted :class:`~irpredict.features._kinetics.Draws` on or
    before the landmark day (used when several landmarks share one sort);
    ``after`` also drops draws with ``day <= after`` (e.g. 0 for on-treatment)."""
    from irpredict.features._kinetics import take

    mask = draws.day <= landmark_days
    if after is not None:
        mask &= draws.day > after
    return take(draws, mask)


def _forbidden(cohort):
    """Forbidden patient columns and biomarkers, each with the reason."""
    columns = {}
    if cohort.label_col:
        columns[cohort.label_col] = "it is the response label"
    for col in cohort.excluded_columns or ():
        columns.setdefault(col, "the cohort lists it in excluded_columns")
    for col in TREATMENT_END_COLUMNS:
        columns.setdefault(col, "it is the day treatment stopped, known only at follow-up "
                                "(the landmark population reads it)")
    biomarkers = {
        b: "the cohort lists it in response_derived_biomarkers "
           "(derived from the response assessment)"
        for b in cohort.response_derived_biomarkers or ()
    }
    return columns, biomarkers


def _refuse(kind, names, reasons, cohort):
    bad = [n for n in names if n in reasons]
    if bad:
        why = "; ".join(f"'{n}': {reasons[n]}" for n in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise LeakageError(
            f"cohort '{cohort.name}': {len(bad)} {kind} cannot be features because they would leak "
            f"the outcome: {why}{more}. Remove them from the requested {kind}"
            + (" (a trained model's own columns: if they are no outcome in this cohort, take "
               "them out of its [data.columns] exclude or response_derived lists instead)"
               if any(reasons[n].startswith("the cohort lists it") for n in bad) else "")
            + "."
        )


def resolve_inputs(cohort, biomarkers=None, patient_columns=None, include_tumor=None):
    """Decide which biomarkers, patient columns and series may become features.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
        The cohort.
    biomarkers : list of str or None
        Requested biomarkers; ``None`` means every biomarker of ``measurements``
        except response-derived ones.
    patient_columns : list of str or None
        Requested columns of ``patients``; ``None`` means ``cohort.feature_columns``.
    include_tumor : bool or None
        ``None`` includes the tumour series unless it is response-derived;
        ``True`` asks for it explicitly.

    Returns
    -------
    biomarkers : list of str or None
        ``None`` when chosen from the data (after the landmark guard).
    patient_columns : list of str
    include_tumor : bool

    Raises
    ------
    LeakageError
        When a label, excluded column or response-derived series is asked for.
    """
    bad_columns, bad_biomarkers = _forbidden(cohort)
    tumor_flagged = TUMOR_SERIES in bad_biomarkers
    if biomarkers is not None:
        biomarkers = list(dict.fromkeys(biomarkers))
        _refuse("biomarkers", biomarkers, bad_biomarkers, cohort)
    if include_tumor and tumor_flagged:
        _refuse("biomarkers", [TUMOR_SERIES], bad_biomarkers, cohort)
    columns = list(cohort.feature_columns if patient_columns is None else patient_columns)
    _refuse("patient columns", columns, bad_columns, cohort)
    missing = [c for c in columns if c not in cohort.patients.columns]
    if missing:
        raise CohortDataError(
            f"cohort '{cohort.name}': {len(missing)} feature columns are missing from the patients "
            f"table: {missing[:5]}; fix feature_columns or the column mapping."
        )
    columns = [c for c in columns if c not in _RESERVED]
    use_tumor = (not tumor_flagged) if include_tumor is None else bool(include_tumor)
    return biomarkers, columns, use_tumor


def allowed_biomarkers(cohort, observed):
    """Observed biomarker names minus response-derived ones, sorted."""
    _, bad = _forbidden(cohort)
    return sorted(b for b in observed if b not in bad and b != TUMOR_SERIES)
