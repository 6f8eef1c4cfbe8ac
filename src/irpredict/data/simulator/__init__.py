"""A realistic synthetic breast-cancer immunotherapy cohort with a known truth.

Patients get latent factors, baseline biomarkers recorded with site and assay
effects, a per-class response model on the recorded values (the label is
the latent response ``response = 1[s > 0]`` with ``s = eta + Logistic(0, 1)``;
``response_definition`` names the clinical label it stands for), tumour
trajectories driven by ``s`` (RECIST from the simulated scans agrees with the
label for about 97% of metastatic patients, so the label carries no
assessment noise), on-treatment kinetics, realistic missingness and
leakage traps. :func:`simulate_cohort` returns the three tables of irpredict's
data model plus ``truth`` (JSON-serialisable); :func:`write_cohort` writes them.

Examples
--------
>>> from irpredict.data.simulator import simulate_cohort
>>> sim = simulate_cohort(n_patients=200, seed=1)
>>> sorted(sim.patients["therapy_class"].unique())[:2]
['adoptive_cell', 'checkpoint_inhibitor']
>>> sim.truth["n_patients"]
200
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from irpredict.data.simulator._params import (
    CLASS_PARAMS,
    DEFAULT_CLASS_MIX,
    ClassParams,
    Driver,
    SimulationParams,
)
from irpredict.data.simulator._writer import write_cohort
from irpredict.exceptions import ExperimentConfigError

__all__ = [
    "simulate_cohort",
    "write_cohort",
    "SimulatedCohort",
    "SimulationParams",
    "ClassParams",
    "Driver",
    "CLASS_PARAMS",
    "DEFAULT_CLASS_MIX",
]


@dataclass
class SimulatedCohort:
    """The output of :func:`simulate_cohort`.

    Attributes
    ----------
    patients : pandas.DataFrame
        One row per patient (``patient_id``, ``therapy_class``, ``response``, ``site``, ...,
        and ``off_treatment_day``: the day treatment stopped, at progression or an early
        clinical progression or death, empty while on treatment; never a feature).
    measurements : pandas.DataFrame
        Long table ``patient_id, biomarker, day, value, unit`` (albumin in g/dL at some sites).
    tumor_assessments : pandas.DataFrame
        Long table ``patient_id, day, target_sld_mm, nontarget, new_lesion``.
    truth : dict
        The data-generating truth (JSON-serialisable): parameters, per-class
        drivers, alpha, oracle AUC, leakage traps and per-patient ``p_true``,
        ``eta`` and ``s`` (columnar).
    """

    patients: object
    measurements: object
    tumor_assessments: object
    truth: dict

    def to_cohort(self, name="synthetic"):
        """Return an :class:`irpredict.data.Cohort` (albumin converted to g/L).

        As for a folder written by ``irpredict simulate``, the leakage traps and
        the tumour series (the scans follow the response the label records)
        are response-derived: never features.

        Parameters
        ----------
        name : str, default="synthetic"

        Returns
        -------
        irpredict.data.Cohort
        """
        from irpredict.data.cohort import Cohort
        from irpredict.data.mapping import TUMOR_SIZE

        meas = self.measurements.copy()
        g_dl = meas["unit"] == "g/dL"
        meas.loc[g_dl, "value"] = meas.loc[g_dl, "value"] * 10
        meas.loc[g_dl, "unit"] = "g/L"
        units = dict(zip(meas["biomarker"], meas["unit"], strict=True))
        excluded = ["response", "response_definition", "off_treatment_day"]  # known after baseline
        features = [c for c in self.patients.columns
                    if c not in ("patient_id", "therapy_class", "site", *excluded)]
        categorical = [c for c in features if self.patients[c].dtype == object
                       or str(self.patients[c].dtype) in ("str", "string")]
        return Cohort(
            patients=self.patients.copy(), measurements=meas,
            tumor_assessments=self.tumor_assessments.copy(), name=name,
            feature_columns=features, categorical_columns=categorical,
            excluded_columns=[c for c in excluded if c in self.patients.columns],
            # the scans follow the same response as the label: the tumour series is
            # response-derived, as when the cohort is read from a simulated folder
            response_derived_biomarkers=list(dict.fromkeys(
                [*self.truth["response_derived_biomarkers"], TUMOR_SIZE])),
            units=units,
        )


def _resolve_params(overrides):
    overrides = dict(overrides)
    rates = overrides.pop("target_rates", None) or {}
    fields = {f.name for f in dataclasses.fields(SimulationParams)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ExperimentConfigError(
            f"simulate_cohort got unknown parameters {unknown}; valid ones are "
            f"{sorted(fields | {'target_rates'})}"
        )
    params = SimulationParams(**overrides)
    if not 1 <= params.n_sites <= len(params.site_ldh_uln):
        raise ExperimentConfigError(
            f"n_sites must be between 1 and {len(params.site_ldh_uln)}; got {params.n_sites}"
        )
    classes = dict(params.class_params)
    for name, rate in rates.items():
        if name not in classes or not 0 < rate < 1:
            raise ExperimentConfigError(
                f"target_rates: {name!r}={rate!r} must name a therapy class and lie in (0, 1)"
            )
        classes[name] = dataclasses.replace(classes[name], target_rate=float(rate))
    return dataclasses.replace(params, class_params=classes)


def simulate_cohort(n_patients=5000, seed=0, class_mix=None, **overrides):
    """Simulate a cohort of breast-cancer patients treated with immunotherapy or chemotherapy.

    Parameters
    ----------
    n_patients : int, default=5000
        Number of patients (all therapy classes together).
    seed : int, default=0
        Seed of ``numpy.random.Generator(PCG64(seed))``; the same seed gives
        identical tables.
    class_mix : dict of str to float or None, default=None
        Fraction of patients per therapy class (normalised to sum to 1);
        ``None`` uses :data:`DEFAULT_CLASS_MIX`.
    **overrides
        Fields of :class:`SimulationParams` (e.g. ``signal=0.5``, ``site_sd=0``)
        and ``target_rates={"cytokine": 0.2}``.

    Returns
    -------
    SimulatedCohort

    Raises
    ------
    ExperimentConfigError
        On a bad ``n_patients``, ``seed`` or override.
    UnknownTherapyError
        When ``class_mix`` names an unknown therapy class.

    Examples
    --------
    >>> sim = simulate_cohort(n_patients=300, seed=0, class_mix={"checkpoint_inhibitor": 1})
    >>> set(sim.patients["therapy_class"])
    {'checkpoint_inhibitor'}
    """
    from irpredict.data.simulator._engine import run

    if isinstance(n_patients, bool) or not isinstance(n_patients, int | np.integer) \
            or n_patients < 1:
        raise ExperimentConfigError(f"n_patients must be a positive integer; got {n_patients!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ExperimentConfigError(f"seed must be a non-negative integer; got {seed!r}")
    params = _resolve_params(overrides)
    return run(int(n_patients), int(seed), class_mix, params)

