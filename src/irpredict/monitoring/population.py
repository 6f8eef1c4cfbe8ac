"""The landmark population: who can be scored at landmark day L.

A prediction at landmark L is made for patients who, at day L, have not
progressed and are still on treatment (DOMAIN pitfall 3: a landmark model
trained on everyone would condition on the future, because early
progressors lack on-treatment draws *because* they failed). Membership at L
is decided only from information dated on or before L:

* progression: the first RECIST 1.1 time-point response ``PD`` computed from
  the tumour assessments with ``day <= L`` (scans after L are dropped
  before the time-point responses are derived);
* treatment: optional patients-table columns ``off_treatment_day``,
  ``treatment_end_day`` (the day treatment stopped) and ``death_day``; a
  patient whose earliest of them is ``<= L`` is off treatment at L. Without
  such a column only progression defines the population.

A patient who progressed after L stays in the L population: that is the
label's business, not the population's.
"""

import numpy as np

from irpredict.data.outcome_names import TREATMENT_END_COLUMNS
from irpredict.exceptions import CohortDataError, ExperimentConfigError

__all__ = ["DEFAULT_LANDMARKS", "OFF_TREATMENT_COLUMNS", "check_landmarks",
           "first_progression_day", "landmark_population", "population_summary",
           "restrict_cohort"]

#: Landmark days used when the experiment file does not name any.
DEFAULT_LANDMARKS = (0.0, 21.0, 42.0, 63.0)

#: Patients-table columns read as the day treatment stopped (the earliest of them counts).
OFF_TREATMENT_COLUMNS = TREATMENT_END_COLUMNS


def check_landmarks(days, *, where="landmarks"):
    """Sorted, distinct landmark days as floats.

    Parameters
    ----------
    days : iterable of float
    where : str
        Where the days came from, for the message.

    Returns
    -------
    tuple of float

    Raises
    ------
    ExperimentConfigError
        When empty, not numbers, or negative.
    """
    try:
        given = [days] if isinstance(days, (int, float)) else list(days)
        values = [float(d) for d in given if not isinstance(d, bool | str)]
        ok = bool(values) and len(values) == len(given)
    except (TypeError, ValueError):
        ok = False
    if not ok or any(not np.isfinite(v) or v < 0 for v in values):
        raise ExperimentConfigError(
            f"{where}: landmark days must be a list of numbers >= 0 (days since first dose), "
            f"got {days!r}; e.g. [0, 21, 42, 63].")
    return tuple(sorted(dict.fromkeys(values)))


def first_progression_day(cohort, landmark_days=None):
    """Day of each patient's first RECIST 1.1 ``PD`` time point.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
    landmark_days : float or None, default=None
        When given, only scans with ``day <= landmark_days`` are read, so the
        answer uses nothing dated after the landmark.

    Returns
    -------
    pandas.Series
        Indexed by every patient id of ``cohort.patients`` (str); NaN for
        patients without a PD time point (or without scans).
    """
    import pandas as pd

    from irpredict.features._guard import restrict_to_landmark
    from irpredict.response import timepoint_responses

    ids = cohort.patients["patient_id"].astype(str)
    out = pd.Series(np.nan, index=pd.Index(ids.to_numpy(), name="patient_id"),
                    name="first_pd_day")
    scans = cohort.tumor_assessments
    if scans is None or len(scans) == 0:
        return out
    if landmark_days is not None:
        scans = restrict_to_landmark(scans, float(landmark_days), table_name="tumor_assessments")
        if len(scans) == 0:
            return out
    points = timepoint_responses(scans)
    pd_days = points.loc[points["overall_response"] == "PD"].groupby("patient_id")["day"].min()
    known = pd_days.index.intersection(out.index)
    out.loc[known] = pd_days.loc[known].to_numpy(dtype=float)
    return out


def _off_treatment(cohort):
    """(column per patient, day per patient) of the earliest treatment end, or (None, None).

    Every column of :data:`OFF_TREATMENT_COLUMNS` the patients table has is read; a
    patient's end is the earliest of them (a death ends treatment too).
    """
    import pandas as pd

    pats = cohort.patients
    columns = [c for c in OFF_TREATMENT_COLUMNS if c in pats.columns]
    if not columns:
        return None, None
    ids = pats["patient_id"].astype(str).to_numpy()
    days = {}
    for col in columns:
        values = pd.to_numeric(pats[col], errors="coerce")
        bad = pats[col].notna() & values.isna()
        if bad.any():
            shown = pats.loc[bad, "patient_id"].astype(str).tolist()
            raise CohortDataError(
                f"cohort {cohort.name!r}: column {col!r} is not a number of days for "
                f"{len(shown)} patients ({shown[:5]}); give the day treatment stopped (or the "
                "patient died), or leave it empty.")
        days[col] = values.to_numpy(dtype=float)
    table = pd.DataFrame(days, index=ids)
    earliest = table.min(axis=1)
    values = table.to_numpy()
    first = np.argmax(values == earliest.to_numpy()[:, None], axis=1)  # NaN never equal
    which = pd.Series(np.asarray(columns, dtype=object)[first], index=ids).where(
        earliest.notna())
    return which, earliest


def landmark_population(cohort, landmark_days):
    """Which patients belong to the landmark population at day L, and why not.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
    landmark_days : float
        The landmark day L.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient_id`` (every patient of the cohort):
        ``in_population`` (bool), ``first_pd_day`` (first PD on or before L,
        else NaN), ``off_treatment_day`` (when the cohort has the column and
        it is on or before L, else NaN) and ``reason`` (empty for members).

    Examples
    --------
    >>> import pandas as pd
    >>> from irpredict.data import Cohort
    >>> pats = pd.DataFrame({"patient_id": ["a", "b"], "therapy_class": ["cytokine"] * 2})
    >>> scans = pd.DataFrame({"patient_id": ["a", "a", "b", "b"], "day": [-3, 40, -3, 40],
    ...                       "target_sld_mm": [50.0, 70.0, 50.0, 45.0]})
    >>> landmark_population(Cohort(pats, tumor_assessments=scans), 42)["in_population"].tolist()
    [False, True]
    """
    from irpredict.data.cohort import require_cohort

    require_cohort(cohort, "landmark_population(cohort, ...)")
    landmark_days = check_landmarks([landmark_days], where="landmark_population")[0]
    landmark = float(landmark_days)
    pd_day = first_progression_day(cohort, landmark)
    progressed = pd_day.notna().to_numpy()
    frame = pd_day.to_frame()
    which, stop = _off_treatment(cohort)
    stopped = np.zeros(len(frame), dtype=bool)
    frame["off_treatment_day"] = np.nan
    if stop is not None:
        stop, which = stop.reindex(frame.index), which.reindex(frame.index)
        stopped = (stop <= landmark).to_numpy()
        frame.loc[stopped, "off_treatment_day"] = stop[stopped].to_numpy()
    reason = np.full(len(frame), "", dtype=object)
    for i in np.flatnonzero(stopped):
        col = which.iloc[i]
        reason[i] = (f"died on day {stop.iloc[i]:g} ({col})" if col == "death_day" else
                     f"progressed or died (PFS event) on day {stop.iloc[i]:g} ({col})"
                     if col == "progression_day" else
                     f"off treatment since day {stop.iloc[i]:g} ({col})")
    for i in np.flatnonzero(progressed):
        reason[i] = f"progressed (RECIST PD) on day {pd_day.iloc[i]:g}"
    frame["reason"] = reason
    frame.insert(0, "in_population", ~(progressed | stopped))
    return frame


def restrict_cohort(cohort, patient_ids):
    """The same cohort with only the given patients in every table."""
    from dataclasses import replace

    keep = {str(p) for p in patient_ids}

    def subset(table):
        if table is None:
            return None
        return table.loc[table["patient_id"].astype(str).isin(keep)].reset_index(drop=True)

    return replace(cohort, patients=subset(cohort.patients),
                   measurements=subset(cohort.measurements),
                   tumor_assessments=subset(cohort.tumor_assessments))


def population_summary(cohort, landmarks):
    """Size of each landmark population, its responders and who was left out.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
    landmarks : iterable of float

    Returns
    -------
    pandas.DataFrame
        One row per landmark: ``landmark``, ``n_patients`` (labelled members),
        ``n_responders``, ``n_progressed``, ``n_off_treatment`` (left out),
        ``n_unlabelled`` (members without a label) and ``progression_known`` (the cohort
        has tumour scans: without them no progression can be seen, and none is counted).
    """
    import pandas as pd

    scanned = cohort.tumor_assessments is not None and len(cohort.tumor_assessments) > 0
    rows = []
    label = None
    if cohort.has_label:
        label = pd.Series(cohort.patients[cohort.label_col].to_numpy(),
                          index=cohort.patients["patient_id"].astype(str).to_numpy())
    for landmark in check_landmarks(landmarks):
        pop = landmark_population(cohort, landmark)
        members = pop.index[pop["in_population"]]
        y = label.reindex(members) if label is not None else pd.Series(dtype=float)
        rows.append({
            "landmark": landmark,
            "n_patients": int(y.notna().sum()),
            "n_responders": int((y == 1).sum()),
            "n_progressed": int(pop["first_pd_day"].notna().sum()),
            "n_off_treatment": int((pop["off_treatment_day"].notna()
                                    & pop["first_pd_day"].isna()).sum()),
            "n_unlabelled": int(y.isna().sum()),
            "progression_known": scanned,
        })
    return pd.DataFrame(rows)
