"""The tables follow irpredict's data model; timing, units, leakage traps and truth are sound."""

import json

import numpy as np
import pandas as pd
import pytest

from irpredict.data import THERAPY_CLASSES

PATIENT_COLUMNS = {
    "patient_id", "therapy_class", "response", "site", "setting", "line", "subtype", "regimen",
    "age", "ecog", "liver_mets", "bone_only", "her2_ihc", "er_status", "pr_status", "pam50",
    "fcgr3a", "ldh_uln", "response_definition", "off_treatment_day",
}
REQUIRED_BIOMARKERS = {
    "pdl1_cps", "stil_pct", "tmb", "gep", "ki67_pct", "her2_ish_ratio", "anc", "alc",
    "platelets", "eosinophils", "ldh", "albumin", "crp", "il6", "ctdna", "her2_ecd",
    "act_persistence",
}


@pytest.fixture(scope="module")
def tables(sim5000_dir):
    return {name: pd.read_csv(sim5000_dir / f"{name}.csv")
            for name in ("patients", "measurements", "tumor_assessments")}


def test_patients_columns_and_values(tables):
    p = tables["patients"]
    assert PATIENT_COLUMNS <= set(p.columns)
    assert p["patient_id"].is_unique
    assert p["patient_id"].str.fullmatch(r"SIM-\d{5}").all()
    assert set(p["therapy_class"]) == set(THERAPY_CLASSES)
    assert set(p["response"]) == {0, 1}
    assert set(p["site"]) <= {f"site_{i:02d}" for i in range(1, 9)}
    assert set(p["setting"]) == {"metastatic", "neoadjuvant"}
    assert set(p["subtype"]) == {"TNBC", "HR+/HER2-", "HER2+", "HER2-low"}
    assert set(p["her2_ihc"].astype(str)) <= {"0", "1+", "2+", "3+"}
    assert set(p["er_status"]) == {"positive", "negative"}
    assert set(p["pam50"].dropna()) == {"LumA", "LumB", "Her2", "Basal", "Normal"}
    assert set(p["fcgr3a"].dropna()) == {"VV", "VF", "FF"}
    assert 0.6 < p["fcgr3a"].isna().mean() < 0.9
    for col in ("ecog", "liver_mets", "bone_only"):
        assert set(p[col]) == {0, 1}
    assert set(p["ldh_uln"]) == {214.0, 250.0, 480.0}
    neo = p["setting"] == "neoadjuvant"
    assert (p.loc[neo, "response_definition"] == "pcr").all()
    assert (p.loc[p["therapy_class"] == "cytokine", "response_definition"]
            == "clinical_benefit_24w").all()


def test_measurements_columns_dtypes_and_units(tables):
    m = tables["measurements"]
    assert list(m.columns) == ["patient_id", "biomarker", "day", "value", "unit"]
    assert pd.api.types.is_float_dtype(m["day"])
    assert pd.api.types.is_float_dtype(m["value"])
    assert m[["patient_id", "biomarker", "day", "value", "unit"]].notna().all().all()
    assert REQUIRED_BIOMARKERS <= set(m["biomarker"])
    assert set(tables["patients"]["patient_id"]) >= set(m["patient_id"])
    assert not m.duplicated(["patient_id", "biomarker", "day"]).any()
    units = m.groupby("biomarker")["unit"].unique()
    mixed = {b: sorted(u) for b, u in units.items() if len(u) > 1}
    assert mixed == {"albumin": ["g/L", "g/dL"]}
    alb = m[m["biomarker"] == "albumin"]
    assert alb.loc[alb["unit"] == "g/dL", "value"].median() == pytest.approx(
        alb.loc[alb["unit"] == "g/L", "value"].median() / 10, rel=0.1)
    act = tables["patients"].set_index("patient_id")["therapy_class"]
    assert (act.loc[m.loc[m["biomarker"] == "act_persistence", "patient_id"]]
            == "adoptive_cell").all()
    pct = m[m["unit"] == "%"]
    assert pct["value"].between(0, 100).all()
    assert (m.loc[m["biomarker"] == "ctdna", "value"] >= 0).all()
    assert (m.loc[m["biomarker"] == "ctdna", "value"] == 0).any()  # below LoD recorded as 0.0


def test_baseline_draws_and_post_landmark_rows(tables, sim5000):
    m = tables["measurements"]
    pre = m[m["day"] <= 0]
    assert pre["day"].between(-30, 0).all()
    baseline_ids = pre.groupby("biomarker")["patient_id"].nunique()
    assert (baseline_ids[["anc", "alc", "ldh", "pdl1_cps"]] > 4000).all()
    late = m[(m["day"] > 42) & ~m["biomarker"].isin(["sld_change_wk9"])]
    assert late["patient_id"].nunique() > 3000
    assert (m["day"] >= 63).sum() > 10_000
    assert m["day"].max() > 126
    scans = tables["tumor_assessments"]
    first_scan = scans[scans["day"] > 0].groupby("patient_id")["day"].min()
    after = m.merge(first_scan.rename("first_scan"), on="patient_id")
    assert (after["day"] > after["first_scan"]).sum() > 10_000
    assert sim5000.truth["landmarks"]["L2"] == 42


def test_leakage_traps_are_present_and_listed(tables, sim5000):
    m = tables["measurements"]
    traps = {t["name"]: t for t in sim5000.truth["leakage_traps"]}
    assert {t["kind"] for t in traps.values()} == {"response_derived", "post_landmark"}
    assert traps["sld_change_wk9"]["kind"] == "response_derived"
    assert traps["stil_pct"]["kind"] == "post_landmark"
    assert sim5000.truth["response_derived_biomarkers"] == ["sld_change_wk9"]
    wk9 = m[m["biomarker"] == "sld_change_wk9"]
    assert wk9["day"].between(60, 66).all()
    assert len(wk9) > 3000
    label = tables["patients"].set_index("patient_id")["response"]
    # the trap is strongly response-derived: responders shrink, non-responders do not
    by_label = wk9.groupby(label.loc[wk9["patient_id"]].to_numpy())["value"].median()
    assert by_label[1] < -20 < by_label[0]
    biopsy = m[(m["biomarker"] == "stil_pct") & (m["day"] > 42)]
    assert len(biopsy) > 500


def test_truth_is_json_and_aligned(sim5000, sim5000_dir):
    on_disk = json.loads((sim5000_dir / "truth.json").read_text())
    assert on_disk == json.loads(json.dumps(sim5000.truth, allow_nan=False))
    per = on_disk["patients"]
    assert per["patient_id"] == sim5000.patients["patient_id"].tolist()
    eta, p_true = np.array(per["eta"]), np.array(per["p_true"])
    np.testing.assert_allclose(p_true, 1 / (1 + np.exp(-eta)), atol=2e-6)
    assert on_disk["seed"] == 0
    assert on_disk["n_patients"] == 5000
    assert on_disk["ctdna"]["below_lod_recorded_as"] == 0.0
    for info in on_disk["classes"].values():
        assert {"target_rate", "observed_rate", "alpha", "drivers", "oracle_auc", "decoys",
                "noise"} <= set(info)


def test_to_cohort_converts_albumin(sim5000):
    cohort = sim5000.to_cohort()
    alb = cohort.measurements[cohort.measurements["biomarker"] == "albumin"]
    assert set(alb["unit"]) == {"g/L"}
    assert alb["value"].between(15, 55).all()
    # the scans follow the labelled response: the tumour series is never a feature
    assert cohort.response_derived_biomarkers == ["sld_change_wk9", "tumor_size"]
    assert "response" not in cohort.feature_columns
    assert "off_treatment_day" not in cohort.feature_columns  # known only after baseline
    assert "off_treatment_day" in cohort.excluded_columns
    assert cohort.n_patients == 5000


def test_to_cohort_and_a_written_folder_keep_the_same_series_out(tmp_path):
    from irpredict.data import load_cohort
    from irpredict.data.simulator import simulate_cohort, write_cohort
    from irpredict.features import build_features

    sim = simulate_cohort(n_patients=300, seed=0)
    write_cohort(sim, tmp_path / "cohort")
    in_memory = build_features(sim.to_cohort(), landmark_days=42).X
    from_folder = build_features(load_cohort(tmp_path / "cohort"), landmark_days=42).X
    assert not [c for c in in_memory.columns if c.startswith(("tumor_size", "sld_change"))]
    assert sorted(in_memory.columns) == sorted(from_folder.columns)
