"""The rules of one ``irpredict screen`` call: threshold ranges and repeated rules."""

import math
import re
import warnings

import numpy as np

from irpredict.data.outcome_names import (
    TREATMENT_END_COLUMNS,
    looks_like_outcome,
    on_treatment_time,
)
from irpredict.exceptions import DataWarning, ExperimentConfigError

__all__ = ["parse_thresholds", "unique_rules", "check_rules_on_every_patient",
           "has_therapy_column", "on_treatment_only", "outcome_columns", "follow_up_columns",
           "refuse_outcome_columns", "MAX_THRESHOLDS"]

#: Most thresholds one call evaluates (each is bootstrapped).
MAX_THRESHOLDS = 200


def parse_thresholds(text):
    """Thresholds written as ``start:stop:step`` (inclusive, never past stop) or ``a,b,c``.

    Raises
    ------
    ExperimentConfigError
        Not numbers, a step <= 0, stop < start, non-finite values, or more than
        :data:`MAX_THRESHOLDS` thresholds.
    """
    try:
        if ":" in text:
            start, stop, step = (float(x) for x in text.split(":"))
            if not all(map(math.isfinite, (start, stop, step))) or step <= 0 or stop < start:
                raise ValueError
            values = None
        else:
            values = np.array([float(x) for x in text.split(",") if x.strip()])
            if not np.isfinite(values).all():
                raise ValueError
    except ValueError:
        raise ExperimentConfigError(
            f"--thresholds '{text}' is not start:stop:step (e.g. 0.1:0.6:0.05, finite numbers, "
            "step > 0, stop >= start) or a comma list of finite numbers (e.g. 0.2,0.3)"
        ) from None
    if values is None:
        count = (stop - start) / step + 1  # counted before building them all
        if count > MAX_THRESHOLDS + 1:  # (the range below drops one past stop)
            _too_many(text, count)
        values = np.round(np.arange(start, stop + step / 2, step), 10)
        values = values[values <= stop + 1e-9 * max(1.0, abs(stop))]
    if not len(values) or len(values) > MAX_THRESHOLDS:
        _too_many(text, len(values))
    return [float(v) for v in values]


def _too_many(text, count):
    raise ExperimentConfigError(
        f"--thresholds '{text}' gives {f'{count:,.0f}' if count < 1e9 else 'over a billion'} "
        f"thresholds; give 1 to "
        f"{MAX_THRESHOLDS} (a larger step or a narrower range)")


def _without_spacing(text):
    """``text`` without the white space outside quotes and backticks."""
    return "".join(part if i % 2 else "".join(part.split())
                   for i, part in enumerate(re.split(r"""('[^']*'|"[^"]*"|`[^`]*`)""", text)))


def unique_rules(rules):
    """``rules`` without repeats (spacing outside quotes ignored), with a warning naming the
    dropped ones."""
    seen, kept, dropped = set(), [], []
    for rule in rules:
        key = _without_spacing(str(getattr(rule, "label", rule)))
        if key in seen:
            dropped.append(rule)
            continue
        seen.add(key)
        kept.append(rule)
    if dropped:
        names = [str(getattr(rule, "label", rule)) for rule in dropped]
        warnings.warn(f"rules given more than once are screened once: {names}", DataWarning,
                      stacklevel=2)
    return kept


def check_rules_on_every_patient(frame, rules):
    """Raise a criterion's type error on the whole cohort, before a therapy class is picked:
    a text column whose values look like numbers in one class (her2_ihc "0") is still text."""
    from irpredict.screening.criteria import evaluate_criteria

    with warnings.catch_warnings():  # said again when the rule is screened
        warnings.simplefilter("ignore")
        for rule in rules:
            if isinstance(rule, str):  # --criteria; score thresholds are checked by the CLI
                evaluate_criteria(rule, frame)


def has_therapy_column(source):
    """Whether the table file ``source`` has a ``therapy_class`` column of its own."""
    return has_column(source, "therapy_class")


def has_column(source, column):
    """Whether the table file ``source`` has a column named ``column``."""
    from irpredict.data._readers import read_table
    from irpredict.exceptions import CohortDataError

    try:
        return column in read_table(source, table="patients").columns
    except (OSError, ValueError, CohortDataError):
        return False  # the cohort reader says what is wrong with the file


def on_treatment_only(cohort):
    """Biomarkers (and tumour series) the cohort has no baseline value of: names a rule
    may reach for and cannot use."""
    names = set()
    for table in (cohort.measurements, cohort.tumor_assessments):
        if table is None or not len(table) or "day" not in table.columns:
            continue
        if "biomarker" in table.columns:
            days = table.groupby("biomarker")["day"].min()
            names |= {str(b) for b, d in days.items() if d > 0}
    return frozenset(names)


def outcome_columns(cohort, frame, mapping=None):
    """Columns a screening rule must not use, each with the reason."""
    reasons = {"response": "the label", cohort.label_col: "the label"}
    if getattr(mapping, "label", None):  # the table's own name of the label column
        reasons[mapping.label] = "the label"
    for name in cohort.excluded_columns:
        reasons[name] = "excluded from the features in the experiment's [data.columns]"
    for name in getattr(mapping, "response_derived", None) or ():
        reasons[name] = "declared response-derived in the experiment's [data.columns]"
    for biomarker in cohort.response_derived_biomarkers:
        for name in frame.columns:
            if name == biomarker or name.startswith(f"{biomarker}__"):
                reasons[name] = f"built from the response-derived series '{biomarker}'"
    return reasons


#: Words that make a column a prediction of the outcome rather than the outcome itself.
_SCORE_WORDS = frozenset({"prob", "proba", "probability", "score", "pred", "predicted",
                          "prediction", "risk", "oof", "logit"})
#: Outcomes that are scores themselves: "score" beside them names the outcome, not a prediction.
_OUTCOME_SCORES = frozenset({"rcb"})


def _a_prediction(name):
    words = set(re.split(r"[^a-z0-9]+", str(name).lower()))
    predicts = _SCORE_WORDS & words
    if words & _OUTCOME_SCORES:
        predicts -= {"score"}
    return bool(predicts)


def follow_up_columns(cohort, frame):
    """Patients-table columns a criterion must not use, each with the reason: the day treatment
    stopped, and columns whose names read as outcomes (left out of the features).

    Scores are not held to the names: they are often named after the outcome they predict
    (``pcr_prob``), so a name with a word of :data:`_SCORE_WORDS` passes (``RCB.score`` does
    not: the residual cancer burden score is an outcome).
    """
    features = set(cohort.feature_columns or ())
    reasons = {}
    for name in cohort.patients.columns:
        if name in features or name not in frame.columns:
            continue
        if name in TREATMENT_END_COLUMNS:
            reasons[name] = "the day treatment stopped, known only after enrolment"
        elif looks_like_outcome(name) and not _a_prediction(name):
            reasons[name] = ("a column whose name reads as an outcome or follow-up, left out "
                             "of the features (name it in the experiment's features to use it)")
        elif "__" not in str(name) and on_treatment_time(name) and not _a_prediction(name):
            reasons[name] = (f"a column whose name dates it after the first dose "
                             f"({on_treatment_time(name)}), known only after enrolment")
    return reasons


def refuse_outcome_columns(criteria, score_column, outcome_columns, follow_up=None):
    """Refuse criteria or scores that read the outcome: their enrichment would be fake.

    ``follow_up`` (see :func:`follow_up_columns`) holds the columns known only after
    enrolment; scores named after what they predict are not among them.
    """
    from irpredict.screening.criteria import parse_criteria

    refused = {**(follow_up or {}), **outcome_columns}
    used = [(name, f"criterion '{text}'", refused)
            for text in criteria for name in parse_criteria(text).names]
    if score_column is not None:
        used.append((score_column, "--score-column", refused))
    for name, where, refused in used:
        for column in (name, f"{name}__baseline"):
            if column in refused:
                raise ExperimentConfigError(
                    f"{where} uses '{column}', {refused[column]}: a screening rule "
                    "reads only what is known at enrolment and allowed as a feature (a rule "
                    "on the outcome or on anything derived from it would show enrichment no "
                    "trial could have); screen on pre-treatment columns or out-of-fold scores")
