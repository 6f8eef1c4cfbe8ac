"""Public API of irpredict.models and irpredict.evaluation: exports and doctest examples."""

import doctest
import importlib

import pytest

MODULES = [
    "irpredict.models", "irpredict.models.zoo", "irpredict.models.pipeline",
    "irpredict.models.ensemble", "irpredict.models.per_therapy", "irpredict.models.calibrated",
    "irpredict.evaluation", "irpredict.evaluation.metrics", "irpredict.evaluation.bootstrap",
    "irpredict.evaluation.calibration", "irpredict.evaluation.decision_curve",
    "irpredict.evaluation.cv", "irpredict.evaluation.summary", "irpredict.evaluation.plots",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_exported_name_exists_and_has_a_docstring(name):
    module = importlib.import_module(name)
    for attr in module.__all__:
        obj = getattr(module, attr)
        if callable(obj):
            assert obj.__doc__, f"{name}.{attr} has no docstring"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failed == 0
