"""A plain per-patient ``groupby().apply`` implementation of the baseline and
kinetic features: the obvious way to write them, used as the speed baseline
and as an independent cross-check of :mod:`irpredict.features`.
"""

import numpy as np
import pandas as pd

STATS = ("baseline", "last", "delta", "relchange", "log2fc", "slope", "auc", "min", "max",
         "nadir", "days_to_nadir", "n_draws", "cleared")


def _one_series(g, landmark, window, floor, limit):
    g = g[g["day"] <= landmark]
    g = g.groupby("day", as_index=False)["value"].mean().sort_values("day")
    out = dict.fromkeys(STATS, np.nan)
    pre = g[(g["day"] >= window[0]) & (g["day"] <= window[1])]
    base = base_day = np.nan
    if len(pre):
        base, base_day = pre["value"].iloc[-1], pre["day"].iloc[-1]
    out["baseline"] = base
    on = g[g["day"] > 0]
    out["n_draws"] = float(len(on))
    if not len(on):
        return pd.Series(out)
    last = on["value"].iloc[-1]
    out.update(last=last, min=on["value"].min(), max=on["value"].max())
    out["nadir"], out["days_to_nadir"] = on["value"].min(), on["day"].iloc[on["value"].argmin()]
    if not np.isnan(base):
        out["delta"] = last - base
        out["relchange"] = (last - base) / base if base != 0 else np.nan
        out["log2fc"] = np.log2(max(last, floor) / max(base, floor))
        x = np.r_[base_day, on["day"]]
        y = np.r_[base, on["value"]]
        if len(x) >= 2 and np.ptp(x) > 0:
            out["slope"] = np.polyfit(x, y, 1)[0]
        t = np.r_[0.0, on["day"]]
        dev = np.r_[0.0, on["value"] - base]
        out["auc"] = np.trapezoid(dev, t) / t[-1]
        if base <= out["nadir"]:
            out["nadir"], out["days_to_nadir"] = base, base_day
    if not np.isnan(limit):
        out["cleared"] = float(last < limit)
    return pd.Series(out)


def reference_features(measurements, landmark=42.0, window=(-30.0, 0.0), floor=0.01,
                       limits=None):
    """Per-(patient, biomarker) statistics, one ``groupby().apply`` call.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(patient_id, biomarker)``, one column per name in :data:`STATS`.
    """
    limits = limits or {}

    def per_group(g):
        bm = g.name[1]
        lim = limits.get(bm, np.nan)
        return _one_series(g, landmark, window, lim if not np.isnan(lim) else floor, lim)

    m = measurements.assign(patient_id=measurements["patient_id"].astype(str),
                            biomarker=measurements["biomarker"].astype(str))
    return m.groupby(["patient_id", "biomarker"])[["day", "value"]].apply(per_group)
