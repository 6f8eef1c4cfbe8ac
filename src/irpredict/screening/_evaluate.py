"""Vectorised three-valued evaluation of a parsed criterion over a DataFrame.

Every node evaluates to a pair of boolean arrays ``(value, known)``: a
comparison with a missing operand is unknown, and ``and``/``or``/``not``
follow Kleene logic. Only at the end is unknown mapped to not eligible
(``missing="exclude"``) or eligible (``missing="include"``).
"""

import difflib
import re

import numpy as np

from irpredict.exceptions import CriteriaError
from irpredict.screening._nodes import BoolOp, Compare, InList, Literal, Name, Not

__all__ = ["resolve_column", "evaluate_tree"]

_MISSING_MODES = ("exclude", "include")
_BASELINE = "__baseline"


def resolve_column(frame, name, *, text=None):
    """The column of ``frame`` a criteria name refers to.

    ``x`` matches a column ``x`` or else ``x__baseline``.

    Raises
    ------
    CriteriaError
        When neither exists; the message lists the closest column names.
    """
    if name in frame.columns:
        return name
    if name + _BASELINE in frame.columns:
        return name + _BASELINE
    refused = set(frame.attrs.get(NOT_SCREENABLE, ()))
    columns = [str(c) for c in frame.columns if str(c) not in refused]
    short = {c[: -len(_BASELINE)]: c for c in columns if c.endswith(_BASELINE)}
    candidates = sorted(set(columns) | set(short))
    # the derived columns of a biomarker first (ldh -> ldh_uln_ratio), then spelling neighbours
    derived = [c for c in candidates if c.lower().startswith(f"{name.lower()}_")
               and c not in short.values()]
    derived.sort(key=lambda c: c not in short)  # measured biomarkers' features first
    # PDL1_CPS, pd_l1_cps and `PD-L1 CPS` are one name written three ways
    folded = {_fold(c): c for c in candidates}
    same = [folded[_fold(name)]] if _fold(name) in folded else []
    spelled = [folded[k] for k in difflib.get_close_matches(_fold(name), list(folded), n=5,
                                                            cutoff=0.6)]
    close = list(dict.fromkeys(
        same + derived + difflib.get_close_matches(name, candidates, n=5, cutoff=0.6)
        + spelled))[:5]
    hint = (f"closest: {', '.join(close)}" if close
            else f"{len(candidates)} columns available, e.g. {', '.join(candidates[:8])}")
    if name == "prob_response":
        hint += ("; a model's predicted probability: pass --model to score the patients, or "
                 "--score-column with --thresholds for a column of out-of-fold scores")
    where = f"criteria '{text}': " if text else ""
    later = frame.attrs.get(ON_TREATMENT_ONLY, ())
    if name in later or name.split("__")[0] in later:
        raise CriteriaError(
            f"{where}'{name}' is measured only after the first dose in this cohort: a "
            "screening rule reads what is known at enrolment (patient columns and baseline "
            f"values, day <= 0){f'; closest: {chr(44).join(close)}' if close else ''}")
    raise CriteriaError(f"{where}unknown column '{name}' ({hint}). Fix the name; quote names "
                        "with spaces or other symbols in backticks, e.g. `my column` >= 1")


#: ``DataFrame.attrs`` key: biomarkers a cohort measured after the first dose only.
ON_TREATMENT_ONLY = "irpredict.on_treatment_only"

#: ``frame.attrs`` key: columns a rule may not read (the label, outcomes, follow-up).
NOT_SCREENABLE = "irpredict.not_screenable"


def _fold(name):
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def _is_text(series):
    import pandas as pd

    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _numeric(series, col, text):
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & values.isna()
    if bad.any():
        examples = ", ".join(repr(v) for v in series[bad].astype(str).unique()[:3])
        raise CriteriaError(f"criteria '{text}': column '{col}' holds text ({examples}; "
                            f"{int(bad.sum())} rows) and cannot be compared with a number; "
                            f"compare it with a quoted string, e.g. `{col}` == 'value'")
    return values.to_numpy(dtype=float, na_value=np.nan)


def _operand(frame, node, want_text, text):
    """Values and missing mask of an operand, as numbers or as text."""
    if isinstance(node, Literal):
        value = node.value
        n = len(frame)
        if want_text:
            return np.full(n, str(value), dtype=object), np.zeros(n, dtype=bool)
        return np.full(n, float(value)), np.zeros(n, dtype=bool)
    col = resolve_column(frame, node.name, text=text)
    series = frame[col]
    missing = series.isna().to_numpy()
    if want_text:
        return series.astype(object).where(~series.isna(), "").astype(str).to_numpy(), missing
    values = _numeric(series, col, text)
    return values, missing | np.isnan(values)


def _wants_text(frame, nodes, text):
    """Whether a comparison between ``nodes`` is between texts; errors on a mix."""
    literal_kinds = {isinstance(n.value, str) for n in nodes if isinstance(n, Literal)}
    column_text = [
        _is_text(frame[resolve_column(frame, n.name, text=text)]) for n in nodes
        if isinstance(n, Name)
    ]
    if len(literal_kinds) > 1:
        raise CriteriaError(f"criteria '{text}': mixes quoted strings and numbers in one "
                            "comparison")
    if literal_kinds == {True}:
        for n in nodes:
            if isinstance(n, Name) and not _is_text(frame[resolve_column(frame, n.name)]):
                raise CriteriaError(
                    f"criteria '{text}': column '{n.name}' is numeric but is compared with a "
                    "quoted string; write the number without quotes")
        return True
    if literal_kinds == {False}:
        return False
    return bool(column_text) and all(column_text)


def _compare(frame, node, text):
    import operator

    ops = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
           "==": operator.eq, "!=": operator.ne}
    want_text = _wants_text(frame, [node.left, node.right], text)
    if want_text and node.op not in ("==", "!="):
        raise CriteriaError(f"criteria '{text}': '{node.op}' needs numbers; text can only be "
                            "compared with ==, != or in (...)")
    a, ma = _operand(frame, node.left, want_text, text)
    b, mb = _operand(frame, node.right, want_text, text)
    if node.op in ("==", "!="):
        for name, literal in ((node.left, node.right), (node.right, node.left)):
            if isinstance(name, Name) and isinstance(literal, Literal):
                _warn_value_never_held(frame, name, literal.value, want_text, text)
    known = ~(ma | mb)
    with np.errstate(invalid="ignore"):
        value = np.asarray(ops[node.op](a, b), dtype=bool) & known
    return value, known


def _warn_value_never_held(frame, name, value, want_text, text):
    """A value compared for equality that no patient's column holds is said (a typo, a code)."""
    import warnings
    from difflib import get_close_matches

    from irpredict.exceptions import DataWarning

    series = frame[resolve_column(frame, name.name, text=text)].dropna()
    if not len(series):
        return
    if want_text:
        held = sorted(set(series.astype(str)))
        if str(value) in held:
            return
        close = [h for h in held if h.casefold() == str(value).casefold()] or get_close_matches(
            str(value), held, n=2)
    else:
        held = sorted(set(_numeric(series, name.name, text)[~series.isna().to_numpy()]))
        if float(value) in held or len(held) > 30:
            return  # a measured quantity: equality with an unseen number is no typo
        held = [f"{h:g}" for h in held]
        close = []
    shown = ", ".join(map(repr, held[:8])) + (" ..." if len(held) > 8 else "")
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    warnings.warn(f"criteria '{text}': no patient has {name.name} = {value!r} (its values: "
                  f"{shown}){hint}", DataWarning, stacklevel=2)


def _in_list(frame, node, text):
    literals = [Literal(v) for v in node.values]
    want_text = _wants_text(frame, [node.operand, *literals], text)
    values, missing = _operand(frame, node.operand, want_text, text)
    allowed = [str(v) if want_text else float(v) for v in node.values]
    if isinstance(node.operand, Name):
        for v in node.values:
            _warn_value_never_held(frame, node.operand, v, want_text, text)
    hit = np.isin(values, np.asarray(allowed, dtype=object if want_text else float))
    known = ~missing
    value = (~hit if node.negate else hit) & known
    return value, known


def _kleene(op, parts):
    vals = np.array([v for v, _ in parts])
    knowns = np.array([k for _, k in parts])
    true_known = vals & knowns
    false_known = ~vals & knowns
    if op == "and":
        value = true_known.all(axis=0)
        known = value | false_known.any(axis=0)
    else:
        value = true_known.any(axis=0)
        known = value | false_known.all(axis=0)
    return value, known


def _eval(frame, node, text):
    if isinstance(node, Compare):
        return _compare(frame, node, text)
    if isinstance(node, InList):
        return _in_list(frame, node, text)
    if isinstance(node, Not):
        value, known = _eval(frame, node.item, text)
        return ~value & known, known
    if isinstance(node, BoolOp):
        return _kleene(node.op, [_eval(frame, item, text) for item in node.items])
    raise CriteriaError(f"criteria '{text}': cannot evaluate {type(node).__name__}")


def evaluate_tree(criterion, frame, *, missing="exclude"):
    """Evaluate a :class:`~irpredict.screening.criteria.Criterion` row-wise.

    Returns
    -------
    pandas.Series of bool
        Named by the criterion text, indexed like ``frame``.
    """
    import pandas as pd

    if missing not in _MISSING_MODES:
        raise CriteriaError(f"missing must be one of {', '.join(_MISSING_MODES)}, "
                            f"got {missing!r}")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    for name in criterion.names:
        resolve_column(frame, name, text=criterion.text)
    value, known = _eval(frame, criterion.tree, criterion.text)
    eligible = value | ~known if missing == "include" else value & known
    return pd.Series(eligible, index=frame.index, name=criterion.text, dtype=bool)
