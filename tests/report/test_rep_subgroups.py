"""Report subgroups: which patients-table columns define them."""

import pandas as pd

from irpredict.report._analysis import _subgroup_levels


def test_subgroup_columns_are_found_in_any_case():
    index = pd.Index(["P1", "P2", "P3", "P4"], name="patient_id")
    patients = pd.DataFrame({"ER": ["Pos", "Neg", "Pos", None], "Site": ["A", "A", "B", "B"],
                             "age": [50, 60, 70, 80]}, index=index)
    levels = {(name, level): list(mask) for name, level, mask in _subgroup_levels(patients,
                                                                                index)}
    assert levels[("ER status (ER)", "Pos")] == [True, False, True, False]
    assert levels[("ER status (ER)", "Neg")] == [False, True, False, False]
    assert levels[("site (Site)", "B")] == [False, False, True, True]
    assert not [name for name, _ in levels if "age" in name]
