"""Which of a patient's results the landmark models read, and which they pass over.

A landmark model reads a biomarker at baseline (``<biomarker>__baseline``, or
the ratios and LDH/ULN built from it) and, when its feature set holds
on-treatment summaries (``<biomarker>__<stat>_d<L>``), on treatment up to its
landmark. A result outside that (a biomarker no model was trained on, an
on-treatment value of a biomarker read at baseline only, a result after the
last landmark) changes no prediction; :func:`unread_results` names them so a
monitor can say so rather than pass over them in silence.
"""

import re
from dataclasses import dataclass, field

from irpredict.features.baseline import RATIOS

__all__ = ["UnreadResults", "unread_results", "read_on_treatment"]

_ON_TREATMENT = re.compile(r"(?P<biomarker>.+?)__[a-z0-9_]+_d[0-9.]+")
#: A derived baseline feature and the measured biomarkers it is built from.
_DERIVED = {f"{name}__baseline": sources for name, sources in RATIOS.items()}
_DERIVED["ldh_uln_ratio__baseline"] = ("ldh",)


@dataclass(frozen=True)
class UnreadResults:
    """A patient's results that no landmark model reads, by reason.

    Attributes
    ----------
    unknown : dict of str to list of float
        Biomarkers no landmark model was trained on, with their days.
    baseline_only : dict of str to list of float
        Biomarkers the models read at baseline only, with the days of their
        on-treatment results.
    after_last : dict of str to list of float
        Biomarkers read on treatment, with the days of their results after the
        last landmark.
    last_landmark : float
    from_patients_table : dict of str to list of float
        Biomarkers the models read from a patients-table column of that name
        (so none of their measurements), with the measurements' days.
    read : tuple of str
        The measured biomarkers the landmark models read (case-folded).
    """

    unknown: dict
    baseline_only: dict
    after_last: dict
    last_landmark: float
    from_patients_table: dict = field(default_factory=dict)
    read: tuple = ()

    def __bool__(self):
        return bool(self.unknown or self.baseline_only or self.after_last
                    or self.from_patients_table)

    def misspelt(self):
        """Unknown biomarkers that look like one the models read: ``{name: read name}``.

        A close spelling (``ctDNA_vaf`` for ``ctdna``) is more likely the same
        measurement under another name than a biomarker the models were not
        trained on.
        """
        from difflib import get_close_matches

        out = {}
        for name in self.unknown:
            key = name.casefold()
            close = get_close_matches(key, self.read, n=1, cutoff=0.7)
            within = [r for r in self.read if len(r) >= 3 and (r in key or key in r)]
            if close or within:
                out[name] = (close or within)[0]
        return out

    def notes(self):
        """One sentence per kind of result that changes no prediction (misspellings aside)."""
        def listed(found):
            return "; ".join(f"{name} (day{'s' if len(days) > 1 else ''} "
                             f"{', '.join(f'{d:g}' for d in days[:6])}"
                             f"{' ...' if len(days) > 6 else ''})"
                             for name, days in sorted(found.items()))

        out = []
        others = sorted(set(self.unknown) - set(self.misspelt()))
        if others:
            out.append(f"{len(others)} biomarker{'s' if len(others) > 1 else ''} in the data "
                       f"{'are' if len(others) > 1 else 'is'} not read by the landmark models "
                       f"(they read {', '.join(self.read) or 'no measurement'}): "
                       f"{', '.join(others[:12])}{' ...' if len(others) > 12 else ''}")
        if self.from_patients_table:
            out.append("measurements of biomarkers the landmark models read from the patients "
                       f"table instead: {listed(self.from_patients_table)}")
        if self.baseline_only:
            out.append("on-treatment results of biomarkers the landmark models read at "
                       f"baseline only: {listed(self.baseline_only)}")
        if self.after_last:
            out.append(f"results after day {self.last_landmark:g}, the last landmark: "
                       f"{listed(self.after_last)}")
        return out


def _read_biomarkers(models):
    """(read at baseline, read on treatment, patients-table columns) names, case-folded."""
    baseline, on_treatment, columns = set(), set(), set()
    for model in models.models.values():
        columns.update(str(c).casefold() for c in model.patient_columns)
        for column in model.feature_columns:
            if column in _DERIVED:
                baseline.update(_DERIVED[column])
            if column.endswith("__baseline") and column != "ldh_uln_ratio__baseline":
                baseline.add(column.removesuffix("__baseline"))  # (that ratio is no result)
            elif match := _ON_TREATMENT.fullmatch(column):
                on_treatment.add(match["biomarker"])
    return ({b.casefold() for b in baseline}, {b.casefold() for b in on_treatment}, columns)


def read_on_treatment(models):
    """The measured biomarkers some landmark model reads on treatment (case-folded)."""
    return _read_biomarkers(models)[1]


def unread_results(models, measurements):
    """The results in ``measurements`` that no landmark model reads.

    Parameters
    ----------
    models : irpredict.monitoring.LandmarkModels
    measurements : pandas.DataFrame
        ``biomarker`` and ``day`` columns (one patient's, typically).

    Returns
    -------
    UnreadResults
        Empty (falsy) when every result is read by some landmark model.
        Results before the baseline window are not counted: a model reads the
        draw nearest day 0 and passes over older ones by design.
    """
    baseline, on_treatment, columns = _read_biomarkers(models)
    last = float(max(models.landmarks))
    unknown, baseline_only, after_last, from_patients = {}, {}, {}, {}
    read = tuple(sorted(baseline | on_treatment))
    if measurements is None or measurements.empty:
        return UnreadResults({}, {}, {}, last, read=read)
    rows = measurements.dropna(subset=["biomarker", "day"])
    for name, group in rows.groupby(rows["biomarker"].astype(str), sort=True):
        days = sorted(set(group["day"].astype(float)))
        key = name.casefold()
        if key not in baseline and key not in on_treatment:
            if key in columns:
                from_patients[name] = days
            else:
                unknown[name] = days
            continue
        later = [d for d in days if d > last]
        if key not in on_treatment:
            if during := [d for d in days if d > 0]:
                baseline_only[name] = during
        elif later:
            after_last[name] = later
    return UnreadResults(unknown, baseline_only, after_last, last, from_patients, read)
