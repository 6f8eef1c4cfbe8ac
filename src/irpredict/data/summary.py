"""Describe a validated cohort in tidy tables (no printing)."""

from dataclasses import dataclass, field

__all__ = ["CohortSummary", "summarize_cohort", "BASELINE_WINDOW"]

#: Days (inclusive) that count as a baseline draw.
BASELINE_WINDOW = (-30.0, 0.0)


@dataclass
class CohortSummary:
    """Tidy description of a cohort.

    Attributes
    ----------
    name : str
        Cohort name.
    n_patients : int
        Number of patients.
    therapy : pandas.DataFrame
        One row per therapy class plus ``"all"``: ``therapy_class``,
        ``patients``, ``labelled`` (patients with a label), ``responders``
        and ``response_rate`` (responders / labelled; missing without labels).
    biomarkers : pandas.DataFrame
        One row per biomarker: ``biomarker``, ``unit``, ``patients`` (with any
        value), ``draws``, ``day_min``, ``day_max``, ``baseline_patients``
        (with a draw in :data:`BASELINE_WINDOW`) and ``baseline_share``
        (``baseline_patients`` / all patients of the cohort).
    features : pandas.DataFrame
        One row per feature column of ``patients``: ``column``, ``kind``
        (``numeric`` or ``categorical``), ``missing`` and ``missing_share``;
        sorted by decreasing missing share.
    tumor_assessments : pandas.DataFrame
        One row per patient: ``patient_id`` and ``assessments`` (imaging
        visits; 0 when none). Empty without a tumour-assessment table.
    units : dict of str to str
        Biomarker to unit.
    sources : dict of str to str
        Table to the file it came from.
    """

    name: str
    n_patients: int
    therapy: object
    biomarkers: object
    features: object
    tumor_assessments: object
    units: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)

    def to_dict(self):
        """Return the summary as JSON-serialisable builtins (tables as lists of records)."""
        import json

        def records(frame):
            return json.loads(frame.to_json(orient="records"))

        return {
            "name": self.name, "n_patients": int(self.n_patients), "sources": dict(self.sources),
            "units": dict(self.units), "therapy": records(self.therapy),
            "biomarkers": records(self.biomarkers), "features": records(self.features),
            "tumor_assessments": records(self.tumor_assessments),
        }


def summarize_cohort(cohort):
    """Summarise a validated cohort.

    Parameters
    ----------
    cohort : Cohort

    Returns
    -------
    CohortSummary

    Examples
    --------
    >>> summary = summarize_cohort(load_cohort("cohort/"))  # doctest: +SKIP
    >>> summary.therapy  # doctest: +SKIP
    """
    return CohortSummary(
        name=cohort.name, n_patients=int(cohort.n_patients),
        therapy=_therapy_table(cohort), biomarkers=_biomarker_table(cohort),
        features=_feature_table(cohort), tumor_assessments=_tumor_table(cohort),
        units=dict(cohort.units), sources=dict(cohort.sources),
    )


def _therapy_table(cohort):
    import pandas as pd

    p = cohort.patients
    if cohort.has_label:
        label = p[cohort.label_col]
    else:
        label = pd.Series(pd.NA, index=p.index, dtype="Int8")
    frame = pd.DataFrame({"therapy_class": p["therapy_class"].astype(str), "label": label})
    rows = []
    groups = [(cls, g) for cls, g in frame.groupby("therapy_class", sort=True)] + [("all", frame)]
    for cls, group in groups:
        labelled = int(group["label"].notna().sum())
        responders = int((group["label"] == 1).sum()) if labelled else None
        rows.append({
            "therapy_class": cls, "patients": len(group), "labelled": labelled,
            "responders": responders,
            "response_rate": responders / labelled if labelled else None,
        })
    table = pd.DataFrame(rows, columns=["therapy_class", "patients", "labelled", "responders",
                                        "response_rate"])
    table["responders"] = table["responders"].astype("Int64")
    table["response_rate"] = table["response_rate"].astype(float)
    return table


def _biomarker_table(cohort):
    import pandas as pd

    columns = ["biomarker", "unit", "patients", "draws", "day_min", "day_max",
               "baseline_patients", "baseline_share"]
    m = cohort.measurements
    if m is None or len(m) == 0:
        return pd.DataFrame(columns=columns)
    lo, hi = BASELINE_WINDOW
    in_window = m["day"].between(lo, hi)
    rows = []
    for biomarker, group in m.groupby("biomarker", sort=True):
        baseline = group.loc[in_window[group.index], "patient_id"].nunique()
        rows.append({
            "biomarker": str(biomarker), "unit": cohort.units.get(str(biomarker)),
            "patients": int(group["patient_id"].nunique()), "draws": len(group),
            "day_min": float(group["day"].min()), "day_max": float(group["day"].max()),
            "baseline_patients": int(baseline),
            "baseline_share": baseline / cohort.n_patients if cohort.n_patients else float("nan"),
        })
    return pd.DataFrame(rows, columns=columns)


def _feature_table(cohort):
    import pandas as pd

    p = cohort.patients
    rows = []
    for col in cohort.feature_columns:
        series = p[col]
        numeric = (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
                   and col not in cohort.categorical_columns)
        missing = int(series.isna().sum())
        rows.append({"column": col, "kind": "numeric" if numeric else "categorical",
                     "missing": missing,
                     "missing_share": missing / len(p) if len(p) else float("nan")})
    table = pd.DataFrame(rows, columns=["column", "kind", "missing", "missing_share"])
    return table.sort_values(["missing_share", "column"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)


def _tumor_table(cohort):
    import pandas as pd

    t = cohort.tumor_assessments
    if t is None:
        return pd.DataFrame(columns=["patient_id", "assessments"])
    counts = t.groupby("patient_id").size()
    ids = cohort.patients["patient_id"].astype(str)
    table = pd.DataFrame({"patient_id": ids.to_numpy(),
                          "assessments": counts.reindex(ids).fillna(0).astype(int).to_numpy()})
    return table
