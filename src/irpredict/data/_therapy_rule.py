"""Therapy rules: the therapy class of each patient read from a column's values."""

import re

from irpredict.data._patients import as_text, text_value

__all__ = ["therapy_by_rule", "rule_matcher"]

_BOOLEAN_KEYS = {"true": "1", "false": "0", "yes": "1", "no": "0", "1.0": "1", "0.0": "0"}


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

    def one(value):
        if pd.isna(value):
            return rule.default
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
