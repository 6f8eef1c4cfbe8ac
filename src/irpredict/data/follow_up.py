"""``[data.follow_up]``: progression and death days from survival columns (time and event).

A published cohort rarely has a day treatment stopped, but often has progression-free and
overall survival: a time (in days, weeks, months or years) and an event flag. The landmark
population (:mod:`irpredict.monitoring.population`) needs to know who had progressed or died
before a landmark; this turns each survival pair into the patients-table column it reads:

* ``progression``: a progression-free-survival event (progression or death) on day t:
  ``progression_day`` = t;
* ``death``: an overall-survival event: ``death_day`` = t.

A censored patient (event 0) gets no day. Neither column is ever a feature.
"""

from dataclasses import dataclass

import numpy as np

from irpredict.data._spec import check_keys, get
from irpredict.exceptions import CohortDataError, ExperimentConfigError

__all__ = ["FollowUp", "parse_follow_up", "with_follow_up_days", "DAYS_PER"]

#: Days per unit of a survival time.
DAYS_PER = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}

#: ``[data.follow_up]`` key -> the patients-table column it fills.
_COLUMNS = {"progression": "progression_day", "death": "death_day"}


@dataclass(frozen=True)
class FollowUp:
    """One survival pair: its time column, event column, time unit and, when the event is not
    written 0/1, how its values read (``(("Progressed", 1), ("Censored", 0))``)."""

    column: str
    time: str
    event: str
    unit: str
    event_codes: tuple = ()


def parse_follow_up(spec, *, where):
    """The ``[data.follow_up]`` table as a tuple of :class:`FollowUp` (empty when absent).

    Raises
    ------
    ExperimentConfigError
        Unknown keys, a missing ``time`` or ``event``, or an unknown unit.
    """
    if spec is None:
        return ()
    check_keys(spec, tuple(_COLUMNS), where=where)
    out = []
    for key, column in _COLUMNS.items():
        pair = get(spec, key, "dict", where=where)
        if pair is None:
            continue
        here = f"{where} {key}"
        check_keys(pair, ("time", "event", "unit", "event_map"), where=here)
        codes = get(pair, "event_map", "dict", where=here) or {}
        if any(v not in (0, 1) or isinstance(v, bool) for v in codes.values()):
            raise ExperimentConfigError(f"{here}: event_map maps each written value to 1 (the "
                                        f"event) or 0 (censored); got {codes}")
        unit = get(pair, "unit", "str", where=here, default="days").strip().lower()
        if unit not in DAYS_PER:
            raise ExperimentConfigError(f"{here}: unit {unit!r} is not one of "
                                        f"{', '.join(DAYS_PER)}; give the unit of its time")
        out.append(FollowUp(column, get(pair, "time", "str", where=here, required=True),
                            get(pair, "event", "str", where=here, required=True), unit,
                            tuple((str(k).strip(), int(v)) for k, v in codes.items())))
    return tuple(out)


def with_follow_up_days(cohort, follow_up, *, where):
    """``cohort`` with ``progression_day`` / ``death_day`` from its survival columns.

    Raises
    ------
    CohortDataError
        A column missing from the patients table, a time that is no number or is negative,
        an event other than 0/1, or a day column the table already has.
    """
    from dataclasses import replace

    import pandas as pd

    if not follow_up:
        return cohort
    patients = cohort.patients.copy()
    ids = patients["patient_id"].astype(str)
    for item in follow_up:
        for name in (item.time, item.event):
            if name not in patients.columns:
                raise CohortDataError(f"{where}: column {name!r} is not in the patients table; "
                                      "name the survival time and event columns as written")
        if item.column in patients.columns:
            raise CohortDataError(f"{where}: the patients table already has {item.column!r}; "
                                  "keep one of it and the survival columns that would fill it")
        time = pd.to_numeric(patients[item.time], errors="coerce")
        written = patients[item.event]
        if item.event_codes:
            codes = dict(item.event_codes)
            written = written.map(lambda v, codes=codes: v if v is None or v != v
                                  else codes.get(str(v).strip(), v))
        event = pd.to_numeric(written, errors="coerce")
        for bad, what in (((patients[item.time].notna() & time.isna()) | (time < 0),
                           f"{item.time!r} is not a time of 0 or more"),
                          (written.notna() & ~event.isin([0, 1]),
                           f"{item.event!r} is not an event flag of 0 or 1"
                           + (" nor a value of its event_map" if item.event_codes else
                              " (map other codes with event_map)"))):
            if bad.any():
                raise CohortDataError(f"{where}: {what} for {int(bad.sum())} patients "
                                      f"({', '.join(ids[bad].head(5))}); fix or empty them")
        untimed = (event == 1) & time.isna()
        if untimed.any():
            import warnings

            from irpredict.exceptions import DataWarning

            warnings.warn(f"{where}: {int(untimed.sum())} patients have an event in "
                          f"{item.event!r} but no time in {item.time!r} "
                          f"({', '.join(ids[untimed].head(5))}): their day is unknown, so they "
                          "stay in every landmark population; give the time", DataWarning,
                          stacklevel=3)
        days = (time * DAYS_PER[item.unit]).where(event == 1)
        patients[item.column] = np.round(days.to_numpy(dtype=float), 1)
    return replace(cohort, patients=patients)
