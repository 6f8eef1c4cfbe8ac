"""``build_features``: one row per patient from a cohort, up to a landmark day.

This is the per-patient reshaping step: every value in a patient's row is
computed from that patient's own rows only, so it may run before
cross-validation. Anything learned across patients (category encodings,
learned detection limits) belongs inside a fitted Pipeline: the model
families' own encoders, or the transformers of
:mod:`irpredict.features.transformers` in a Pipeline of your own.

When the patients table has an ``ldh_uln`` column, baseline LDH is given only
as ``ldh_uln_ratio__baseline`` (LDH / its assay's upper limit of normal), not
as raw ``ldh__baseline``: raw LDH carries each site's assay scale and does
not transport across sites (see :mod:`irpredict.features.baseline`).
"""

import math
from dataclasses import dataclass, field
from numbers import Real

from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.features import _guard
from irpredict.features.baseline import (
    baseline_block,
    baseline_values,
    derived_ratios,
    patient_block,
)
from irpredict.features.longitudinal import DEFAULT_LOG_FLOOR, kinetic_block, to_draws
from irpredict.features.tumour import tumour_block

__all__ = ["FeatureSet", "build_features"]


@dataclass
class FeatureSet:
    """Per-patient model inputs and what goes with them.

    Attributes
    ----------
    X : pandas.DataFrame
        Features only, indexed by ``patient_id`` (never the label or therapy).
    therapy_class : pandas.Series
        Therapy class per patient, same index.
    y : pandas.Series or None
        The response label (``cohort.label_col``) when the cohort has one.
    categorical_columns : list of str
        Columns of ``X`` holding strings, to be encoded inside the Pipeline.
    landmark_days : tuple of float
        The landmarks the kinetic blocks were built for.
    label_col : str
        Name of the label column.
    """

    X: object
    therapy_class: object
    y: object = None
    categorical_columns: list = field(default_factory=list)
    landmark_days: tuple = ()
    label_col: str = "response"

    def to_frame(self):
        """One table: ``patient_id``, ``therapy_class``, the label, then the features."""
        import pandas as pd

        parts = [self.therapy_class.rename("therapy_class")]
        if self.y is not None:
            parts.append(self.y.rename(self.label_col))
        out = pd.concat(parts + [self.X], axis=1)
        out.index.name = "patient_id"
        return out.reset_index()


def _check_params(landmark_days, baseline_window):
    marks = [landmark_days] if isinstance(landmark_days, Real) else list(landmark_days)
    if not marks or not all(isinstance(m, Real) and not isinstance(m, bool) and m >= 0
                            and math.isfinite(m) for m in marks):
        raise ExperimentConfigError(
            "landmark_days must be one or more finite non-negative numbers of days, got "
            f"{landmark_days!r}"
        )
    try:
        lo, hi = (float(x) for x in baseline_window)
    except (TypeError, ValueError):
        raise ExperimentConfigError(
            f"baseline_window must be (first_day, last_day), got {baseline_window!r}"
        ) from None
    if lo > hi or hi > min(marks):
        raise ExperimentConfigError(
            f"baseline_window {baseline_window!r} must satisfy first_day <= last_day <= the "
            f"earliest landmark ({min(marks)}); e.g. (-30, 0)."
        )
    return sorted(dict.fromkeys(float(m) for m in marks)), (lo, hi)


def _patients(cohort):
    pats = cohort.patients
    ids = pats["patient_id"].astype(str)
    dup = ids[ids.duplicated()].unique().tolist()
    if dup:
        raise CohortDataError(
            f"cohort '{cohort.name}': {len(dup)} patient_id values occur more than once in the "
            f"patients table: {dup[:5]}; keep one row per patient."
        )
    return pats.set_axis(ids.to_numpy(), axis=0).rename_axis("patient_id")


def build_features(cohort, landmark_days=42, baseline_window=(-30, 0), biomarkers=None,
                   include_tumor=None, *, patient_columns=None, detection_limits=None,
                   log_floor=DEFAULT_LOG_FLOOR):
    """Build per-patient features from baseline and on-treatment data up to landmarks.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
        The cohort.
    landmark_days : float or list of float, default=42
        Landmark day(s) L. Rows with ``day > L`` never influence the block of
        landmark L; each landmark gets its own ``*_d<L>`` block.
    baseline_window : tuple of float, default=(-30, 0)
        Days (inclusive) searched for the baseline draw or scan.
    biomarkers : list of str or None, default=None
        Biomarkers of ``measurements`` to use. ``None`` uses every biomarker
        observed up to the landmark except response-derived ones, and gives
        kinetic blocks only to biomarkers with on-treatment draws; a list
        fixes the columns whatever the batch.
    include_tumor : bool or None, default=None
        Tumour-size features; ``None`` includes them unless the cohort flags
        ``"tumor_size"`` as response-derived.
    patient_columns : list of str or None, default=None
        Patients-table columns passed through; ``None`` uses ``cohort.feature_columns``.
    detection_limits : dict of str to float or None, default=None
        Declared detection limits per biomarker: the floor for ``log2fc`` and
        the threshold of ``cleared``.
    log_floor : float, default=0.01
        Floor for ``log2fc`` of biomarkers without a declared limit.

    Returns
    -------
    FeatureSet
        ``X`` (features indexed by patient_id), ``therapy_class`` and ``y``.

    Notes
    -----
    LDH is read against its assay's upper limit of normal: when the patients
    table has an ``ldh_uln`` column, ``ldh_uln_ratio__baseline`` replaces raw
    ``ldh__baseline`` (a patient without a ULN gets a missing ratio). Without
    that column raw ``ldh__baseline`` is kept. LDH kinetics (``ldh__*_d<L>``)
    are kept either way; they are scale-free.

    Raises
    ------
    LeakageError
        If a label, excluded column or response-derived biomarker is requested.
    CohortDataError
        If the tables are inconsistent (unknown patients, missing days).
    ExperimentConfigError
        If the landmarks or the baseline window are invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> from irpredict.data import Cohort
    >>> from irpredict.features import build_features
    >>> pats = pd.DataFrame({"patient_id": ["p1"], "therapy_class": ["cytokine"]})
    >>> meas = pd.DataFrame({"patient_id": ["p1"] * 3, "biomarker": ["crp"] * 3,
    ...                      "day": [-2.0, 21.0, 42.0], "value": [10.0, 5.0, 2.5]})
    >>> fs = build_features(Cohort(pats, meas), landmark_days=42)
    >>> float(fs.X.loc["p1", "crp__log2fc_d42"])
    -2.0
    """
    if not hasattr(cohort, "patients") or not hasattr(cohort, "label_col"):
        raise TypeError(
            f"build_features needs an irpredict.data.Cohort; got {type(cohort).__name__}. "
            "Load one with irpredict.data.load_cohort(path), or build it from tables with "
            "irpredict.data.validate_tables(patients, measurements, tumor_assessments)")
    if biomarkers is not None:
        _warn_unmeasured(cohort, biomarkers)
    return _build(cohort, landmark_days, baseline_window, biomarkers, include_tumor,
                  patient_columns=patient_columns, detection_limits=detection_limits,
                  log_floor=log_floor)


def _warn_unmeasured(cohort, biomarkers):
    """A requested biomarker the cohort never measured gives empty columns: say so, with
    the close name when there is one (a misspelling)."""
    import warnings

    from irpredict.data._spec import close_matches
    from irpredict.exceptions import DataWarning

    meas = cohort.measurements
    observed = ([] if meas is None or "biomarker" not in meas.columns
                else sorted(map(str, meas["biomarker"].dropna().unique())))
    for name in dict.fromkeys(map(str, biomarkers)):
        if name in observed:
            continue
        close = close_matches(name, observed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        warnings.warn(
            f"cohort {cohort.name!r}: biomarker {name!r} is never measured in it{hint}; its "
            "feature columns will be empty", DataWarning, stacklevel=3)


def _build(cohort, landmark_days, baseline_window, biomarkers, include_tumor, *,
           patient_columns, detection_limits, log_floor):
    """:func:`build_features` without the checks of a caller's request (a trained model's
    own biomarkers, named in its scoring warnings)."""
    import pandas as pd

    marks, window = _check_params(landmark_days, baseline_window)
    wanted, columns, use_tumor = _guard.resolve_inputs(
        cohort, biomarkers, patient_columns, include_tumor)
    pats = _patients(cohort)
    ids = pats.index
    frame, cats = patient_block(pats, columns, set(cohort.categorical_columns or ()))
    parts = [frame]
    meas = _guard.restrict_to_landmark(cohort.measurements, max(marks))
    if meas is not None or wanted:
        parts += _biomarker_parts(cohort, meas, ids, wanted, window, marks, pats,
                                  detection_limits, log_floor)
    # on-treatment features summarise days 0 < day <= L: at a day-0 landmark there are none
    treated_marks = [m for m in marks if m > 0]
    if use_tumor and cohort.tumor_assessments is not None and treated_marks:
        scans = _guard.restrict_to_landmark(cohort.tumor_assessments, max(marks),
                                            table_name="tumor_assessments")
        values, names = tumour_block(scans, ids, window, treated_marks)
        parts.append(pd.DataFrame(values, index=ids, columns=names))
    X = pd.concat(parts, axis=1)
    y = pats[cohort.label_col] if cohort.has_label else None
    return FeatureSet(X=X, therapy_class=pats["therapy_class"].astype(str), y=y,
                      categorical_columns=cats, landmark_days=tuple(marks),
                      label_col=cohort.label_col)


def _biomarker_parts(cohort, meas, ids, wanted, window, marks, pats, limits, log_floor):
    import pandas as pd

    explicit = wanted is not None
    if meas is None:
        meas = pd.DataFrame({"patient_id": [], "biomarker": [], "day": [], "value": []})
    if not explicit:
        observed = meas["biomarker"].unique()
        wanted = _guard.allowed_biomarkers(cohort, [str(b) for b in observed])
    if not wanted:
        return []
    draws = to_draws(meas, ids, wanted)
    base, base_day = baseline_values(draws, window)
    values, names = baseline_block(base, wanted, keep=[True] * len(wanted) if explicit else None)
    baseline = pd.DataFrame(values, index=ids, columns=names)
    ratios = derived_ratios(baseline, pats)
    if "ldh_uln_ratio__baseline" in ratios.columns:  # the ratio is the reading
        baseline = baseline.drop(columns=[c for c in baseline.columns
                                          if str(c).casefold() == "ldh__baseline"])
    parts = [baseline, ratios]
    for landmark in (m for m in marks if m > 0):  # nothing is on-treatment by day 0
        values, names = kinetic_block(
            draws, base, base_day, wanted, landmark, keep=[True] * len(wanted) if explicit
            else None, detection_limits=limits, log_floor=log_floor)
        parts.append(pd.DataFrame(values, index=ids, columns=names, copy=False))
    return parts
