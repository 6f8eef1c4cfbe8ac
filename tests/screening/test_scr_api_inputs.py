"""enrichment_table called from Python: one rule, repeated rules, empty or class-less rows."""

import pandas as pd
import pytest

from irpredict.exceptions import CohortDataError, DataWarning
from irpredict.screening import enrichment_table


def _frame():
    return pd.DataFrame({"response": [1, 0, 1, 0, 1, 0], "pdl1_cps": [1.0, 2, 3, 4, 5, 6],
                         "therapy_class": "cytokine"})


def test_one_rule_as_a_string_is_one_rule():
    table = enrichment_table(_frame(), "pdl1_cps > 1", p0=0.3, n_bootstrap=0)
    assert set(table["rule"]) == {"(no screening)", "pdl1_cps > 1"}


def test_a_rule_given_twice_is_screened_once():
    with pytest.warns(DataWarning, match="screened once"):
        table = enrichment_table(_frame(), ["pdl1_cps > 1", "pdl1_cps >  1"], p0=0.3,
                                 n_bootstrap=0)
    assert (table["rule"] == "pdl1_cps > 1").sum() == (table["rule"] == "(no screening)").sum()


def test_patients_without_a_therapy_class_or_no_patients_are_refused():
    frame = _frame()
    frame.loc[2, "therapy_class"] = None
    with pytest.raises(CohortDataError, match=r"'therapy_class' is empty for 1 patients \(rows"):
        enrichment_table(frame, ["pdl1_cps > 1"], p0=0.3, n_bootstrap=0)
    with pytest.raises(CohortDataError, match="the frame is empty"):
        enrichment_table(_frame().iloc[:0], ["pdl1_cps > 1"], p0=0.3, n_bootstrap=0)
