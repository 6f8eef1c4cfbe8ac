"""Wide-table column mappings on small tables written to tmp_path (CSV, Parquet, Excel)."""

import math
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irpredict.data.mapping import (
    TUMOR_SIZE,
    ColumnMapping,
    MeasurementSource,
    TherapyRule,
    TumorSource,
    load_wide_table,
    map_tables,
)
from irpredict.exceptions import CohortDataError, LeakageError


def _wide():
    return pd.DataFrame({
        "Unnamed: 0": [0, 1, 2, 3],
        "PID": ["p1", "p2", "p3", "p4"],
        "best": ["CR/PR", "SD/PD", "SD/PD", "CR/PR"],
        "arm": [1, 0, 1, 0],
        "age": [50.0, 61.0, 47.0, 70.0],
        "subtype": ["TN", "HR+", "TN", "HER2+"],
        "os_months": [12.0, 3.0, 8.0, 30.0],
        "ctdna_base": [10.0, 0.0, 5.0, 2.0],
    })


def _write(frame, path):
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)
    return path


BASE = ColumnMapping(
    id="PID", label="best", label_map={"CR/PR": 1, "SD/PD": 0},
    therapy_rule=TherapyRule(column="arm", map={"1": "checkpoint_inhibitor"},
                             default="chemotherapy"),
    drop=("Unnamed: 0",), exclude=("os_*",),
)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_wide_table_in_each_format(tmp_path, suffix):
    path = _write(_wide(), tmp_path / f"cohort{suffix}")
    cohort = load_wide_table(path, BASE)
    p = cohort.patients.set_index("patient_id")
    assert cohort.name == "cohort"
    assert p["response"].tolist() == [1, 0, 0, 1]
    assert p["therapy_class"].tolist() == ["checkpoint_inhibitor", "chemotherapy"] * 2
    assert "Unnamed: 0" not in p.columns
    assert cohort.excluded_columns == ["os_months"]
    assert set(cohort.feature_columns) == {"arm", "age", "subtype", "ctdna_base"}
    assert "subtype" in cohort.categorical_columns  # text columns are categorical


def test_label_without_map_must_be_binary(tmp_path):
    path = _write(_wide(), tmp_path / "c.csv")
    mapping = ColumnMapping(id="PID", label="best", therapy_class="cytokine")
    with pytest.raises(CohortDataError, match=r"'best' must hold 0/1.*label_map"):
        load_wide_table(path, mapping)


def test_label_map_keys_that_clash_are_named_not_called_missing(tmp_path):
    path = _write(_wide(), tmp_path / "c.csv")
    mapping = ColumnMapping(id="PID", label="best", therapy_class="cytokine",
                            label_map={"cr/pr": 1, " Cr/Pr ": 0, "SD/PD": 0})
    with pytest.raises(CohortDataError, match=r"label_map keys 'cr/pr' and 'Cr/Pr' both match "
                                              r"the label value 'CR/PR' .* map to 1 and 0"):
        load_wide_table(path, mapping)
    # keys written exactly as the data still tell the two apart
    exact = ColumnMapping(id="PID", label="best", therapy_class="cytokine",
                          label_map={"CR/PR": 1, "cr/pr": 0, "SD/PD": 0})
    assert load_wide_table(path, exact).patients["response"].tolist() == [1, 0, 0, 1]


def test_label_value_missing_from_map_is_named(tmp_path):
    frame = _wide()
    frame.loc[2, "best"] = "NE"
    path = _write(frame, tmp_path / "c.csv")
    with pytest.raises(CohortDataError, match=r"not in label_map: \{'NE': 1\}.*'p3'"):
        load_wide_table(path, BASE)


def test_therapy_patterns_and_default(tmp_path):
    frame = _wide().assign(drug=["Pembrolizumab", "paclitaxel", "NIVOLUMAB", "IL-2"])
    path = _write(frame, tmp_path / "c.csv")
    rule = TherapyRule(column="drug", patterns={"(?i)mab$": "checkpoint_inhibitor",
                                                "^IL-": "cytokine"}, default="chemotherapy")
    cohort = load_wide_table(path, ColumnMapping(id="PID", therapy_rule=rule, features=("age",)))
    classes = cohort.patients.set_index("patient_id")["therapy_class"].to_dict()
    assert classes == {"p1": "checkpoint_inhibitor", "p2": "chemotherapy",
                       "p3": "checkpoint_inhibitor", "p4": "cytokine"}


def test_therapy_rule_unmapped_value_without_default(tmp_path):
    frame = _wide().assign(drug=["Pembrolizumab", "paclitaxel", "NIVOLUMAB", "IL-2"])
    path = _write(frame, tmp_path / "c.csv")
    rule = TherapyRule(column="drug", patterns={"(?i)mab$": "checkpoint_inhibitor"})
    with pytest.raises(CohortDataError, match=r"leaves values unmapped.*paclitaxel.*IL-2.*default"):
        load_wide_table(path, ColumnMapping(id="PID", therapy_rule=rule))


def test_every_unmapped_value_is_named_up_to_twelve(tmp_path):
    drugs = [f"drug {i}" for i in range(14)] + ["paclitaxel"] * 3 + [None]
    frame = pd.DataFrame({"PID": [f"p{i}" for i in range(len(drugs))], "drug": drugs,
                          "age": 50.0})
    path = _write(frame, tmp_path / "c.csv")
    rule = TherapyRule(column="drug", map={"drug 0": "cytokine"})
    with pytest.raises(CohortDataError) as caught:
        load_wide_table(path, ColumnMapping(id="PID", therapy_rule=rule))
    message = str(caught.value)
    assert "'paclitaxel': 3" in message  # the most frequent first
    assert "(15 values, the 12 most frequent shown)" in message


def test_a_missing_therapy_taken_by_the_default_is_a_warning(tmp_path):
    from irpredict.exceptions import DataWarning

    frame = _wide().assign(drug=["Pembrolizumab", None, "NIVOLUMAB", "paclitaxel"])
    path = _write(frame, tmp_path / "c.csv")
    rule = TherapyRule(column="drug", patterns={"(?i)mab$": "checkpoint_inhibitor"},
                       default="chemotherapy")
    with pytest.warns(DataWarning, match=r"1 patients have no value in column 'drug' "
                                         r"\(patients 'p2'\).*default gives them 'chemotherapy'"):
        cohort = load_wide_table(path, ColumnMapping(id="PID", therapy_rule=rule,
                                                     features=("age",)))
    assert cohort.patients.set_index("patient_id").loc["p2", "therapy_class"] == "chemotherapy"


def test_absent_column_lists_close_matches(tmp_path):
    path = _write(_wide(), tmp_path / "c.csv")
    mapping = ColumnMapping(id="PID", therapy_class="cytokine", features=("agee",))
    with pytest.raises(CohortDataError, match=r"'agee'.*c\.csv.*Close matches: 'age'"):
        load_wide_table(path, mapping)


def test_duplicate_and_missing_ids(tmp_path):
    frame = _wide()
    frame.loc[3, "PID"] = "p1"
    path = _write(frame, tmp_path / "c.csv")
    with pytest.raises(CohortDataError, match=r"repeats patient ids 'p1' \(rows 2, 5\); "
                                              r"the patients table needs one row per patient"):
        load_wide_table(path, BASE)
    copied = pd.concat([_wide(), _wide().iloc[[2]]], ignore_index=True)
    path = _write(copied, tmp_path / "copied.csv")
    with pytest.raises(CohortDataError, match=r"repeats patient ids 'p3' \(rows 4, 6\); "
                                              r"the repeated rows are identical copies"):
        load_wide_table(path, BASE)


def test_id_therapy_and_label_problems_are_named_at_once(tmp_path):
    frame = _wide()
    frame.loc[3, "PID"] = "p1"
    frame.loc[1, "PID"] = None
    frame.loc[2, "best"] = "NE"
    path = _write(frame, tmp_path / "c.csv")
    rule = TherapyRule(column="arm", map={"1": "checkpoint_inhibitor"})  # no default for 0
    with pytest.raises(CohortDataError) as err:
        load_wide_table(path, replace(BASE, therapy_rule=rule))
    message = str(err.value)
    assert message.startswith(f"4 problems in {path}:")
    assert "id column 'PID' is empty in rows 3;" in message
    assert "repeats patient ids 'p1' (rows 2, 5)" in message
    assert "therapy rule on column 'arm' leaves values unmapped: {'0': 2}" in message
    assert "label column 'best' has values not in label_map: {'NE': 1} (patients 'p3')" \
        in message


def test_label_or_excluded_feature_is_leakage(tmp_path):
    path = _write(_wide(), tmp_path / "c.csv")
    with pytest.raises(LeakageError, match="label column 'best'"):
        load_wide_table(path, ColumnMapping(id="PID", label="best", therapy_class="cytokine",
                                            label_map=BASE.label_map, features=("age", "best")))
    with pytest.raises(LeakageError, match="excluded columns 'os_months'"):
        load_wide_table(path, ColumnMapping(id="PID", therapy_class="cytokine",
                                            exclude=("os_months",), features=("os_months",)))


def test_response_derived_only_in_sensitivity_sets(tmp_path):
    path = _write(_wide(), tmp_path / "c.csv")
    mapping = ColumnMapping(id="PID", therapy_class="cytokine", response_derived=("subtype",))
    cohort = load_wide_table(path, mapping)
    assert "subtype" not in cohort.feature_columns
    with pytest.raises(LeakageError, match="response-derived columns 'subtype'"):
        load_wide_table(path, mapping, feature_sets={"s": ["age", "subtype"]})
    cohort = load_wide_table(path, mapping, feature_sets={"s": ["age", "subtype"]},
                             sensitivity_sets=("s",))
    assert cohort.feature_sets == {"s": ["age", "subtype"]}


def test_clashing_source_columns_are_kept_apart(tmp_path):
    frame = _wide().assign(therapy_class=["ICI", "chemo", "ICI", "chemo"],
                           response=[9, 9, 9, 9])
    path = _write(frame, tmp_path / "c.csv")
    mapping = ColumnMapping(id="PID", label="best", label_map=BASE.label_map,
                            therapy_rule=TherapyRule(column="therapy_class",
                                                     map={"ICI": "checkpoint_inhibitor"},
                                                     default="chemotherapy"))
    cohort = load_wide_table(path, mapping)
    p = cohort.patients
    assert p["therapy_class"].tolist()[:2] == ["checkpoint_inhibitor", "chemotherapy"]
    assert p["response"].tolist() == [1, 0, 0, 1]
    assert p["source:response"].tolist() == [9] * 4
    assert not {"source:therapy_class", "source:response"} & set(cohort.feature_columns)


def test_measurement_layouts(tmp_path):
    _write(_wide(), tmp_path / "c.csv")
    pd.DataFrame({"pid": ["p1", "p1", "p2", "p2"], "week": [0, 2, 0, 1],
                  "analyte": ["crp", "crp", "crp", "il6"], "val": [5.0, 7.5, 1.0, 3.0],
                  "u": ["mg/L"] * 4}).to_csv(tmp_path / "long.csv", index=False)
    pd.DataFrame({"pid": ["p1", "p2", "p3"], "D1": [1.0, 0.0, None], "D8": [2.0, None, 4.0]}
                 ).to_csv(tmp_path / "wide.csv", index=False)
    pd.DataFrame({"pid": ["p1", "p1", "p3"], "lchg": [1.0, 1.0, -0.5]}
                 ).to_csv(tmp_path / "chg.csv", index=False)
    mapping = ColumnMapping(id="PID", therapy_class="checkpoint_inhibitor", measurements=(
        MeasurementSource(layout="long", file="long.csv", id="pid", time="week",
                          time_unit="weeks", value="val", biomarker_column="analyte",
                          unit_column="u"),
        MeasurementSource(layout="wide", file="wide.csv", id="pid", biomarker="tcell",
                          days={"D1": 0, "D8": 7}, unit="cells/uL"),
        MeasurementSource(layout="fixed_day", biomarker="ctdna", value="ctdna_base", day=0),
        MeasurementSource(layout="fixed_day", biomarker="ctdna", file="chg.csv", id="pid",
                          value="lchg", day=42, change="log10"),
    ))
    m = load_wide_table(tmp_path / "c.csv", mapping).measurements
    got = {(r.patient_id, r.biomarker, r.day): r.value for r in m.itertuples()}
    assert got[("p1", "crp", 14.0)] == 7.5
    assert got[("p2", "il6", 7.0)] == 3.0
    assert got[("p2", "tcell", 0.0)] == 0.0          # 0 is a value
    assert ("p2", "tcell", 7.0) not in got           # an empty cell is a missed draw
    assert math.isclose(got[("p1", "ctdna", 42.0)], 10.0 * 10 ** 1.0)
    assert math.isclose(got[("p3", "ctdna", 42.0)], 5.0 * 10 ** -0.5)
    assert ("p2", "ctdna", 42.0) not in got


def test_a_log10_change_from_a_baseline_of_0_is_left_missing_with_a_warning(tmp_path):
    from irpredict.exceptions import DataWarning

    _write(_wide(), tmp_path / "c.csv")
    pd.DataFrame({"pid": ["p1", "p2", "p3"], "lchg": [1.0, 3.6, 0.0]}
                 ).to_csv(tmp_path / "chg.csv", index=False)
    mapping = ColumnMapping(id="PID", therapy_class="checkpoint_inhibitor", measurements=(
        MeasurementSource(layout="fixed_day", biomarker="ctdna", value="ctdna_base", day=0),
        MeasurementSource(layout="fixed_day", biomarker="ctdna", file="chg.csv", id="pid",
                          value="lchg", day=42, change="log10"),
    ))
    _write(_wide().assign(ctdna_base=[10.0, 0.0, 0.0, 2.0]), tmp_path / "c.csv")
    with pytest.warns(DataWarning, match=r"'ctdna' at day 42 is a log10 change from a day-0 "
                                         r"value of 0 for 1 patients \(p2\)"):
        m = load_wide_table(tmp_path / "c.csv", mapping).measurements
    got = {(r.patient_id, r.day): r.value for r in m.itertuples()}
    assert math.isclose(got[("p1", 42.0)], 100.0)
    assert ("p2", 42.0) not in got
    assert got[("p3", 42.0)] == 0.0  # no change from 0 stays 0


def test_fixed_day_values_must_agree(tmp_path):
    _write(_wide(), tmp_path / "c.csv")
    pd.DataFrame({"pid": ["p1", "p1"], "lchg": [1.0, 2.0]}).to_csv(tmp_path / "chg.csv",
                                                                   index=False)
    mapping = ColumnMapping(id="PID", therapy_class="checkpoint_inhibitor", measurements=(
        MeasurementSource(layout="fixed_day", biomarker="x", file="chg.csv", id="pid",
                          value="lchg", day=42),))
    with pytest.raises(CohortDataError, match=r"disagrees.*'p1'"):
        load_wide_table(tmp_path / "c.csv", mapping)


def test_two_values_of_one_draw_are_named_with_their_file_and_values(tmp_path):
    _write(_wide(), tmp_path / "c.csv")
    pd.DataFrame({"pid": ["p1", "p1", "p2", "p2"], "day": [0, 0, 0, 0],
                  "analyte": ["ldh", "ldh", "ldh", "ldh"], "val": [240.0, 260.0, 5.0, 5.0],
                  "u": ["U/L"] * 4}).to_csv(tmp_path / "labs.csv", index=False)
    mapping = ColumnMapping(id="PID", therapy_class="cytokine", measurements=(
        MeasurementSource(layout="long", file="labs.csv", id="pid", time="day", value="val",
                          biomarker_column="analyte", unit_column="u"),))
    with pytest.raises(CohortDataError) as caught:
        load_wide_table(tmp_path / "c.csv", mapping)
    message = str(caught.value)
    assert "labs.csv" in message
    assert "c.csv" not in message.replace("labs.csv", "")  # not the patients table
    assert "1 (patient, biomarker, day) keys" in message  # p2's repeated row is one value
    assert "patient 'p1' 'ldh' day 0: 240 U/L" in message
    assert "260 U/L" in message


def _one_wide_biomarker():
    """A cytokine cohort whose biomarker ``x`` is read from wide.csv (column D1 = day 0)."""
    return ColumnMapping(id="PID", therapy_class="cytokine", measurements=(
        MeasurementSource(layout="wide", file="wide.csv", id="pid", biomarker="x",
                          days={"D1": 0}),))


def test_a_header_only_patients_table_is_named_before_its_measurements(tmp_path):
    _write(_wide().iloc[:0], tmp_path / "c.csv")
    pd.DataFrame({"pid": ["p1"], "D1": [1.0]}).to_csv(tmp_path / "wide.csv", index=False)
    mapping = _one_wide_biomarker()
    with pytest.raises(CohortDataError, match=r"c\.csv: the patients table has no rows"):
        load_wide_table(tmp_path / "c.csv", mapping)


def test_measurements_for_unknown_patients(tmp_path):
    _write(_wide(), tmp_path / "c.csv")
    pd.DataFrame({"pid": ["p9"], "D1": [1.0]}).to_csv(tmp_path / "wide.csv", index=False)
    mapping = _one_wide_biomarker()
    with pytest.raises(CohortDataError, match=r"'p9' are not in the patients table"):
        load_wide_table(tmp_path / "c.csv", mapping)


def test_ids_that_lost_their_leading_zeros_are_said_so(tmp_path):
    frame = _wide().assign(PID=["0001", "0002", "0003", "0004"])
    _write(frame, tmp_path / "c.csv")
    pd.DataFrame({"pid": [1, 2], "D1": [1.0, 2.0]}).to_csv(tmp_path / "wide.csv", index=False)
    mapping = _one_wide_biomarker()
    with pytest.raises(CohortDataError, match=r"'1', '2' are not in the patients table \(the "
                                              r"patients table has '0001' for '1': these ids "
                                              r"lost their leading zeros"):
        load_wide_table(tmp_path / "c.csv", mapping)


def test_tumour_percent_change(tmp_path):
    frame = _wide().assign(sld=[100.0, 40.0, 60.0, 20.0])
    _write(frame, tmp_path / "c.csv")
    pd.DataFrame({"pid": ["p1", "p1", "p2"], "wk": [6, 12, 6], "pct": [-50.0, None, 25.0]}
                 ).to_csv(tmp_path / "t.csv", index=False)
    mapping = ColumnMapping(id="PID", therapy_class="cytokine", tumor_assessments=TumorSource(
        file="t.csv", id="pid", time="wk", time_unit="weeks", percent_change="pct",
        baseline="sld", response_derived=True))
    from irpredict.exceptions import DataWarning

    with pytest.warns(DataWarning, match=r"1 dated row\(s\) have no tumour size and are left "
                                         r"out \(patients 'p1'\): they count as no scan"):
        cohort = load_wide_table(tmp_path / "c.csv", mapping)
    t = cohort.tumor_assessments
    rows = {(r.patient_id, r.day): r.target_sld_mm for r in t.itertuples()}
    assert rows == {("p1", 0.0): 100.0, ("p1", 42.0): 50.0, ("p2", 0.0): 40.0,
                    ("p2", 42.0): 50.0}
    assert cohort.response_derived_biomarkers == [TUMOR_SIZE]


def test_feature_set_measurement_markers(tmp_path):
    _write(_wide(), tmp_path / "c.csv")
    mapping = ColumnMapping(id="PID", therapy_class="cytokine", measurements=(
        MeasurementSource(layout="fixed_day", biomarker="ctdna", value="ctdna_base", day=0),))
    cohort = load_wide_table(tmp_path / "c.csv", mapping,
                             feature_sets={"k": ["age", "measurements:ctdna"]})
    assert cohort.feature_sets["k"] == ["age", "measurements:ctdna"]
    with pytest.raises(CohortDataError, match=r"'measurements:ctdnaa'.*did you mean 'ctdna'"):
        load_wide_table(tmp_path / "c.csv", mapping,
                        feature_sets={"k": ["measurements:ctdnaa"]})


def test_python_mapping_keys_match_numeric_columns(tmp_path):
    frame = _wide().assign(arm=[1.0, 0.0, None, 1.0], best=[1, 2, 2, 1])
    path = _write(frame, tmp_path / "c.csv")
    mapping = ColumnMapping(id="PID", label="best", label_map={1: 1, 2: 0},
                            therapy_rule=TherapyRule(column="arm", map={1: "monoclonal_antibody"},
                                                     default="chemotherapy"))
    p = load_wide_table(path, mapping).patients
    assert p["response"].tolist() == [1, 0, 0, 1]
    assert p["therapy_class"].tolist() == ["monoclonal_antibody", "chemotherapy",
                                           "chemotherapy", "monoclonal_antibody"]


def test_from_dict_matches_the_dataclass():
    mapping = ColumnMapping.from_dict({
        "id": "PID", "label": "best", "label_map": {"CR/PR": 1, "SD/PD": 0},
        "therapy_rule": {"column": "arm", "map": {"1": "checkpoint_inhibitor"},
                         "default": "chemotherapy"},
        "columns": {"drop": ["Unnamed: 0"], "exclude": ["os_*"]},
    })
    assert mapping == BASE


@settings(max_examples=25, deadline=None)
@given(keep=st.lists(st.booleans(), min_size=4, max_size=4).filter(any))
def test_mapping_is_per_patient(keep):
    """A patient's mapped row and measurements do not depend on who else is in the table."""
    table = _wide()
    mapping = ColumnMapping(
        id="PID", label="best", label_map={"CR/PR": 1, "SD/PD": 0},
        therapy_rule=BASE.therapy_rule, drop=("Unnamed: 0",),
        measurements=(MeasurementSource(layout="fixed_day", biomarker="ctdna",
                                        value="ctdna_base", day=0),),
    )
    full = map_tables(table, mapping)
    part = map_tables(table[keep], mapping)
    ids = part.patients["patient_id"]
    expected = full.patients.set_index("patient_id").loc[ids].reset_index()
    pd.testing.assert_frame_equal(part.patients.reset_index(drop=True), expected,
                                  check_dtype=False)
    m_full = full.measurements[full.measurements["patient_id"].isin(ids)]
    pd.testing.assert_frame_equal(part.measurements.reset_index(drop=True),
                                  m_full.reset_index(drop=True))


def test_a_numeric_column_with_stray_text_is_named_not_made_a_category(tmp_path):
    frame = pd.concat([_wide()] * 3, ignore_index=True)
    frame["PID"] = [f"p{i}" for i in range(len(frame))]
    frame["ctdna_base"] = frame["ctdna_base"].astype(object)
    frame.loc[1, "ctdna_base"] = "<0.5"
    path = _write(frame, tmp_path / "c.csv")
    with pytest.raises(CohortDataError, match=r"'ctdna_base' looks numeric but holds text "
                                              r"'<0.5' at row"):
        load_wide_table(path, BASE)
    declared = ColumnMapping(**{**BASE.__dict__, "categorical": ("ctdna_base",)})
    assert "ctdna_base" in load_wide_table(path, declared).categorical_columns


def test_label_map_reads_values_in_any_case_and_nan_as_no_label(tmp_path):
    from irpredict.experiment import load_experiment

    frame = _wide()
    frame["best"] = ["cr/pr", "NE", "SD/PD ", "CR/PR"]
    _write(frame, tmp_path / "c.csv")
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "s"\n[data]\nsource = "c.csv"\nid = "PID"\nlabel = "best"\n'
        'label_map = { "CR/PR" = 1, "SD/PD" = 0, "NE" = nan }\ntherapy_class = "cytokine"\n')
    cohort = load_experiment(tmp_path / "study.toml").load_cohort()
    labels = cohort.patients.set_index("patient_id")["response"]
    assert labels.loc[["p1", "p3", "p4"]].tolist() == [1, 0, 1]
    assert pd.isna(labels.loc["p2"])
    (tmp_path / "bad.toml").write_text(
        '[study]\nname = "s"\n[data]\nsource = "c.csv"\nid = "PID"\nlabel = "best"\n'
        'label_map = { "CR/PR" = 1, "SD/PD" = 2 }\ntherapy_class = "cytokine"\n')
    from irpredict.exceptions import ExperimentConfigError

    with pytest.raises(ExperimentConfigError, match=r"0 or 1 \(or nan: no label"):
        load_experiment(tmp_path / "bad.toml")


def test_a_feature_set_naming_the_id_or_site_column_is_told_why():
    frame = _wide().assign(centre=["A", "B", "A", "B"])
    mapping = ColumnMapping(**{**BASE.__dict__, "site": "centre"})
    for column, role in (("PID", "patient_id"), ("centre", "site")):
        with pytest.raises(CohortDataError, match=rf"names '{column}', which the mapping reads "
                                                  rf"as {role}.*never features"):
            map_tables(frame, mapping, feature_sets={"clin": ["age", column]})


def test_rename_reads_feature_columns_under_new_names(tmp_path):
    path = _write(_wide().rename(columns={"age": "Age (years)"}), tmp_path / "c.csv")
    mapping = replace(BASE, rename=(("Age (years)", "age"), ("ctdna_base", "ctdna")),
                      categorical=("subtype",))
    cohort = load_wide_table(path, mapping, feature_sets={"clinical": ["age", "ctdna"]})
    assert {"age", "ctdna"} <= set(cohort.feature_columns)
    assert "Age (years)" not in cohort.patients.columns
    assert cohort.patients.set_index("patient_id").loc["p2", "age"] == 61.0


@pytest.mark.parametrize(("rename", "message"), [
    ((("Age", "age2"),), "names columns the table does not have: 'Age' ('Age' may be 'age')"),
    ((("PID", "pid"),), "renames the id column 'PID'"),
    ((("arm", "treatment"),), "renames the therapy_rule.column column 'arm'"),
    ((("ctdna_base", "age"),), "the names of columns the table already has: 'age'"),
])
def test_a_rename_that_cannot_hold_is_one_clear_error(tmp_path, rename, message):
    path = _write(_wide(), tmp_path / "c.csv")
    with pytest.raises(CohortDataError, match="columns.rename") as err:
        load_wide_table(path, replace(BASE, rename=rename))
    assert message in str(err.value)
    assert "c.csv" in str(err.value)


def test_two_columns_may_swap_names(tmp_path):
    path = _write(_wide(), tmp_path / "c.csv")
    cohort = load_wide_table(path, replace(BASE, rename=(("age", "ctdna_base"),
                                                          ("ctdna_base", "age"))))
    p = cohort.patients.set_index("patient_id")
    assert p.loc["p1", "age"] == 10.0
    assert p.loc["p1", "ctdna_base"] == 50.0


@pytest.mark.parametrize(("rename", "message"), [
    ({"age": 3}, 'each entry is "source column" = "name"'),
    ({"age": "response"}, "are read by the [data] keys"),
    ({"age": "x", "os_months": "x"}, "the same name ['x']"),
])
def test_a_bad_rename_table_is_refused_when_read(rename, message):
    from irpredict.exceptions import ExperimentConfigError

    data = {"id": "PID", "therapy_class": "chemotherapy", "columns": {"rename": rename}}
    with pytest.raises(ExperimentConfigError, match="columns.rename") as err:
        ColumnMapping.from_dict(data, where="study.toml [data]")
    assert message in str(err.value)


def _dated(tmp_path, start, draws, scans=None, *, date_format=None, excel=False):
    """The toy table with first-dose dates ``start`` and dated draws (and scans)."""
    table = _wide().assign(c1d1=start)
    path = _write(table, tmp_path / ("c.xlsx" if excel else "c.csv"))
    pd.DataFrame(draws, columns=["pid", "drawn", "analyte", "val"]).to_csv(
        tmp_path / "labs.csv", index=False)
    tumour = None
    if scans is not None:
        pd.DataFrame(scans, columns=["pid", "scan_date", "sld"]).to_csv(tmp_path / "scans.csv",
                                                                         index=False)
        tumour = TumorSource(file="scans.csv", id="pid", time="scan_date", time_unit="date",
                             sld="sld")
    mapping = replace(BASE, start_date="c1d1", date_format=date_format, measurements=(
        MeasurementSource(file="labs.csv", id="pid", time="drawn", time_unit="date",
                          value="val", biomarker_column="analyte"),), tumor_assessments=tumour)
    return path, mapping


def test_dated_draws_and_scans_count_days_from_the_first_dose(tmp_path):
    starts = ["2021-03-04", "2021-12-30", "2022-02-27", "2022-01-10"]
    draws = [("p1", "2021-03-01", "crp", 5.0), ("p1", "2021-03-25", "crp", 7.0),
             ("p2", "2022-01-02", "crp", 1.0), ("p3", "2022-03-01", "crp", 2.0)]
    scans = [("p1", "2021-02-20", 80.0), ("p1", "2021-05-06", 50.0)]
    path, mapping = _dated(tmp_path, starts, draws, scans)
    cohort = load_wide_table(path, mapping)
    days = {(r.patient_id, r.day) for r in cohort.measurements.itertuples()}
    # 2022 is not a leap year: 27 Feb to 1 Mar is 2 days; 30 Dec to 2 Jan crosses a year
    assert days == {("p1", -3.0), ("p1", 21.0), ("p2", 3.0), ("p3", 2.0)}
    assert sorted(cohort.tumor_assessments["day"]) == [-12.0, 63.0]
    assert "c1d1" not in cohort.patients.columns  # a date is never a feature
    assert "c1d1" not in cohort.feature_columns


def test_dates_in_another_format_and_spreadsheet_date_cells(tmp_path):
    starts = pd.to_datetime(["2021-03-04", "2021-03-04", "2021-03-04", "2021-03-04"])
    draws = [("p1", "25/03/2021", "crp", 7.0), ("p2", "04/03/2021", "crp", 1.0)]
    path, mapping = _dated(tmp_path, starts, draws, date_format="%d/%m/%Y", excel=True)
    days = sorted(load_wide_table(path, mapping).measurements["day"])
    assert days == [0.0, 21.0]


@pytest.mark.parametrize(("draws", "message"), [
    ([("p1", "25/03/2021", "crp", 7.0), ("p2", "2021-03-04", "crp", 1.0)],
     r"labs.csv: column 'drawn' holds values that are not real ISO 8601 dates \(2021-03-04\): "
     r"'25/03/2021' \(patients 'p1'\).*date_format"),
    ([("p4", "2021-03-25", "crp", 7.0)],
     r"patients 'p4' have dated rows in 'drawn' but no first-dose date in the patients "
     r"table's 'c1d1'"),
])
def test_dates_that_cannot_be_counted_are_named(tmp_path, draws, message):
    starts = ["2021-03-04", "2021-03-04", "2021-03-04", None]
    path, mapping = _dated(tmp_path, starts, draws)
    with pytest.raises(CohortDataError, match=message):
        load_wide_table(path, mapping)


def test_an_unreadable_first_dose_date_names_the_patients_table(tmp_path):
    path, mapping = _dated(tmp_path, ["2021-03-04", "yesterday", "2021-03-04", "2021-03-04"],
                           [("p1", "2021-03-25", "crp", 7.0)])
    with pytest.raises(CohortDataError, match=r"c.csv: column 'c1d1' holds values that are "
                                              r"not real ISO 8601 dates.*'yesterday' \(patients "
                                              r"'p2'\)"):
        load_wide_table(path, mapping)


@pytest.mark.parametrize(("data", "message"), [
    ({"measurements": [{"file": "x.csv", "time": "t", "time_unit": "date", "value": "v",
                        "biomarker": "crp"}]}, "add start_date"),
    ({"start_date": "PID"}, "is also the id, label or site column"),
    ({"start_date": "d", "date_format": "dd/mm/yyyy"}, "has no %-directive"),
])
def test_date_settings_that_cannot_work_are_refused(data, message):
    from irpredict.exceptions import ExperimentConfigError

    spec = {"id": "PID", "therapy_class": "chemotherapy", **data}
    with pytest.raises(ExperimentConfigError, match="study.toml") as err:
        ColumnMapping.from_dict(spec, where="study.toml [data]")
    assert message in str(err.value)


def test_text_columns_of_dates_or_near_unique_values_are_no_default_features(tmp_path):
    from irpredict.exceptions import DataWarning

    n = 30
    frame = pd.DataFrame({
        "Unnamed: 0": range(n), "PID": [f"p{i}" for i in range(n)],
        "best": ["CR/PR", "SD/PD"] * (n // 2),
        "arm": [1, 1, 0] * (n // 3), "age": range(40, 40 + n), "os_months": 1.0,
        "first_dose": [f"2021-03-{i % 28 + 1:02d}" for i in range(n)],
        "mrn": [f"MRN{1000 + i}" for i in range(n)], "subtype": ["TN", "HR+", "HER2+"] * 10,
    })
    path = _write(frame, tmp_path / "c.csv")
    with pytest.warns(DataWarning, match=r"left out of the default features.*'first_dose' "
                                         r"\(dates\); 'mrn' \(30 different values in 30 "
                                         r"patients\)"):
        cohort = load_wide_table(path, BASE)
    assert {"age", "subtype"} <= set(cohort.feature_columns)
    assert not {"first_dose", "mrn"} & set(cohort.feature_columns)
    with pytest.warns(DataWarning, match=r"feature set 'clinical' uses text columns a "
                                         r"category can only tell patients apart by"):
        load_wide_table(path, BASE, feature_sets={"clinical": ["age", "first_dose"]})


def test_numbers_written_with_units_are_no_categories(tmp_path):
    from irpredict.exceptions import DataWarning

    n = 30
    frame = pd.DataFrame({
        "Unnamed: 0": range(n), "PID": [f"p{i}" for i in range(n)],
        "best": ["CR/PR", "SD/PD"] * (n // 2), "arm": [1, 1, 0] * (n // 3),
        "age": range(40, 40 + n), "size": [f"{20 + i % 17}.5 mm" for i in range(n)],
        "ldh": [f"{1000 + 37 * i:,}" for i in range(n)], "line": ["1L", "2L", "3L+"] * 10,
        "os_months": 1.0,
    })
    path = _write(frame, tmp_path / "c.csv")
    with pytest.warns(DataWarning, match=r"left out of the default features, as numbers "
                                         r"written with a unit or separators would be read as "
                                         r"categories, one level per value: 'size' \('20.5 mm'"):
        cohort = load_wide_table(path, BASE)
    assert {"age", "line"} <= set(cohort.feature_columns)
    assert not {"size", "ldh"} & set(cohort.feature_columns)
    with pytest.warns(DataWarning, match=r"feature set 'clinical' uses columns of numbers "
                                         r"written with a unit .*'ldh' \('1,000'"):
        load_wide_table(path, BASE, feature_sets={"clinical": ["age", "ldh"]})


def test_one_level_in_several_spellings_is_read_as_one(tmp_path):
    from irpredict.exceptions import DataWarning

    frame = pd.concat([_wide()] * 3, ignore_index=True)
    frame["PID"] = [f"p{i}" for i in range(len(frame))]
    n = len(frame)
    spelled = ["negative", "NEGATIVE", "negative", "positive", "Negative "]
    frame["er_status"] = [spelled[i % 5] for i in range(n)]
    path = _write(frame, tmp_path / "c.csv")
    with pytest.warns(DataWarning, match=r"levels written in several spellings .* 'er_status': "
                                         r"'negative' \(also 'NEGATIVE', 'Negative '\)"):
        cohort = load_wide_table(path, replace(BASE, categorical=("er_status",)))
    assert set(cohort.patients["er_status"]) == {"negative", "positive"}


def test_a_name_inside_a_longer_header_is_suggested(tmp_path):
    path = _write(_wide().rename(columns={"age": "Age (years)"}), tmp_path / "c.csv")
    with pytest.raises(CohortDataError, match=r"column 'age' \(from columns.features\) is not "
                                              r"in .*Close matches: 'Age \(years\)'"):
        load_wide_table(path, replace(BASE, features=("age",)))


def test_a_dropped_column_asked_for_as_a_feature_is_said_to_be_dropped(tmp_path):
    path = _write(_wide(), tmp_path / "c.csv")
    with pytest.raises(CohortDataError, match=r"column 'age' \(from columns.features\) is "
                                              r"removed by \[data.columns\] drop"):
        load_wide_table(path, replace(BASE, drop=("Unnamed: 0", "age"), features=("age",)))


def test_value_problems_in_a_mapped_source_name_the_files_own_columns(tmp_path):
    _write(_wide(), tmp_path / "c.csv")
    pd.DataFrame({"pid": ["p1", "p2"], "week": [0, 2], "analyte": ["crp", "crp"],
                  "result": [5.0, -3.0], "units": ["mg/L", "mg/L"]}).to_csv(
        tmp_path / "labs.csv", index=False)
    mapping = replace(BASE, measurements=(
        MeasurementSource(file="labs.csv", id="pid", time="week", time_unit="weeks",
                          value="result", biomarker_column="analyte", unit_column="units"),))
    with pytest.raises(CohortDataError) as err:
        load_wide_table(tmp_path / "c.csv", mapping)
    assert "labs.csv: column 'result' (read as value)" in str(err.value), str(err.value)


def test_dates_with_a_mistyped_year_are_refused_and_undated_rows_said(tmp_path):
    from irpredict.exceptions import DataWarning

    starts = ["2021-03-04"] * 4
    for year in ("1023-02-21", "2300-02-21", "2203-03-25"):
        path, mapping = _dated(tmp_path, starts, [("p1", year, "crp", 7.0),
                                                  ("p2", "2021-03-10", "crp", 1.0)])
        with pytest.raises(CohortDataError, match=rf"labs.csv: column 'drawn' holds dates more "
                                                  rf"than 20 years from the patient's first "
                                                  rf"dose: {year} \(patient p1\)"):
            load_wide_table(path, mapping)
    path, mapping = _dated(tmp_path, starts, [("p1", None, "crp", 7.0),
                                              ("p2", "2021-03-10", "crp", 1.0)])
    with pytest.warns(DataWarning, match=r"labs.csv: 1 row\(s\) with a value but no 'drawn' "
                                         r"are left out \(patients 'p1'\)"):
        cohort = load_wide_table(path, mapping)
    assert cohort.measurements["patient_id"].tolist() == ["p2"]


def test_an_old_name_after_a_rename_is_said_to_be_renamed(tmp_path):
    path = _write(_wide().rename(columns={"subtype": "Subtype (PAM50)"}), tmp_path / "c.csv")
    mapping = replace(BASE, rename=(("Subtype (PAM50)", "subtype"),),
                      categorical=("Subtype (PAM50)",))
    with pytest.raises(CohortDataError, match=r"column 'Subtype \(PAM50\)' \(from "
                                              r"columns.categorical\) is renamed to 'subtype' by "
                                              r"\[data.columns.rename\]"):
        load_wide_table(path, mapping)


def test_every_mapped_column_the_table_lacks_is_named_at_once(tmp_path):
    path = _write(_wide(), tmp_path / "cohort.csv")
    mapping = replace(BASE, id="SAMPLE_ID", label="Response",
                      therapy_rule=replace(BASE.therapy_rule, column="Treatment"))
    with pytest.raises(CohortDataError) as err:
        load_wide_table(path, mapping)
    message = str(err.value)
    assert message.startswith(f"3 mapped columns are not in {path}:")
    for name, key in (("SAMPLE_ID", "id"), ("Response", "label"),
                      ("Treatment", "therapy_rule.column")):
        assert f"column '{name}' (from {key}) is not in" in message
    # after [data.columns] drop
    assert "The table has 7 columns (PID, best, arm, age, subtype, os_months, ctdna_base)" \
        in message


def test_one_mapped_column_the_table_lacks_is_one_sentence(tmp_path):
    path = _write(_wide(), tmp_path / "cohort.csv")
    with pytest.raises(CohortDataError, match=r"^column 'pid' \(from id\) is not in .*Close "
                                              r"matches: 'PID'"):
        load_wide_table(path, replace(BASE, id="pid"))


def test_a_rule_reads_y_and_n_as_1_and_0_and_refuses_values_training_never_held():
    from irpredict.data._therapy_rule import therapy_by_rule, with_known_values

    rule = TherapyRule(column="anti_her2", map={"1": "monoclonal_antibody"},
                       default="chemotherapy")
    values = pd.Series(["Y", "n", "1", "0", None, "2"])
    assert therapy_by_rule(values, rule).tolist()[:5] == [
        "monoclonal_antibody", "chemotherapy", "monoclonal_antibody", "chemotherapy",
        "chemotherapy"]
    assert therapy_by_rule(values, rule).iloc[5] == "chemotherapy"  # any rule: the default
    training = pd.DataFrame({"anti_her2": [1.0, 0.0, 1.0]})
    frozen = with_known_values(ColumnMapping(id="PID", therapy_rule=rule), training)
    assert frozen.therapy_rule.known_values == ("0", "1")
    got = therapy_by_rule(values, frozen.therapy_rule)
    assert got.tolist()[:5] == ["monoclonal_antibody", "chemotherapy", "monoclonal_antibody",
                                "chemotherapy", "chemotherapy"]  # missing: still the default
    assert pd.isna(got.iloc[5])  # never seen in training: no class
    arms = pd.DataFrame({"arm": ["Anti-HER2_ADC", "anti-her2_adc ", "Chemo"]})
    rule = TherapyRule(column="arm", map={"anti-her2_adc": "monoclonal_antibody"},
                       default="chemotherapy")
    frozen = with_known_values(ColumnMapping(id="PID", therapy_rule=rule), arms)
    # kept as first written (messages quote them), matched in any case
    assert frozen.therapy_rule.known_values == ("Anti-HER2_ADC", "Chemo")
    assert therapy_by_rule(pd.Series(["ANTI-HER2_ADC", "chemo"]), frozen.therapy_rule).tolist() \
        == ["monoclonal_antibody", "chemotherapy"]
