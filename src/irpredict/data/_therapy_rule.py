"""Therapy rules: the therapy class of each patient read from a column's values."""

import re

from irpredict.data._patients import as_text, text_value

__all__ = ["therapy_by_rule", "therapy_from_rule", "rule_matcher", "with_known_values",
           "unseen_values"]

_BOOLEAN_KEYS = {"true": "1", "false": "0", "yes": "1", "no": "0", "y": "1", "n": "0",
                 "1.0": "1", "0.0": "0"}


def _rule_key(value):
    """A therapy-rule value with case, surrounding spaces and true/false vs 1/0 made equal."""
    text = str(value).strip().casefold()
    return _BOOLEAN_KEYS.get(text, text)


def rule_matcher(rule):
    """``value -> therapy class`` of a therapy rule (exact keys and patterns first)."""
    import pandas as pd

    patterns = [(re.compile(p), cls) for p, cls in rule.patterns.items()]
    exact = {text_value(k): v for k, v in rule.map.items()}
    # a value written in another case, or true/false for 1/0, is the same arm
    folded = {_rule_key(k): v for k, v in exact.items()}
    loose = [(re.compile(p, re.IGNORECASE), cls) for p, cls in rule.patterns.items()]

    known = getattr(rule, "known_values", None)  # None in models saved before it existed
    known = None if known is None else {_rule_key(v) for v in known}

    def one(value):
        if pd.isna(value):
            return rule.default
        if known is not None and _rule_key(value) not in known:
            return None  # the model never saw this value: not the default's to decide
        if value in exact:
            return exact[value]
        for pattern, cls in patterns:
            if pattern.search(value):
                return cls
        if _rule_key(value) in folded:
            return folded[_rule_key(value)]
        for pattern, cls in loose:
            if pattern.search(value):
                return cls
        return rule.default

    return one


def therapy_by_rule(values, rule):
    """Therapy class of each value by a therapy rule (``<NA>`` where the rule has no answer).

    Parameters
    ----------
    values : pandas.Series
        The rule column's values.
    rule : TherapyRule

    Returns
    -------
    pandas.Series of string dtype
    """
    return as_text(values).map(rule_matcher(rule)).astype("string")


def unseen_values(values, rule):
    """Values of the rule's column that a model's training data never held (text, sorted)."""
    known = getattr(rule, "known_values", None)
    if known is None:
        return []
    known = {_rule_key(v) for v in known}
    return sorted({v for v in as_text(values).dropna() if _rule_key(v) not in known})


def with_known_values(mapping, patients):
    """``mapping`` with its therapy rule holding the values ``patients`` gives its column.

    A model keeps this mapping: a later cohort's value the training data never held
    (``Y`` where training had 0 and 1) is then refused, not given the rule's default.

    Parameters
    ----------
    mapping : irpredict.data.ColumnMapping or None
    patients : pandas.DataFrame
        The training cohort's patients table.

    Returns
    -------
    irpredict.data.ColumnMapping or None
    """
    from dataclasses import replace

    from irpredict.data._patients import SOURCE_PREFIX

    rule = getattr(mapping, "therapy_rule", None)
    if rule is None:
        return mapping
    column = next((c for c in (SOURCE_PREFIX + rule.column, rule.column)
                   if c in patients.columns), None)
    if column is None:
        return mapping
    # as first written in training (messages show them so), one spelling per value
    values = as_text(patients[column]).dropna().str.strip()
    spelled = {}
    for value in values:
        spelled.setdefault(_rule_key(value), value)
    known = tuple(sorted(spelled.values()))
    return replace(mapping, therapy_rule=replace(rule, known_values=known))


#: Unmapped therapy-rule values named in the error (the most frequent first).
_UNMAPPED_SHOWN = 12


def therapy_from_rule(column, rule, ids, source):
    """The therapy class of each patient of a table, read by ``rule`` from its ``column``.

    Values the rule leaves unmapped, or a trained model never saw, are a
    :class:`CohortDataError` naming them and their patients; missing values
    given the rule's default are warned about.
    """
    from irpredict.data._spec import format_ids
    from irpredict.exceptions import CohortDataError

    text = as_text(column)
    one = rule_matcher(rule)

    out = text.map(one)
    bad = out.isna()
    unseen = unseen_values(text[bad], rule)
    if unseen:
        rows = bad & text.isin(unseen)
        raise CohortDataError(
            f"{source}: column {rule.column!r}, which gives each patient's therapy class, holds "
            f"values the model's training data never held: {format_ids(unseen)} (patients "
            f"{format_ids(ids[rows].tolist())}); the training data held "
            f"{format_ids(list(rule.known_values))}. Write them as in training, or describe "
            "this table in an experiment file with its own [data.therapy_rule] (or a "
            "therapy_class column) and pass that file instead.")
    if bad.any():
        values = text[bad].fillna("<missing>").value_counts()
        shown = dict(values.head(_UNMAPPED_SHOWN))
        more = (f" ({len(values)} values, the {_UNMAPPED_SHOWN} most frequent shown)"
                if len(values) > _UNMAPPED_SHOWN else "")
        raise CohortDataError(
            f"{source}: therapy rule on column {rule.column!r} leaves values unmapped: "
            f"{shown}{more} (patients {format_ids(ids[bad].tolist())}); "
            "add them to the rule's map or patterns, or set a default."
        )
    missing = text.isna()
    if rule.default is not None and missing.any():
        import warnings

        from irpredict.exceptions import DataWarning

        warnings.warn(
            f"{source}: {int(missing.sum())} patients have no value in column "
            f"{rule.column!r} (patients {format_ids(ids[missing].tolist())}); the therapy "
            f"rule's default gives them {rule.default!r}. Fill in their therapy, or leave them "
            "out if it is unknown.", DataWarning, stacklevel=2)
    return out.astype("string")
