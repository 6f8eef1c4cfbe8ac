"""Column names that read as outcomes or follow-up, kept out of the default features.

A cohort's features default to every column of its patients table but the id,
therapy class, site, label and excluded columns. A column such as ``OS_Months``,
``BestResponse`` or ``off_treatment_day`` is known only after treatment: used
as a feature it would leak the outcome. Such columns are left out of the
default features with a warning; naming one in ``features`` (or a feature
set) still uses it, except the treatment-end columns of
:data:`TREATMENT_END_COLUMNS`, which the landmark guard refuses as features.
"""

import re
import warnings

from irpredict.exceptions import OutcomeColumnWarning

__all__ = ["looks_like_outcome", "on_treatment_time", "drop_outcome_like",
           "TREATMENT_END_COLUMNS"]

#: Patients-table columns that give the day treatment stopped. The landmark population reads
#: them (irpredict.monitoring); they are follow-up, so never default features, and being
#: expected they are left out without a warning.
TREATMENT_END_COLUMNS = ("off_treatment_day", "treatment_end_day", "progression_day",
                         "death_day")

#: Words that mark an outcome or follow-up wherever they stand in a column name.
_ANYWHERE = frozenset({
    "os", "pfs", "efs", "dfs", "rfs", "dss", "ttp", "ttf", "orr", "bor", "cbr", "dcb", "pcr",
    "rcb", "recist", "irecist", "survival", "censor", "censored", "death", "died", "dead",
    "living", "alive", "relapse", "recurrence", "progression", "progressed",
    "responder", "responders", "followup", "dcr", "shrinkage", "ypt0", "ypt0n0", "ypn0",
})
#: Words that mark an outcome when they begin a column name (``response``, but not
#: ``ifn_response_score``, an expression signature).
_FIRST = frozenset({"response", "resp", "best", "outcome", "event", "events"})
#: Word pairs: the end of treatment or of follow-up.
_PAIRS = frozenset({
    ("off", "treatment"), ("off", "trial"), ("off", "study"), ("treatment", "end"),
    ("treatment", "stop"), ("end", "of"), ("follow", "up"), ("last", "contact"),
    ("last", "visit"), ("last", "follow"), ("vital", "status"),
    ("clinical", "benefit"), ("residual", "cancer"), ("residual", "disease"),
    ("residual", "tumor"), ("residual", "tumour"), ("pd", "date"), ("pd", "day"),
    ("sld", "change"), ("change", "sld"), ("sld", "nadir"), ("nadir", "sld"),
})
#: Words that make a following ``response`` (``complete_response``) or ``cr``
#: (``pathologic_cr``) an outcome; ``ifn_response_score`` stays a signature.
_RESPONSE_KINDS = frozenset({
    "complete", "partial", "objective", "overall", "tumor", "tumour", "pathologic",
    "pathological", "path", "radiologic", "radiological", "clinical", "treatment", "therapy",
})


def _words(name, camel):
    if camel:  # BestResponse -> Best Response (but pCR stays whole in the other reading)
        name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def looks_like_outcome(name):
    """Whether a column name reads as an outcome or follow-up (``OS_Months``, ``pCR``,
    ``BestResponse``, ``off_treatment_day``, ``t.pfs``).

    Parameters
    ----------
    name : str

    Returns
    -------
    bool
    """
    for camel in (False, True):
        words = _words(str(name), camel)
        if not words:
            continue
        if words[0] in _FIRST or any(w in _ANYWHERE for w in words):
            return True
        for pair in zip(words, words[1:], strict=False):
            if pair in _PAIRS or (pair[0] in _RESPONSE_KINDS and pair[1] in ("response", "cr")):
                return True
    return False


#: A time after the first dose written into a column name: cycle 3 day 1, day 14, week 6,
#: month 3, 6wk. A bare ``d`` is no day (vitamin D3, cyclin D2, the D2-40 clone).
_CYCLE_DAY = re.compile(r"c(\d+)d(\d+)")
_TIME_WORD = re.compile(r"(day|week|wk|cycle|cyc|month|mo)(\d+)")
_TIME_AFTER = re.compile(r"(\d+)(days|day|weeks|week|wks|wk|months|month|mo)")
_TIME_MIN = {"day": 2, "days": 2, "week": 1, "weeks": 1, "wk": 1, "wks": 1, "cycle": 2,
             "cyc": 2, "month": 1, "months": 1, "mo": 1}
_AFTER_START = frozenset({("on", "treatment"), ("on", "therapy"), ("on", "tx"),
                          ("post", "treatment"), ("post", "therapy"), ("post", "dose"),
                          ("during", "treatment"), ("end", "treatment"), ("eot", "")})


def on_treatment_time(name):
    """The part of a column name that dates its value after the first dose (``c3d1`` in
    ``ctdna_c3d1``, ``day14`` in ``ki67_day14``, ``6wk``, ``on treatment``), or None. Cycle 1
    day 1, day 0 and day 1 are the first dose, and a negative day (``day_-14``) comes before
    it: no time after it.

    Parameters
    ----------
    name : str

    Returns
    -------
    str or None
    """
    text = re.sub(r"-\s*(?=\d)", "minus", str(name))  # day-28, day_-14: before the first dose
    for camel in (False, True):  # ki67_day14, Ki67Day14, ctdnaC3D1
        words = _words(text, camel)
        for word, after in zip(words, [*words[1:], ""], strict=False):  # no words: no time
            cycle_day = _CYCLE_DAY.fullmatch(word) or (
                _CYCLE_DAY.fullmatch(word + after) if re.fullmatch(r"c\d+", word) else None)
            if cycle_day and (int(cycle_day[1]), int(cycle_day[2])) != (1, 1):
                return cycle_day[0]
            timed = _TIME_WORD.fullmatch(word) or (
                _TIME_WORD.fullmatch(word + after) if word in _TIME_MIN and after.isdigit()
                else None)
            if timed and int(timed[2]) >= _TIME_MIN[timed[1]]:
                return timed[0] if timed[0] == word else f"{word} {after}"
            later = _TIME_AFTER.fullmatch(word)
            if later and int(later[1]) >= _TIME_MIN[later[2]]:
                return word
            if (word, after) in _AFTER_START or (word, "") in _AFTER_START:
                return f"{word} {after}".strip() if (word, after) in _AFTER_START else word
    return None


def drop_outcome_like(columns, *, source):
    """``columns`` without the outcome-like ones, with an :class:`OutcomeColumnWarning` about
    those (the treatment-end columns of :data:`TREATMENT_END_COLUMNS` go without a warning).

    Parameters
    ----------
    columns : list of str
        Default feature columns.
    source : str
        The table they come from, named in the warning.

    Returns
    -------
    list of str
    """
    expected = [c for c in columns if c in TREATMENT_END_COLUMNS]
    # built features (ctdna__last_d42) name the landmark they were built at: not guessed at
    later = {c: on_treatment_time(c) for c in columns if "__" not in str(c)
             and c not in expected and not looks_like_outcome(c) and on_treatment_time(c)}
    if later:
        shown = ", ".join(f"{c!r} ({t})" for c, t in list(later.items())[:8])
        warnings.warn(
            f"{source}: {'columns' if len(later) > 1 else 'column'} {shown} "
            f"{'read' if len(later) > 1 else 'reads'} as measured after the first dose and "
            f"{'are' if len(later) > 1 else 'is'} left out of the default features: a table "
            "column has no day, so the landmark guard cannot keep it from a baseline model. "
            "Give such a value as a [[data.measurements]] series with its day (layout "
            "fixed_day), or name the column in features to use it as a baseline value",
            OutcomeColumnWarning, stacklevel=3)
    left_out = [c for c in columns if looks_like_outcome(c) and c not in expected]
    if left_out:
        names = ", ".join(repr(str(c)) for c in left_out[:8])
        more = f" and {len(left_out) - 8} more" if len(left_out) > 8 else ""
        what = (f"columns {names}{more} look like outcomes or follow-up and are"
                if len(left_out) > 1 else f"column {names} looks like an outcome or follow-up "
                "and is")
        warnings.warn(
            f"{source}: {what} left out of the default features. To say so, list "
            f"{'them' if len(left_out) > 1 else 'it'} under [data.columns] exclude; to use "
            f"{'them' if len(left_out) > 1 else 'it'}, name {'them' if len(left_out) > 1 else 'it'}"
            " in features", OutcomeColumnWarning, stacklevel=3)
    return [c for c in columns if c not in {*left_out, *expected, *later}]
