"""A cohort's responder label derived from its tumour assessments (``[data.response_label]``).

An experiment file may define the label instead of naming a column of it::

    [data.response_label]
    definition = "confirmed_response"   # or unconfirmed_response, disease_control,
                                        # clinical_benefit, pcr
    criteria = "recist1.1"              # or "irecist"

The tumour-size series then becomes response-derived: the label is read from the same
scans, so their kinetics are no default feature (asked for, they raise LeakageError).
"""

import warnings
from dataclasses import replace

from irpredict.data._spec import check_keys, close_matches, get
from irpredict.exceptions import CohortDataError, DataWarning, ExperimentConfigError

__all__ = ["parse_response_label", "label_from_assessments", "describe_label"]

_OPTIONS = {"confirm_days": "number", "min_sd_days": "number", "benefit_days": "number",
            "max_nr_ne": "int", "accept_sd": "bool", "pcr_column": "str"}


def parse_response_label(value, *, where):
    """Check a ``[data.response_label]`` table; return its settings (or None when absent).

    Parameters
    ----------
    value : dict or None
        The parsed table.
    where : str
        Its location for messages (``"<file> [data.response_label]"``).

    Returns
    -------
    dict or None
        ``definition``, ``criteria`` and the options given.

    Raises
    ------
    ExperimentConfigError
        On unknown keys, wrong types or an unknown definition or criteria.
    """
    from irpredict.response.labels import CRITERIA, LABEL_ALIASES, LABEL_DEFINITIONS

    if value is None:
        return None
    check_keys(value, ("definition", "criteria", *_OPTIONS), where=where)
    definition = get(value, "definition", "str", where=where, default="confirmed_response")
    definition = LABEL_ALIASES.get(definition, definition)
    if definition not in LABEL_DEFINITIONS:
        close = close_matches(definition, LABEL_DEFINITIONS, n=1)
        raise ExperimentConfigError(
            f"{where}: definition {definition!r} is not one of {', '.join(LABEL_DEFINITIONS)}"
            + (f". Did you mean {close[0]!r}?" if close else "."))
    spec = {"definition": definition,
            "criteria": get(value, "criteria", "str", where=where, default="recist1.1",
                            choices=list(CRITERIA))}
    for key, kind in _OPTIONS.items():
        if key in value:
            spec[key] = get(value, key, kind, where=where)
            if kind in ("number", "int") and spec[key] < 0:
                raise ExperimentConfigError(
                    f"{where}: {key} must be 0 or more (days, or a count of scans); got "
                    f"{spec[key]!r}")
    if definition != "pcr" and "pcr_column" in spec:
        raise ExperimentConfigError(
            f"{where}: pcr_column is read by definition 'pcr' only; leave it out, or set "
            "definition = \"pcr\"")
    if definition == "pcr" and "pcr_column" not in spec:
        raise ExperimentConfigError(
            f"{where}: definition 'pcr' reads a column of the patients table; name it with "
            "pcr_column (or name it as [data] label instead)")
    return spec


def describe_label(spec):
    """The label a ``[data.response_label]`` defines, in words (for runs, models, reports)."""
    if spec["definition"] == "pcr":
        return f"pcr from column {spec['pcr_column']!r}"
    return f"{spec['definition']} by {spec['criteria']}, from the tumour assessments"


def label_from_assessments(cohort, spec, *, where):
    """The cohort with its ``response`` label derived from its tumour assessments.

    Patients without a tumour assessment after baseline are non-responders (intention to
    treat), and said in a warning; a ``response`` column the patients table had is
    replaced, and said.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
    spec : dict
        From :func:`parse_response_label`.
    where : str
        The experiment file's section, for messages.

    Returns
    -------
    irpredict.data.Cohort
    """
    import pandas as pd

    from irpredict.features import TUMOR_SERIES
    from irpredict.response.labels import derive_labels

    options = {k: v for k, v in spec.items() if k not in ("pcr_column",)}
    ids = cohort.patients["patient_id"].astype(str)
    scans = cohort.tumor_assessments
    if spec["definition"] == "pcr":
        column = spec["pcr_column"]
        if column not in cohort.patients.columns:
            raise CohortDataError(
                f"{where}: pcr_column {column!r} is not a column of the patients table "
                f"(close: {close_matches(column, cohort.patients.columns) or 'none'})")
        labels = derive_labels(definition="pcr", patients=cohort.patients, pcr_col=column)
    else:
        if scans is None or not len(scans):
            raise CohortDataError(
                f"{where}: the label is derived from tumour assessments, but the cohort has "
                "none; add them ([data.tumor_assessments], or a tumor_assessments table in "
                "the folder), or name a label column instead")
        labels = derive_labels(scans, patient_ids=ids, **options)
        followed = set(scans.loc[scans["day"] > 0, "patient_id"].astype(str))
        unscanned = sorted(set(ids) - followed)
        if unscanned:
            shown = ", ".join(unscanned[:5]) + (" ..." if len(unscanned) > 5 else "")
            warnings.warn(
                f"{where}: {len(unscanned)} patients have no tumour assessment after baseline "
                f"({shown}) and are labelled non-responders (intention to treat); leave them "
                "out of the cohort if their response is unknown rather than absent",
                DataWarning, stacklevel=3)
    patients = cohort.patients.copy()
    if cohort.label_col in patients.columns:
        warnings.warn(f"{where}: the patients table's own {cohort.label_col!r} column is "
                      f"replaced by the label derived ({spec['definition']}, "
                      f"{spec['criteria']})", DataWarning, stacklevel=3)
    patients["response"] = pd.Series(ids.map(labels).to_numpy(), index=patients.index,
                                     dtype="Int64")
    derived = list(cohort.response_derived_biomarkers or [])
    if spec["definition"] != "pcr" and TUMOR_SERIES not in derived:
        derived.append(TUMOR_SERIES)
    consumed = {"response", spec.get("pcr_column")}  # the label's source is no feature
    excluded = list(cohort.excluded_columns or [])
    if spec.get("pcr_column") and spec["pcr_column"] not in excluded:
        excluded.append(spec["pcr_column"])
    return replace(cohort, patients=patients, label_col="response",
                   label_definition=describe_label(spec),
                   feature_columns=[c for c in cohort.feature_columns if c not in consumed],
                   categorical_columns=[c for c in cohort.categorical_columns
                                        if c not in consumed],
                   excluded_columns=excluded, response_derived_biomarkers=derived)
