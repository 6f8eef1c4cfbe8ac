"""Steps that hand the classifier a plain array read a DataFrame's columns by name."""

import numpy as np
import pandas as pd
import pytest

from irpredict.models._sanitize import FeatureNameSanitizer
from irpredict.models._skew import LogSkewed


@pytest.mark.parametrize("step", [FeatureNameSanitizer(), LogSkewed()])
def test_reordered_columns_give_the_same_values(step):
    X = pd.DataFrame({"a": np.exp(np.arange(20.0)), "b": np.arange(20.0)})
    fitted = step.fit(X)
    np.testing.assert_array_equal(fitted.transform(X[["b", "a"]]), fitted.transform(X))


@pytest.mark.parametrize("step", [FeatureNameSanitizer(), LogSkewed()])
def test_other_columns_are_refused_by_name(step):
    X = pd.DataFrame({"a": np.exp(np.arange(20.0)), "b": np.arange(20.0)})
    fitted = step.fit(X)
    with pytest.raises(ValueError, match=r"not seen in fit \['c'\]"):
        fitted.transform(X.assign(c=5.0))
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        fitted.transform(X[["a"]])
    with pytest.raises(ValueError, match="fitted on 2 columns"):
        fitted.transform(np.ones((3, 3)))


def test_a_step_fitted_on_an_array_reads_columns_by_position():
    values = np.column_stack([np.exp(np.arange(20.0)), np.arange(20.0)])
    fitted = LogSkewed().fit(values)
    frame = pd.DataFrame(values, columns=["x", "y"])
    np.testing.assert_array_equal(fitted.transform(frame), fitted.transform(values))
