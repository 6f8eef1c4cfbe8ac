"""A cohort scored by a model is read in the units the model was trained on."""

from dataclasses import replace

import pandas as pd
import pytest

from irpredict.data.simulator import simulate_cohort
from irpredict.exceptions import CohortDataError, DataWarning
from irpredict.training.response_model import in_training_units


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(n_patients=120, seed=4).to_cohort()


def test_a_convertible_unit_is_converted_to_the_training_unit(cohort):
    assert cohort.units["albumin"] == "g/L"
    rows = cohort.measurements["biomarker"] == "albumin"
    in_g_dl = cohort.measurements.copy()
    in_g_dl.loc[rows, "value"] = in_g_dl.loc[rows, "value"] / 10
    in_g_dl.loc[rows, "unit"] = "g/dL"
    other = replace(cohort, measurements=in_g_dl, units={**cohort.units, "albumin": "g/dL"})
    with pytest.warns(DataWarning, match="albumin from g/dL to g/L"):
        back = in_training_units(other, dict(cohort.units), "study/set")
    pd.testing.assert_series_equal(back.measurements.loc[rows, "value"],
                                   cohort.measurements.loc[rows, "value"], check_names=False)
    assert back.units["albumin"] == "g/L"
    assert in_training_units(cohort, dict(cohort.units), "study/set") is cohort


def test_a_unit_that_does_not_convert_is_refused_naming_both_units(cohort):
    other = replace(cohort, units={**cohort.units, "crp": "furlongs"})
    with pytest.raises(CohortDataError, match=r"'crp' is in furlongs, the model's training "
                                              r"data in mg/L"):
        in_training_units(other, dict(cohort.units), "study/set")
