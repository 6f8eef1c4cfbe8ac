"""The five shared cohorts load through their experiment files and match their SOURCE.txt facts.

Expected counts come from each cohort's SOURCE.txt; hand-checked values are
recomputed here from the raw CSV files with the csv module, independently of
the mapping code.
"""

import csv
import math

import pytest

from irpredict.experiment import load_experiment

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def load(repo_root):
    cache = {}

    def get(study):
        if study not in cache:
            path = repo_root / "experiments" / f"{study}.toml"
            cache[study] = load_experiment(path).load_cohort()
        return cache[study]

    return get


def _rows(path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_transneo(shared_data, load):
    cohort = load("transneo")
    p = cohort.patients
    assert cohort.n_patients == 147
    assert set(p["therapy_class"]) == {"chemotherapy", "monoclonal_antibody"}
    raw = {r["Trial.ID"]: r for r in _rows(shared_data / "transneo" / "training_df.csv")}
    for row in p.itertuples():
        src = raw[row.patient_id]
        assert row.response == int(src["resp.pCR"])
        expected = "monoclonal_antibody" if src["Chemo.any.antiHER2"] == "1" else "chemotherapy"
        assert row.therapy_class == expected
    label_family = {"resp.Chemosensitive", "resp.Chemoresistant", "RCB.score", "RCB.category"}
    assert label_family <= set(cohort.excluded_columns)
    assert not label_family & set(cohort.feature_columns)
    assert "Unnamed: 0" not in p.columns
    assert list(cohort.feature_sets) == ["clinical", "dna", "clin_rna", "rna", "imag", "chemo"]
    sizes = [len(v) for v in cohort.feature_sets.values()]
    assert sizes == [7, 15, 18, 26, 27, 34]


def test_ispy2(shared_data, load):
    cohort = load("ispy2")
    p = cohort.patients
    assert cohort.n_patients == 987
    arm = p.groupby("Arm..short.name.")["response"].agg(["size", "sum"])
    assert tuple(arm.loc["Pembro"]) == (69, 31)
    assert tuple(arm.loc["Pertuzumab"]) == (44, 26)
    assert tuple(arm.loc["TDM1/P"]) == (52, 30)
    assert (p.loc[p["Arm..short.name."] == "Pembro", "therapy_class"]
            == "checkpoint_inhibitor").all()
    assert (p["therapy_class"] == "checkpoint_inhibitor").sum() == 69
    assert set(p.loc[p["Arm..short.name."].isin(["Pertuzumab", "TDM1/P"]), "therapy_class"]) \
        == {"monoclonal_antibody"}
    # The source's own therapy_class column is kept apart and never a feature.
    assert "source:therapy_class" in p.columns
    leaky = {"Immune.", "DRD.", "RPS.5", "RPS.7..i.e..DRD.Immune.HR.HER2.3..7.",
             "I.SPY2.Subtypes", "HER2.3.state..3.", "BP.HER2.2..6", "Arm..short.name.",
             "treatmentid", "source:therapy_class"}
    assert not leaky & set(cohort.feature_columns)
    assert not leaky & set(cohort.feature_sets["signatures"])
    assert {"Immune.", "RPS.5"} <= set(cohort.feature_sets["with_response_subtypes"])
    assert {"Chemokine12_score", "STAT1_sig", "HR", "HER2"} <= set(cohort.feature_columns)


def test_chowell(shared_data, load):
    cohort = load("chowell2022")
    p = cohort.patients
    assert cohort.n_patients == 1184
    assert set(p["therapy_class"]) == {"checkpoint_inhibitor"}
    for leak in ("RF16_prob", "OS_Event", "OS_Months", "PFS_Event", "PFS_Months"):
        assert leak in cohort.excluded_columns
        assert leak not in cohort.feature_columns
    rf16 = cohort.feature_sets["rf16"]
    assert len(rf16) == 16
    assert p[rf16[0]].nunique() == 16  # the cancer-type column has the 16 types
    assert "Cancer_type_grouped_2" in cohort.categorical_columns
    raw = _rows(shared_data / "chowell2022" / "chowell_Training.csv")
    positives = sum(r["Response (1:Responder; 0:Non-responder)"] == "1" for r in raw)
    assert int(p["response"].sum()) == positives


def test_inspire(shared_data, load):
    cohort = load("inspire")
    p = cohort.patients.set_index("patient_id")
    assert cohort.n_patients == 94
    assert int(p["response"].sum()) == 16
    assert set(cohort.feature_columns) == {"age", "sex", "cohort", "l_size", "pdl1", "tmb",
                                           "baseline_ctdna"}
    assert "change_ctdna_group" in cohort.excluded_columns
    m = cohort.measurements
    assert set(m["biomarker"]) == {"ctdna"}
    assert set(m["day"]) == {0.0, 42.0}
    assert cohort.units == {"ctdna": "MTM/mL"}
    assert (m["day"] == 0).sum() == 94
    # SOURCE.txt: 73 patients in the interval file; INS-E-004's change is from a baseline of 0,
    # which gives no value (left missing, with a warning)
    assert (m["day"] == 42).sum() == 72
    assert "INS-E-004" not in set(m.loc[m["day"] == 42, "patient_id"])
    # Hand check: day-42 ctDNA = baseline * 10 ** log10 change, from the raw files.
    base = {r["id"]: float(r["baseline_ctdna"])
            for r in _rows(shared_data / "inspire" / "inspire_pembrolizumab_patients.csv")}
    change = {r["id"]: float(r["log10_change_ctdna"])
              for r in _rows(shared_data / "inspire" / "inspire_ctdna_intervals_longitudinal.csv")}
    values = m.set_index(["patient_id", "day"])["value"]
    for pid in ("INS-A-003", sorted(change)[-1]):
        assert math.isclose(values[(pid, 42.0)], base[pid] * 10 ** change[pid], rel_tol=1e-9)
        assert math.isclose(values[(pid, 0.0)], base[pid])
    # Tumour assessments: a day-0 baseline plus one row per non-missing size change.
    t = cohort.tumor_assessments
    raw_t = _rows(shared_data / "inspire" / "inspire_tumour_size_longitudinal.csv")
    kept = [r for r in raw_t if r["size_change"] != ""]
    assert t["patient_id"].nunique() == 74
    assert len(t) == 74 + len(kept)
    row = kept[0]
    sld = float(p.loc[row["id"], "l_size"]) * (1 + float(row["size_change"]) / 100)
    got = t[(t["patient_id"] == row["id"]) & (t["day"] == float(row["time"]) * 7)]
    assert math.isclose(got["target_sld_mm"].item(), sld)
    assert cohort.response_derived_biomarkers == ["tumor_size"]
    assert cohort.feature_sets["on_treatment"][-1] == "measurements:ctdna"


def test_iokin(shared_data, load):
    cohort = load("iokin")
    p = cohort.patients
    assert cohort.n_patients == 15
    raw = {r["Patient_id"]: r for r in _rows(shared_data / "iokin" / "02_IOKIN_ClinicalData.csv")}
    for row in p.itertuples():
        assert row.response == int(raw[row.patient_id]["BestResponse"] in ("CR", "PR"))
    assert not {"ctDNAShift", "PD (YES/NO)", "PFS", "Living", "OS"} & set(cohort.feature_columns)
    m = cohort.measurements
    assert set(m["day"]) <= {0.0, 1.0, 2.0, 7.0, 14.0, 21.0, 28.0}
    assert m.groupby("patient_id").size().max() == 7
    # Hand check: one patient's draws equal the CSV row (empty cells missing, 0 kept).
    levels = _rows(shared_data / "iokin" / "04_IOKIN_ctDNALevels.csv")
    days = {"T0": 0, "T1": 1, "T2": 2, "T3": 7, "T4": 14, "T5": 21, "T6": 28}
    for row in levels:
        if row["Patient_id"] not in ("LIB-25-0001", "LIB-25-0004"):
            continue
        expected = {float(d): float(row[c]) for c, d in days.items() if row[c] != ""}
        mine = m[m["patient_id"] == row["Patient_id"]].set_index("day")["value"].to_dict()
        assert mine == expected
    assert (m["value"] == 0).any()
