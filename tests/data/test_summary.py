import json

import numpy as np
import pandas as pd
import pytest

from irpredict.data import THERAPY_CLASSES
from irpredict.data.summary import summarize_cohort
from irpredict.data.validation import validate_tables


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(3)
    n = 60
    ids = [f"S{i:03d}" for i in range(n)]
    response = rng.integers(0, 2, n).astype(float)
    response[rng.choice(n, 6, replace=False)] = np.nan
    patients = pd.DataFrame({
        "patient_id": ids,
        "therapy_class": rng.choice(THERAPY_CLASSES[:3], n),
        "response": pd.array(response, dtype="Int8"),
        "age": np.where(rng.random(n) < 0.2, np.nan, rng.normal(60, 10, n)),
        "grade": rng.choice(["G1", "G2", "G3", None], n),
    })
    draws = pd.DataFrame({
        "patient_id": rng.choice(ids, 400),
        "biomarker": rng.choice(["crp", "anc", "ldh"], 400),
        "day": rng.integers(-40, 90, 400).astype(float),
        "value": rng.uniform(1, 9, 400),
    }).drop_duplicates(["patient_id", "biomarker", "day"])
    draws["unit"] = draws["biomarker"].map({"crp": "mg/L", "anc": "10^9/L", "ldh": "U/L"})
    scans = pd.DataFrame({"patient_id": rng.choice(ids[:50], 120), "day": rng.integers(0, 200, 120),
                          "target_sld_mm": rng.uniform(5, 80, 120)})
    return patients, draws, scans


def test_summary_matches_independent_pandas(tables):
    patients, draws, scans = tables
    summary = summarize_cohort(validate_tables(patients, draws, scans, name="s"))
    therapy = summary.therapy.set_index("therapy_class")
    for cls, group in patients.groupby("therapy_class"):
        labelled = group["response"].dropna()
        assert therapy.loc[cls, "patients"] == len(group)
        assert therapy.loc[cls, "responders"] == int((labelled == 1).sum())
        assert therapy.loc[cls, "response_rate"] == pytest.approx(labelled.astype(float).mean())
    assert therapy.loc["all", "patients"] == len(patients)
    assert therapy.loc["all", "labelled"] == patients["response"].notna().sum()

    bio = summary.biomarkers.set_index("biomarker")
    for name, group in draws.groupby("biomarker"):
        assert bio.loc[name, "draws"] == len(group)
        assert bio.loc[name, "patients"] == group["patient_id"].nunique()
        assert bio.loc[name, "day_min"] == group["day"].min()
        assert bio.loc[name, "day_max"] == group["day"].max()
        base = group[(group["day"] >= -30) & (group["day"] <= 0)]["patient_id"].nunique()
        assert bio.loc[name, "baseline_share"] == pytest.approx(base / len(patients))
    assert bio.loc["anc", "unit"] == "10^9/L"

    feats = summary.features.set_index("column")
    assert feats.loc["age", "kind"] == "numeric"
    assert feats.loc["grade", "kind"] == "categorical"
    assert feats.loc["age", "missing_share"] == pytest.approx(patients["age"].isna().mean())
    assert feats.loc["grade", "missing"] == patients["grade"].isna().sum()
    assert summary.features["missing_share"].is_monotonic_decreasing

    tumour = summary.tumor_assessments.set_index("patient_id")["assessments"]
    expected = scans["patient_id"].value_counts().reindex(patients["patient_id"], fill_value=0)
    assert tumour.to_dict() == expected.to_dict()


def test_summary_without_label_or_long_tables(tables):
    patients = tables[0].drop(columns="response")
    summary = summarize_cohort(validate_tables(patients))
    assert summary.therapy["responders"].isna().all()
    assert summary.biomarkers.empty
    assert summary.tumor_assessments.empty
    json.dumps(summary.to_dict())


def test_to_dict_is_json(tables):
    summary = summarize_cohort(validate_tables(*tables))
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["n_patients"] == len(tables[0])
    assert {row["therapy_class"] for row in data["therapy"]} >= {"all"}
