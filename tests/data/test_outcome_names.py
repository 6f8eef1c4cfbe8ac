"""Outcome and follow-up columns are left out of the default features, with a warning."""

import pandas as pd
import pytest

from irpredict.data.loaders import load_cohort
from irpredict.data.mapping import ColumnMapping, load_wide_table
from irpredict.data.outcome_names import looks_like_outcome, on_treatment_time
from irpredict.exceptions import DataWarning

OUTCOMES = ["OS_Months", "PFS_Event", "os_status", "t.pfs", "pCR", "resp.Chemosensitive",
            "RCB.score", "BestResponse", "best_overall_response", "response_definition",
            "Response (1:Responder; 0:Non-responder)", "orr", "cbr", "Living", "date_of_death",
            "off_treatment_day", "treatment_end_day", "reason_off_trial", "interval_recist",
            "last_contact_day", "follow_up_months", "vital_status", "relapse_free",
            "pathologic_cr", "path_cr", "complete_response", "ypT0N0", "residual_cancer_burden",
            "objective_response", "clinical_benefit", "pd_date", "DCR", "tumor_shrinkage",
            "pct_change_sld", "sld_change", "TumourResponse"]
BASELINE = ["age", "ecog", "pdl1_cps", "Module3_IFN_response_score", "STAT1.ssgsea.norm",
            "Chemo_before_IO (1:Yes; 0:No)", "Stage at IO start", "HLA_LOH", "tils_pct",
            "neoantigen_reactive", "act_dose_log10", "her2_ihc", "baseline_ctdna", "subtype",
            "Drug (1:Combo; 0:PD1/PDL1orCTLA4)", "positive_nodes", "cd8_pos_density",
            "pd_l1_cps", "PD-L1 (22C3)", "baseline_sld", "cr_umol_l", "interferon_response_score",
            "creatinine"]


@pytest.mark.parametrize("name", OUTCOMES)
def test_outcome_names_are_recognised(name):
    assert looks_like_outcome(name)


@pytest.mark.parametrize("name", BASELINE)
def test_baseline_names_are_not(name):
    assert not looks_like_outcome(name)


@pytest.mark.parametrize(("name", "time"), [
    ("ctdna_c3d1", "c3d1"), ("ki67_day14", "day14"), ("ctdna_day_14", "day 14"),
    ("albumin_week_6", "week 6"), ("C2D15_CRP", "c2d15"), ("stil_pct_on_treatment",
                                                           "on treatment"),
    ("cycle2_ldh", "cycle2"), ("ki67_post_treatment", "post treatment"),
    ("Ki67Day14", "day14"), ("ctdnaC3D1", "c3d1"), ("alb_month3", "month3"),
    ("ki67_2wk", "2wk"), ("ctdna_on_tx", "on tx"), ("ctdna_eot", "eot")])
def test_names_dated_after_the_first_dose_are_recognised(name, time):
    assert on_treatment_time(name) == time


@pytest.mark.parametrize("name", [*BASELINE, "ctDNA_C1D1", "ki67_d0", "day_1", "cd8",
                                  "pdl1_22c3", "Chemo.NumCycles", "Grade.pre.chemotherapy",
                                  "Module11_Prolif_score", "BP.HER2.2..6", "T3", "年龄", "",
                                  "vitamin_d3", "25_oh_d3", "d2_40_lvi", "cyclin_d2",
                                  "ldh_day_-14", "screening_day-28", "ctdna_d-7",
                                  "month_of_birth", "tumour_3d_volume"])
def test_baseline_names_carry_no_time_after_the_first_dose(name):
    assert on_treatment_time(name) is None


def test_a_column_dated_after_the_first_dose_is_no_default_feature(tmp_path):
    _patients().assign(ki67_day14=range(8)).to_csv(tmp_path / "patients.csv", index=False)
    with pytest.warns(DataWarning, match=r"column 'ki67_day14' \(day14\) reads as measured "
                                         r"after the first dose"):
        cohort = load_cohort(tmp_path)
    assert cohort.feature_columns == ["age"]


def _patients():
    return pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(8)],
        "therapy_class": ["cytokine"] * 8,
        "response": [0, 1] * 4,
        "age": [50.0, 61, 47, 70, 55, 66, 43, 58],
        "OS_Months": [12.0, 30, 8, 41, 9, 22, 5, 35],
        "off_treatment_day": [60.0, 200, 40, 300, 55, 180, 30, 250],
    })


def test_a_folder_leaves_outcome_columns_out_of_its_features_and_says_so(tmp_path):
    _patients().to_csv(tmp_path / "patients.csv", index=False)
    with pytest.warns(DataWarning, match=r"patients.csv: column 'OS_Months' looks like an "
                                         r"outcome") as caught:
        cohort = load_cohort(tmp_path)
    assert cohort.feature_columns == ["age"]
    assert "off_treatment_day" in cohort.patients  # still read (the landmark population uses it)
    # the treatment-end column is expected (the landmark population reads it): no warning
    assert not any("off_treatment_day" in str(w.message) for w in caught)


def test_a_wide_table_does_too_unless_the_columns_are_named(tmp_path):
    path = tmp_path / "wide.csv"
    _patients().rename(columns={"patient_id": "PID"}).drop(columns="therapy_class").to_csv(
        path, index=False)
    mapping = ColumnMapping(id="PID", label="response", therapy_class="cytokine")
    with pytest.warns(DataWarning, match="'OS_Months'"):
        assert load_wide_table(path, mapping).feature_columns == ["age"]
    named = ColumnMapping(id="PID", label="response", therapy_class="cytokine",
                          features=("age", "OS_Months"))
    assert load_wide_table(path, named).feature_columns == ["age", "OS_Months"]


def test_validate_prints_the_warning(tmp_path, cli):
    _patients().to_csv(tmp_path / "patients.csv", index=False)
    result = cli("validate", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stderr
    assert "'OS_Months' looks like an outcome" in " ".join(result.stderr.split())
