"""Enrichment table: what each enrollment rule gains and loses, with bootstrap CIs.

For every rule (a criteria expression, or a fixed score threshold) and every
screened group (all patients, and each therapy class), the table gives the
eligible fraction, response rates among eligible and excluded patients, the
enrichment ratio, the responders turned away, the numbers needed to screen,
the trial sizes (exact single-arm, Simon two-stage, Fleiss two-arm against a
comparator), the patients to screen to fill them and their cost in the BioPET
form ``SS * (cost_patient + cost_screen * NNS)``, with ``SS * NNS`` rounded up to whole
patients screened.

Scores must be out-of-fold. A threshold rule reads a score column that the
caller guarantees holds out-of-fold (or external) predictions; this module
never fits anything, and the bootstrap resamples patients together with
their fixed eligibility (thresholds stay the given numbers, not quantiles) and
does not refit the model, so the CIs leave out model-fitting variability.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.screening import _metrics
from irpredict.screening.criteria import parse_criteria

__all__ = ["ScreeningRule", "threshold_rules", "enrichment_table", "NO_SCREENING"]

#: Label of the reference rule that enrols everyone screened.
NO_SCREENING = "(no screening)"


@dataclass(frozen=True)
class ScreeningRule:
    """One enrollment rule.

    Attributes
    ----------
    label : str
        Shown in tables and plots.
    expression : str or None
        Criteria expression; ``None`` enrols everyone (the reference rule).
    kind : {"criterion", "threshold", "none"}
    threshold : float or None
        The score threshold of a ``"threshold"`` rule.
    """

    label: str
    expression: object = None
    kind: str = "criterion"
    threshold: object = None


def threshold_rules(score_col, thresholds):
    """Rules ``score >= t`` for fixed thresholds ``t``.

    Parameters
    ----------
    score_col : str
        Column holding out-of-fold predicted response probabilities.
    thresholds : iterable of float

    Returns
    -------
    list of ScreeningRule

    Examples
    --------
    >>> [r.expression for r in threshold_rules("prob_response", [0.2, 0.3])]
    ['`prob_response` >= 0.2', '`prob_response` >= 0.3']
    """
    return [ScreeningRule(label=f"{score_col} >= {_exactly(t)}",
                          expression=f"`{score_col}` >= {_exactly(t)}",
                          kind="threshold", threshold=float(t)) for t in thresholds]


def _exactly(number):
    """``number`` written short (``0.3``, ``1e-05``) but never rounded (``1234567``)."""
    short = f"{float(number):g}"
    return short if float(short) == float(number) else repr(float(number))


def _as_rules(rules):
    from irpredict.screening._rules import unique_rules

    if isinstance(rules, (str, ScreeningRule)):  # one rule, not its characters
        rules = [rules]
    out = [ScreeningRule(NO_SCREENING, None, "none")]
    for rule in unique_rules(rules):
        rule = rule if isinstance(rule, ScreeningRule) else ScreeningRule(str(rule), str(rule))
        if rule.expression is not None:
            parse_criteria(rule.expression)  # fail early, before any work
        out.append(rule)
    return out


def _eligibility(frame, rules, missing):
    from irpredict.screening.criteria import evaluate_criteria

    rows = []
    for rule in rules:
        if rule.expression is None:
            rows.append(np.ones(len(frame), dtype=bool))
        else:
            rows.append(evaluate_criteria(rule.expression, frame, missing=missing).to_numpy())
    return np.vstack(rows)


def _labels(frame, label_col):
    import pandas as pd

    if label_col not in frame.columns:
        shown = ", ".join(map(str, list(frame.columns)[:12]))
        raise CohortDataError(
            f"the per-patient frame has no response column '{label_col}' (its columns: "
            f"{shown}{' ...' if frame.shape[1] > 12 else ''}); screening needs the observed 0/1 "
            "response of each patient: pass label_col (irpredict screen: --label COLUMN for "
            "one table file; a cohort folder needs a 'response' column in patients.csv; an "
            "experiment file names it in [data] label)")
    y = pd.to_numeric(frame[label_col], errors="coerce")
    bad = frame[label_col].notna() & ~y.isin([0, 1])
    if bad.any():
        ids = frame.index[bad].astype(str).tolist()
        raise CohortDataError(f"column '{label_col}' must be 0/1; {int(bad.sum())} rows are "
                              f"not, e.g. {ids[:5]}. Recode the response as 0/1")
    return y


def _check_settings(p0, p_comparator, alpha, power, sided, n_bootstrap, ci):
    for name, v in (("p0", p0), ("p_comparator", p_comparator)):
        if v is not None and not 0 < v < 1:
            raise ExperimentConfigError(f"{name} must be strictly between 0 and 1, got {v!r}")
    if not 0 < alpha < 0.5 or not 0.5 < power < 1:
        raise ExperimentConfigError(f"alpha must be in (0, 0.5) and power in (0.5, 1); got "
                                    f"alpha={alpha!r}, power={power!r}")
    if sided not in (1, 2):
        raise ExperimentConfigError(f"sided must be 1 or 2, got {sided!r}")
    if int(n_bootstrap) < 0 or not 0 < ci < 1:
        raise ExperimentConfigError(f"n_bootstrap must be >= 0 and ci in (0, 1); got "
                                    f"{n_bootstrap!r}, {ci!r}")


def enrichment_table(frame, rules, *, p0, p_comparator=None, alpha=0.05, power=0.8,
                     sided=2, cost_screen=None, cost_patient=None, label_col="response",
                     therapy_col="therapy_class", missing="exclude", n_bootstrap=1000,
                     random_state=0, ci=0.95, simon_nmax=100, simon_grid=0.01):
    """Per-rule, per-therapy-class enrichment figures with percentile bootstrap CIs.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per screened patient (index = patient id) with the response
        label, the therapy class and every column the rules name. Score columns
        must hold out-of-fold predictions (the caller guarantees this).
    rules : list of str or ScreeningRule
        Criteria expressions and/or :func:`threshold_rules`. A reference rule
        ``"(no screening)"`` that enrols everyone is always added first.
    p0 : float
        Null response rate of the single-arm designs; ``p1`` is the expected
        response rate among eligible patients.
    p_comparator : float or None, default=None
        Comparator-arm response rate of the two-arm design (skipped when None).
    alpha, power : float, default=0.05, 0.8
        One-sided alpha for the single-arm designs; ``sided``-sided for Fleiss.
    sided : {1, 2}, default=2
    cost_screen, cost_patient : float or None
        Cost per screened and per enrolled patient; costs are skipped unless
        both are given. The reference rule is charged no screening cost.
    label_col, therapy_col : str
    missing : {"exclude", "include"}, default="exclude"
        Whether a patient whose eligibility is unknown (missing values) is enrolled.
    n_bootstrap : int, default=1000
        Resamples of patients within each screened group (0 = no CIs).
    random_state : int, default=0
    ci : float, default=0.95
    simon_nmax : int, default=100
        Largest Simon design searched; larger needs count as infinite (and an optimal
        design that might need more, too).
    simon_grid : float or None, default=0.01
        Inside the bootstrap, Simon designs are computed at ``p1`` rounded to
        this grid (the point estimate always uses the exact ``p1``); ``None``
        computes every resample exactly (slow).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``rule, kind, threshold, expression, therapy_class, n_screened,
        n_responders, metric, estimate, ci_low, ci_high, n_boot, n_undefined,
        n_infinite, note``. ``n_undefined`` counts resamples where the metric is
        undefined (e.g. nobody eligible), ``n_infinite`` those where no finite
        trial exists (expected rate <= p0 or the comparator rate); both are
        left out of, respectively kept in, the percentiles.

    Raises
    ------
    CriteriaError
        On a malformed rule or unknown column.
    CohortDataError
        When the label is missing or not 0/1.
    ExperimentConfigError
        On invalid rates, alpha, power or bootstrap settings.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"response": [1, 1, 0, 0, 1, 0], "pdl1_cps": [20, 15, 1, 12, 30, 2],
    ...                       "therapy_class": "checkpoint_inhibitor"})
    >>> table = enrichment_table(frame, ["pdl1_cps >= 10"], p0=0.2, n_bootstrap=0)
    >>> est = table[table["rule"] == "pdl1_cps >= 10"].set_index("metric")["estimate"]
    >>> float(est["eligible_fraction"]), float(est["response_rate_eligible"])
    (0.6666666666666666, 0.75)
    """
    import pandas as pd

    _check_settings(p0, p_comparator, alpha, power, sided, n_bootstrap, ci)
    settings = _metrics.Settings(p0=float(p0), pc=p_comparator, alpha=float(alpha),
                                 power=float(power), sided=sided, cost_screen=cost_screen,
                                 cost_patient=cost_patient, simon_nmax=int(simon_nmax))
    rules = _as_rules(rules)
    from irpredict.screening._rules import refuse_outcome_columns

    refuse_outcome_columns([r.expression for r in rules if r.expression is not None], None,
                           {label_col: "the label"})
    if not len(frame):
        raise CohortDataError("no patients to screen: the frame is empty")
    if therapy_col in frame.columns and frame[therapy_col].isna().any():
        missing_class = frame.index[frame[therapy_col].isna().to_numpy()]
        raise CohortDataError(
            f"column {therapy_col!r} is empty for {len(missing_class)} patients (rows "
            f"{', '.join(map(str, missing_class[:5]))}); fill in their therapy class or drop "
            "them, so that every patient is screened in a class")
    y_all = _labels(frame, label_col)
    elig_all = _eligibility(frame, rules, missing)
    with warnings.catch_warnings():  # the first evaluation said what there is to say
        warnings.simplefilter("ignore")
        other = _eligibility(frame, rules, "include" if missing == "exclude" else "exclude")
    unknown_all = elig_all != other
    rng = np.random.default_rng(random_state)
    parts = []
    for group, mask in _groups(frame, therapy_col):
        keep = mask & y_all.notna().to_numpy()
        dropped = int((mask & y_all.isna().to_numpy()).sum())
        y = y_all.to_numpy()[keep].astype(int)
        elig, unknown = elig_all[:, keep], unknown_all[:, keep]
        idx = rng.integers(0, len(y), size=(int(n_bootstrap), len(y))) if len(y) else None
        for rule, e, u in zip(rules, elig, unknown, strict=True):
            point = _metrics.compute(e[None, :], y[None, :], settings, rule.kind)
            boot = (_metrics.compute(e[idx], y[idx], settings, rule.kind, grid=simon_grid)
                    if idx is not None and n_bootstrap else None)
            note = _note(e, y, dropped, rule.kind, int(u.sum()), missing,
                         bootstrap=bool(n_bootstrap))
            parts.append(_rows(rule, group, len(y), int(y.sum()), point, boot, ci, note))
    if not parts:
        raise CohortDataError("no patients to screen: the frame is empty")
    return pd.concat(parts, ignore_index=True)


def _groups(frame, therapy_col):
    n = len(frame)
    if therapy_col not in frame.columns:
        return [("all", np.ones(n, dtype=bool))]
    classes = sorted(frame[therapy_col].dropna().astype(str).unique())
    groups = [("all", np.ones(n, dtype=bool))] if len(classes) != 1 else []
    therapy = frame[therapy_col].astype(str).to_numpy()
    return groups + [(c, therapy == c) for c in classes]


def _note(e, y, dropped, kind, n_unknown=0, missing="exclude", bootstrap=True):
    notes = []
    if n_unknown:
        counted = "not eligible" if missing == "exclude" else "eligible"
        notes.append(
            (f"eligibility unknown for all {len(y)} patients (missing values: none has what "
             "the rule reads)" if n_unknown == len(y) else
             f"eligibility unknown for {n_unknown} of {len(y)} patients (missing values)")
            + f", counted as {counted} (--missing {missing})")
    if len(y) and not e.any():
        notes.append("selects nobody: rates, sizes and costs undefined")
    elif len(y) and e.all() and kind != "none":
        notes.append("selects everyone")
    elif kind != "none" and missing == "exclude" and 0 < n_unknown < len(y) \
            and int(np.asarray(e, dtype=bool).sum()) == len(y) - n_unknown:
        notes.append("selects every patient with a value (it turns away only missing ones): "
                     "check the threshold and the unit it is read in")
    eligible = int(np.asarray(e, dtype=bool).sum())
    responders = int(np.nansum(np.asarray(y, dtype=float)[np.asarray(e, dtype=bool)]))
    if 0 < eligible < SMALL_GROUP or (eligible and responders in (0, eligible)):
        from scipy.stats import binomtest

        exact = binomtest(responders, eligible).proportion_ci(method="exact")
        why = (f"only {eligible} eligible patients ({responders} "
               f"responder{'' if responders == 1 else 's'})"
               + (": bootstrap CIs of so few are too narrow" if bootstrap else "")
               if eligible < SMALL_GROUP else
               f"{'all' if responders else 'none'} of the {eligible} eligible patients "
               "responded"
               + (f": the bootstrap CI of a rate of {responders / eligible:.0%} is that rate "
                  "alone" if bootstrap else ""))
        notes.append(f"{why}; the exact (Clopper-Pearson) 95% CI of the response rate among "
                     f"eligible is [{exact.low:.0%}, {exact.high:.0%}]")
    if dropped:
        notes.append(f"{dropped} patients without a response label left out")
    return "; ".join(notes)


#: Below this many eligible patients a note gives the exact CI of the response rate.
SMALL_GROUP = 20


def _rows(rule, group, n, n_resp, point, boot, ci, note):
    import pandas as pd

    records = []
    for metric, values in point.items():
        low = high = np.nan
        n_boot = n_undef = n_inf = 0
        if boot is not None:
            b = boot[metric]
            n_boot = len(b)
            n_undef = int(np.isnan(b).sum())
            n_inf = int(np.isinf(b).sum())
            low, high = _percentiles(b, ci)
        records.append({
            "rule": rule.label, "kind": rule.kind, "threshold": rule.threshold,
            "expression": rule.expression, "therapy_class": group, "n_screened": n,
            "n_responders": n_resp, "metric": metric, "estimate": float(values[0]),
            "ci_low": low, "ci_high": high, "n_boot": n_boot, "n_undefined": n_undef,
            "n_infinite": n_inf, "note": note,
        })
    return pd.DataFrame.from_records(records)


def _percentiles(values, ci):
    """Percentile interval ignoring NaN; an infinite bound means no finite trial."""
    v = values[~np.isnan(values)]
    if not len(v):
        return np.nan, np.nan
    tail = (1 - ci) / 2
    return tuple(_percentile(np.sort(v), q) for q in (tail, 1 - tail))


def _percentile(ordered, q):
    """numpy's linear percentile of sorted ``ordered``, infinite as soon as it leans on an
    infinite value (interpolating towards one would give a huge finite number)."""
    h = (len(ordered) - 1) * q
    i, j = math.floor(h), math.ceil(h)
    a, b = float(ordered[i]), float(ordered[j])
    if i == j or a == b:
        return a
    if math.isinf(a) or math.isinf(b):
        return a if math.isinf(a) else b
    return a + (h - i) * (b - a)
