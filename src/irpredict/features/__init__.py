"""Per-patient features up to a landmark day, behind a landmark guard.

:func:`build_features` reshapes a cohort into one row per patient from that
patient's own rows (baseline values, derived ratios, on-treatment kinetics,
tumour size); :class:`CategoricalEncoder` (ordinal codes, e.g. HER2 IHC) and
:class:`ClearanceFlagger` (a clearance flag from a detection limit learnt on the
training patients) learn across patients: they are for a Pipeline of your own.
The model families of :func:`irpredict.models.make_model` one-hot encode
categories themselves and flag clearance only for declared detection limits.
"""

from irpredict.features._guard import TUMOR_SERIES
from irpredict.features._kinetics import KINETIC_STATS
from irpredict.features.build import FeatureSet, build_features
from irpredict.features.transformers import CategoricalEncoder, ClearanceFlagger

__all__ = [
    "build_features",
    "FeatureSet",
    "CategoricalEncoder",
    "ClearanceFlagger",
    "KINETIC_STATS",
    "TUMOR_SERIES",
]
