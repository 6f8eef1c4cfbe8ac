"""The results behind a trajectory: each patient's dated measurements and scans, named as
the landmark models and their explanations name them."""

import numpy as np

__all__ = ["as_explained", "observed_results", "read_series"]


def as_explained(observed, series):
    """Results named as the explanations name them, so that a mover finds its results.

    A biomarker written in another case (``CTDNA``) takes the models' spelling;
    a count explained under its ratio's name (``alc`` under ``nlr``,
    :data:`irpredict.explain.grouping.ALIASES`) is also listed under that name
    without a value (the ratio's value is not the count's).
    """
    import pandas as pd

    from irpredict.explain.grouping import ALIASES

    if observed is None or observed.empty:
        return observed
    spelled = {name.casefold(): name for name in series}
    names = observed["biomarker"].astype(str)
    observed = observed.assign(biomarker=names.map(lambda b: spelled.get(b.casefold(), b)))
    grouped = observed["biomarker"].map(ALIASES)
    extra = observed[grouped.notna() & (grouped != observed["biomarker"])].assign(
        biomarker=grouped.dropna(), value=np.nan)
    if extra.empty:
        return observed
    return pd.concat([observed, extra], ignore_index=True).drop_duplicates(
        subset=["patient_id", "biomarker", "day", "value"]).reset_index(drop=True)


def read_series(models):
    """The biomarkers the landmark models read from measurements or tumour scans."""
    from irpredict.data.mapping import TUMOR_SIZE

    names = set()
    for model in models.models.values():
        names.update(getattr(model, "biomarkers", None) or ())
        if getattr(model, "include_tumor", False):
            names.add(TUMOR_SIZE)
    return tuple(sorted(names))


def observed_results(cohort, patients):
    """``patient_id``, ``biomarker``, ``day`` and ``value`` of the patients' measurements and
    scans (a scan's value is its target sum)."""
    import pandas as pd

    from irpredict.data.mapping import TUMOR_SIZE

    parts = []
    if cohort.measurements is not None and len(cohort.measurements):
        parts.append(cohort.measurements[["patient_id", "biomarker", "day", "value"]])
    if cohort.tumor_assessments is not None and len(cohort.tumor_assessments):
        scans = cohort.tumor_assessments[["patient_id", "day", "target_sld_mm"]]
        parts.append(scans.rename(columns={"target_sld_mm": "value"}).assign(
            biomarker=TUMOR_SIZE))
    if not parts:
        return pd.DataFrame({"patient_id": pd.Series([], dtype=str),
                             "biomarker": pd.Series([], dtype=str),
                             "day": pd.Series([], dtype=float),
                             "value": pd.Series([], dtype=float)})
    seen = pd.concat(parts, ignore_index=True)
    seen["patient_id"] = seen["patient_id"].astype(str)
    return seen[seen["patient_id"].isin(patients)].drop_duplicates().reset_index(drop=True)
