"""Which patients a model was trained on: recognised under new ids and rounded values, and
never taken from coarse values that other patients share."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from irpredict.training.overlap import training_fingerprints, training_patients

COLUMNS = ["crea", "alb", "tbil", "mono"]


def _model(X):
    return SimpleNamespace(training_rows=training_fingerprints(X, COLUMNS, []),
                           feature_columns=COLUMNS, patient_columns=[])


def _cohort(seed, n, prefix, digits=None):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"crea": rng.normal(0.85, 0.1, n), "alb": rng.normal(3.7, 0.2, n),
                      "tbil": rng.normal(0.6, 0.12, n), "mono": rng.normal(0.5, 0.1, n)},
                     index=[f"{prefix}{i:04d}" for i in range(n)])
    return X.round(digits) if digits is not None else X


def test_new_patients_with_coarse_values_are_not_taken_for_training_patients():
    model = _model(_cohort(21, 400, "T", digits=1))
    assert not training_patients(model, _cohort(22, 400, "N", digits=1)).any()


def test_training_patients_under_new_ids_and_rounded_values_are_recognised():
    X = _cohort(3, 300, "T")
    model = _model(X)
    for written in (X.map(lambda v: float(f"{v:.6g}")), X.round(4)):
        seen = training_patients(model, written.set_axis([f"X{i}" for i in range(300)]))
        assert seen.mean() >= 0.9
    assert not training_patients(model, _cohort(4, 300, "N")).any()
