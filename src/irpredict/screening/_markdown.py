"""A small markdown report of an enrichment table (used by ``irpredict screen --markdown``)."""

import math

__all__ = ["to_markdown", "resample_notes", "figure_text"]

_CAVEATS = (
    "Eligibility is evaluated once per patient; the bootstrap resamples patients within each "
    "screened group and recomputes every figure, with criteria and score thresholds held at "
    "their given values (never re-estimated as quantiles) and no model refitted.",
    "Scores named by threshold rules must be out-of-fold or external predictions.",
    "Single-arm sizes use the response rate among eligible patients as p1 against p0 "
    "(one-sided alpha); two-arm sizes use Fleiss' formula with continuity correction against "
    "the comparator rate, which assumes the comparator rate is the same among eligible "
    "patients (a prognostic marker breaks that assumption).",
)


def _caveats(n_boot, simon_max_n):
    none = ("'none' means no finite trial (p1 at or below p0 or the comparator rate), or no "
            f"Simon design found or proven optimal up to {simon_max_n} patients (--simon-max-n)")
    if not n_boot:
        return [*_CAVEATS, f"No bootstrap was run, so there are no CIs; {none}."]
    return [*_CAVEATS, "Inside the bootstrap, Simon designs use p1 rounded to 0.01 (the point "
            "estimate uses p1 itself, so a Simon figure can lie just outside its CI); "
            f"{none}."]


def _code(text):
    """``text`` as a code span inside a table row: backticks in it (a quoted column name)
    get a longer fence, a pipe is escaped and a line break becomes a space."""
    import re

    text = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def figure_text(value, spec):
    """A screening figure as shown: ``-`` when undefined, ``none`` for no finite trial."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "none"
    return format(value, spec)


def _ci(est, low, high, metric, spec):
    return (f"{figure_text(est[metric], spec)} [{figure_text(low[metric], spec)}, "
            f"{figure_text(high[metric], spec)}]")


def _design(est, kind):
    n = est.get(f"simon_{kind}_n", float("nan"))
    if not isinstance(n, float) or not math.isfinite(n):
        return figure_text(n, ".0f")
    return (f"{est[f'simon_{kind}_r1']:.0f}/{est[f'simon_{kind}_n1']:.0f}, "
            f"{est[f'simon_{kind}_r']:.0f}/{n:.0f}")


#: Key figures watched across resamples: (plain name, why a trial size can be infinite).
_WATCHED = {
    "response_rate_eligible": ("response rate among eligible", ""),
    "single_arm_n": ("single-arm size",
                     "the response rate among eligible was at or below p0, or the exact design "
                     "needs more than 1,000 patients"),
    "simon_optimal_n": ("Simon two-stage size",
                        "the response rate among eligible was at or below p0, or no Simon "
                        "design was found or proven optimal within --simon-max-n patients"),
    "two_arm_n_total": ("two-arm (Fleiss) size",
                        "the response rate among eligible was at or below the comparator's"),
}


def resample_notes(table):
    """One line per rule and group whose resamples left a key figure undefined or infinite."""
    lines = []
    sub = table[table["metric"].isin(list(_WATCHED))]
    for (rule, group), rows in sub.groupby(["rule", "therapy_class"], sort=False):
        parts, infinite = [], {}
        for rec in rows.itertuples():
            name, why = _WATCHED[rec.metric]
            if rec.n_undefined:
                parts.append(f"{name} undefined in {rec.n_undefined} of {rec.n_boot} "
                             "resamples (no eligible patient with a label)")
            if rec.n_infinite:
                infinite.setdefault(why, []).append(
                    f"{name} in {rec.n_infinite} of {rec.n_boot} resamples")
        parts += [f"no finite {' and no finite '.join(sizes)} ({why})"
                  for why, sizes in infinite.items()]
        if parts:
            lines.append(f"{rule} ({group}): " + "; ".join(parts))
    return lines


def to_markdown(table, *, command, settings, notes=()):
    """Render the tidy enrichment table as markdown.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`irpredict.screening.enrichment_table`.
    command : str
        The command line that produced it (shown at the top).
    settings : dict
        Design settings shown under the command.
    notes : iterable of str
        Extra paragraphs (e.g. why these thresholds and p0).

    Returns
    -------
    str
    """
    from irpredict.screening._metrics import wide

    keys = ["rule", "therapy_class"]
    est, low, high = (wide(table, v) for v in ("estimate", "ci_low", "ci_high"))
    first = table.drop_duplicates(keys).set_index(keys)
    two_arm = "two_arm_n_total" in est.columns
    head = ["rule", "group", "screened (responders)", "eligible [95% CI]",
            "response rate eligible", "response rate excluded", "enrichment",
            "responders turned away", "NNS", "single-arm n (exact)",
            "Simon optimal r1/n1, r/n", "Simon minimax r1/n1, r/n"]
    if two_arm:
        head += ["two-arm total n", "screened for two-arm"]
    else:
        head += ["screened for single-arm"]
    costs = [c for c in ("cost_single_arm", "cost_two_arm") if c in est.columns]
    head += [f"cost of the {c.removeprefix('cost_').replace('_', '-')} trial" for c in costs]
    lines = [f"| {' | '.join(head)} |", "|" + "---|" * len(head)]
    for key in est.index:
        e, lo, hi = est.loc[key], low.loc[key], high.loc[key]
        info = first.loc[key]
        cells = [_code(key[0]), key[1], f"{info['n_screened']} ({info['n_responders']})",
                 _ci(e, lo, hi, "eligible_fraction", ".0%"),
                 _ci(e, lo, hi, "response_rate_eligible", ".0%"),
                 _ci(e, lo, hi, "response_rate_excluded", ".0%"),
                 _ci(e, lo, hi, "enrichment_ratio", ".2f"),
                 _ci(e, lo, hi, "responders_lost", ".0f"), _ci(e, lo, hi, "nns", ".2f"),
                 _ci(e, lo, hi, "single_arm_n", ".0f"), _design(e, "optimal"),
                 _design(e, "minimax")]
        if two_arm:
            cells += [_ci(e, lo, hi, "two_arm_n_total", ".0f"),
                      _ci(e, lo, hi, "screened_two_arm", ".0f")]
        else:
            cells.append(_ci(e, lo, hi, "screened_single_arm", ".0f"))
        cells += [_ci(e, lo, hi, c, ",.0f") for c in costs]
        lines.append("| " + " | ".join(cells) + " |")
    noted = first[first["note"].fillna("") != ""]
    out = ["# Trial screening", "", "Generated by:", "", "```", command, "```", "",
           "Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()), ""]
    out += [*(f"{n}\n" for n in notes)]
    out += ["## Screening table", "", *lines, ""]
    if len(noted):
        out += [f"- {_code(k[0])} ({k[1]}): {r['note']}" for k, r in noted.iterrows()] + [""]
    counted = resample_notes(table)
    if counted:
        out += ["Bootstrap resamples where a figure was undefined (left out of its CI) or had "
                "no finite trial (kept, as 'none'):", ""] + [f"- {c}" for c in counted] + [""]
    n_boot = int(table["n_boot"].max()) if len(table) else 0
    estimates = (f"Point estimates with percentile bootstrap 95% CIs ({n_boot} resamples)."
                 if n_boot else "Point estimates only (no bootstrap was run).")
    out += ["## How to read it", "", f"{estimates} NNS = patients screened per enrolled "
            "patient.", ""]
    out += [f"- {c}" for c in _caveats(n_boot, settings.get("simon_max_n", 100))] + [""]
    return "\n".join(out)
