"""Baseline features: the pre-treatment value of each biomarker, derived
ratios, and the patients-table columns passed through.

* ``<biomarker>__baseline``: the draw nearest day 0 inside the baseline
  window (default day -30 to 0, both inclusive); between draws equally near,
  the later one (same-day duplicates are averaged).
* ``nlr__baseline`` = anc / alc and ``plr__baseline`` = platelets / alc when
  the parts are measured and the ratio itself is not (a measured ``nlr`` or
  ``plr`` is used as is); ``ldh_uln_ratio__baseline`` = ldh / ``ldh_uln`` when
  the patients table has an ``ldh_uln`` column.
* LDH is read against its assay's upper limit of normal: when the ratio is
  computed, it replaces raw ``ldh__baseline`` (dropped by
  :func:`~irpredict.features.build_features`), because raw LDH carries each
  site's assay scale and does not transport across sites. A patient with a
  missing ULN gets a missing ratio (imputed later with a missing indicator).
  Without an ``ldh_uln`` column raw LDH is kept. LDH kinetics are kept in
  both cases: relative and log-fold changes are scale-free.
* Patients-table feature columns pass through unchanged: numeric as float,
  categorical as string (one-hot encoded later, inside the model's Pipeline;
  see :func:`irpredict.models.make_model`).
"""

import numpy as np

from irpredict.features import _kinetics

__all__ = ["baseline_values", "baseline_block", "derived_ratios", "patient_block"]

#: ratio name -> (numerator biomarker, denominator biomarker)
RATIOS = {"nlr": ("anc", "alc"), "plr": ("platelets", "alc")}


def baseline_values(draws, window):
    """Baseline value and day per group (NaN when no draw in the window)."""
    lo, hi = window
    return _kinetics.last_in_window(draws, lo, hi)


def baseline_block(base_value, biomarkers, *, keep=None):
    """``<biomarker>__baseline`` columns as a 2-D array plus names.

    ``keep=None`` keeps biomarkers with at least one baseline value.
    """
    nb = len(biomarkers)
    mat = base_value.reshape(-1, nb) if nb else np.empty((0, 0))
    if keep is None:
        keep = ~np.all(np.isnan(mat), axis=0)
    cols = [j for j in range(nb) if keep[j]]
    return mat[:, cols], [f"{biomarkers[j]}__baseline" for j in cols]


def derived_ratios(baseline, patients):
    """Derived baseline ratios from ``<biomarker>__baseline`` columns.

    Parameters
    ----------
    baseline : pandas.DataFrame
        Baseline columns indexed by patient_id.
    patients : pandas.DataFrame
        Patients table indexed by patient_id (for ``ldh_uln``).

    Returns
    -------
    pandas.DataFrame
        Zero or more ratio columns, same index.
    """
    import pandas as pd

    out = {}
    # a lab export may write the biomarkers in capitals (ANC, ALC, LDH)
    named = {str(c).casefold(): c for c in baseline.columns}
    with np.errstate(divide="ignore", invalid="ignore"):
        for ratio, (num, den) in RATIOS.items():
            name = f"{ratio}__baseline"
            a, b = named.get(f"{num}__baseline"), named.get(f"{den}__baseline")
            if name not in named and a is not None and b is not None:
                out[name] = _safe_divide(baseline[a], baseline[b])
        ldh = named.get("ldh__baseline")
        if ldh is not None and "ldh_uln" in patients.columns:
            uln = pd.to_numeric(patients["ldh_uln"], errors="coerce").reindex(baseline.index)
            out["ldh_uln_ratio__baseline"] = _safe_divide(baseline[ldh], uln)
    return pd.DataFrame(out, index=baseline.index, dtype=np.float64)


def _safe_divide(a, b):
    a = a.to_numpy(dtype=np.float64)
    b = b.to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / b, np.nan)


def patient_block(patients, columns, categorical):
    """Patients-table feature columns: numeric as float, categorical as str.

    Parameters
    ----------
    patients : pandas.DataFrame
        Indexed by patient_id.
    columns : list of str
        Columns to pass through.
    categorical : collection of str
        Columns to keep as strings even when they look numeric.

    Returns
    -------
    frame : pandas.DataFrame
    categorical_out : list of str
        The columns returned as strings.
    """
    import pandas as pd

    out, cats = {}, []
    for col in columns:
        s = patients[col]
        if col in categorical or not (pd.api.types.is_numeric_dtype(s)
                                      or pd.api.types.is_bool_dtype(s)):
            out[col] = pd.Series(
                [None if pd.isna(v) else _as_label(v) for v in s], index=s.index, dtype=object
            )
            cats.append(col)
        else:
            out[col] = s.astype(np.float64)
    return pd.DataFrame(out, index=patients.index), cats


def _as_label(v):
    """String label of a category; integral floats lose their '.0'."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
