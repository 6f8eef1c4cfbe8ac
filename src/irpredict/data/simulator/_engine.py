"""The simulation pipeline: population -> baseline -> response -> tumour -> kinetics -> tables."""

import numpy as np

from irpredict.data.simulator._baseline import draw_baseline
from irpredict.data.simulator._kinetics import draw_patient_kinetics
from irpredict.data.simulator._latent import check_class_mix, draw_population
from irpredict.data.simulator._missingness import baseline_observed
from irpredict.data.simulator._params import DEFAULT_CLASS_MIX
from irpredict.data.simulator._response import simulate_response
from irpredict.data.simulator._tables import measurement_rows, patient_columns
from irpredict.data.simulator._truth import build_truth
from irpredict.data.simulator._tumour import draw_dynamics, draw_scans

__all__ = ["run"]


def _frames(pop, base, resp, obs, table, meas, params, n, events):
    import pandas as pd

    width = max(5, len(str(n)))
    ids = np.array([f"SIM-{i + 1:0{width}d}" for i in range(n)], dtype=object)
    patients = pd.DataFrame({"patient_id": ids, **patient_columns(pop, base, resp, obs, params)})
    patients["off_treatment_day"] = np.where(np.isfinite(events["off_day"]), events["off_day"],
                                             np.nan)
    measurements = pd.DataFrame({
        "patient_id": ids[meas["idx"]], "biomarker": meas["biomarker"], "day": meas["day"],
        "value": meas["value"], "unit": meas["unit"],
    })
    order = np.lexsort((table["day"], table["idx"]))
    tumours = pd.DataFrame({
        "patient_id": ids[table["idx"][order]], "day": table["day"][order],
        "target_sld_mm": table["target_sld_mm"][order],
        "nontarget": table["nontarget"][order],
        "new_lesion": table["new_lesion"][order].astype(int),
    })
    return ids, patients, measurements, tumours


def run(n, seed, class_mix, params):
    """Simulate ``n`` patients; see :func:`irpredict.data.simulator.simulate_cohort`."""
    from irpredict.data.simulator import SimulatedCohort

    mix = check_class_mix(DEFAULT_CLASS_MIX if class_mix is None else class_mix,
                          list(params.class_params))
    rng = np.random.Generator(np.random.PCG64(seed))
    pop = draw_population(rng, n, mix, params)
    base = draw_baseline(rng, pop, params)
    obs, panel = baseline_observed(rng, pop, params)
    obs["_panel"] = panel
    resp, per_class = simulate_response(rng, pop, base, params)
    dyn = draw_dynamics(rng, resp["s"])
    table, events = draw_scans(rng, pop, base, resp, dyn, params)
    kin = draw_patient_kinetics(rng, resp["s"])
    ctx = {"pop": pop, "base": base, "s": resp["s"], "dyn": dyn, "events": events,
           "kin": kin, "obs": obs, "params": params, "lod": params.ctdna_lod,
           "crp_flare": kin["crp_flare"]}
    meas = measurement_rows(rng, ctx)
    ids, patients, measurements, tumours = _frames(pop, base, resp, obs, table, meas, params, n,
                                                   events)
    truth = build_truth(seed=seed, n=n, mix=mix, params=params, pop=pop, resp=resp,
                        per_class=per_class, events=events, ids=ids)
    return SimulatedCohort(patients=patients, measurements=measurements,
                           tumor_assessments=tumours, truth=truth)
