"""Values no patient can have: plausible ranges of patients-table columns and of labs.

Only impossible values are refused (a unit mislabelled by 10x or 1000x, a sign error, an age
of 999); unusual but possible values pass.
"""

from irpredict.data.schema import PLAUSIBLE_MAGNITUDE

__all__ = ["PATIENT_RANGES", "LAB_RANGES", "LAB_RANGES_TEXT", "implausible_labs",
           "unitless_lab_scales"]

#: Plausible ranges of patients-table columns: (name test, low, high, what, fix).
PATIENT_RANGES = (
    (lambda name: name.endswith("_pct"), 0, 100, "percentages outside 0-100",
     "write percents as 0-100"),
    (lambda name: name == "age", 0, 120, "ages outside 0-120 years",
     "give the age in years at enrolment"),
    (lambda name: name == "ecog", 0, 5, "ECOG performance status outside 0-5",
     "give ECOG as 0 to 5"),
    (lambda name: True, -PLAUSIBLE_MAGNITUDE, PLAUSIBLE_MAGNITUDE,
     "infinite or implausibly large values (beyond 1e15)",
     "replace them by finite numbers in the column's units, or leave the cells empty"),
)


#: Values a lab cannot take in its canonical unit (a unit mislabelled by 10x or 1000x, a sign
#: error): (biomarker, unit) -> (low, high). Generous: only impossible values are refused.
LAB_RANGES = {
    ("albumin", "g/L"): (5, 80), ("hemoglobin", "g/L"): (20, 260),
    ("haemoglobin", "g/L"): (20, 260), ("crp", "mg/L"): (0, 5000), ("ldh", "U/L"): (0, 50000),
    ("creatinine", "umol/L"): (0, 5000),
}
LAB_RANGES_TEXT = ", ".join(f"{b} {lo:g}-{hi:g} {u}" for (b, u), (lo, hi) in LAB_RANGES.items()
                             if b != "haemoglobin")


def implausible_labs(m, unit):
    """Rows of a measurements table whose value its lab cannot take in its unit.

    Parameters
    ----------
    m : pandas.DataFrame
        Columns ``biomarker`` and ``value``.
    unit : pandas.Series
        Each row's (normalised) unit.

    Returns
    -------
    pandas.Series of bool
    """
    import pandas as pd

    out = pd.Series(False, index=m.index)
    names = m["biomarker"].str.lower()
    for (biomarker, lab_unit), (low, high) in LAB_RANGES.items():
        rows = (names == biomarker).fillna(False).astype(bool) & (unit == lab_unit).fillna(
            False).astype(bool)
        out |= rows & ((m["value"] < low) | (m["value"] > high))
    return out


def unitless_lab_scales(m, unit):
    """Labs given without a unit whose values cannot all be in the lab's canonical unit.

    Parameters
    ----------
    m : pandas.DataFrame
        Columns ``biomarker`` and ``value``.
    unit : pandas.Series
        Each row's unit (missing where none is given).

    Returns
    -------
    list of (str, str, pandas.Index, pandas.Index)
        Per lab: its name, canonical unit, the rows inside its plausible range there and
        the rows outside. Rows inside and outside together are two scales mixed (g/dL among
        g/L); outside alone, a whole series in another unit.
    """
    out = []
    names = m["biomarker"].str.lower()
    unitless = unit.isna().to_numpy()
    for (biomarker, lab_unit), (low, high) in LAB_RANGES.items():
        rows = (names == biomarker).fillna(False).to_numpy(dtype=bool) & unitless
        if not rows.any():
            continue
        values = m.loc[rows, "value"]
        inside = values.index[(values >= low) & (values <= high)]
        outside = values.index[(values < low) | (values > high)]
        if len(outside):
            out.append((biomarker, lab_unit, inside, outside))
    return out
