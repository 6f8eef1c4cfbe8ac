"""Response rates, calibration of p_true, and the strength of every true driver.

Driver values are rebuilt from the written tables (recorded values after
missingness, non-missing only), the way a user of the cohort would see them.
"""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from irpredict.data import THERAPY_CLASSES

_IHC = {"0": 0, "1+": 1, "2+": 2, "3+": 3}


def _baseline(meas, biomarker):
    """Last pre-treatment value per patient (albumin converted to g/L)."""
    rows = meas[(meas["biomarker"] == biomarker) & (meas["day"] <= 0)].sort_values("day")
    values = rows["value"].where(rows["unit"] != "g/dL", rows["value"] * 10)
    return values.groupby(rows["patient_id"]).last()


def _driver_values(name, patients, meas):
    p = patients.set_index("patient_id")
    if name == "nlr":
        return _baseline(meas, "anc") / _baseline(meas, "alc")
    if name == "ldh":
        return _baseline(meas, "ldh") / p["ldh_uln"]
    if name == "act_persistence":
        rows = meas[(meas["biomarker"] == name) & meas["day"].between(21, 35)]
        return rows.groupby("patient_id")["value"].first()
    if name == "her2_ihc":
        return p[name].astype(str).map(_IHC)
    if name == "pam50":
        return (p[name] == "Her2").astype(float).where(p[name].notna())
    if name == "er_status":
        return (p[name] == "positive").astype(float)
    if name in p.columns:
        return pd.to_numeric(p[name])
    return _baseline(meas, name)


@pytest.fixture(scope="module")
def written(sim5000_dir):
    patients = pd.read_csv(sim5000_dir / "patients.csv")
    meas = pd.read_csv(sim5000_dir / "measurements.csv")
    truth = json.loads((sim5000_dir / "truth.json").read_text())
    return patients, meas, truth


def test_every_class_has_at_least_500_patients(sim5000):
    counts = sim5000.patients["therapy_class"].value_counts()
    assert set(counts.index) == set(THERAPY_CLASSES)
    assert counts.min() >= 500


@pytest.mark.parametrize("therapy", THERAPY_CLASSES)
def test_response_rate_within_documented_range(sim5000, therapy):
    info = sim5000.truth["classes"][therapy]
    rows = sim5000.patients["therapy_class"] == therapy
    observed = sim5000.patients.loc[rows, "response"].mean()
    low, high = info["rate_range"]
    assert low <= observed <= high
    assert observed == pytest.approx(info["observed_rate"])


def test_rates_by_setting_are_plausible(sim5000):
    p = sim5000.patients
    rate = p.groupby(["therapy_class", "setting"])["response"].mean()
    assert 0.20 <= rate["checkpoint_inhibitor", "metastatic"] <= 0.45  # KEYNOTE-355-like ORR
    assert 0.45 <= rate["checkpoint_inhibitor", "neoadjuvant"] <= 0.75  # KEYNOTE-522-like pCR
    assert rate["checkpoint_inhibitor", "neoadjuvant"] > rate["checkpoint_inhibitor", "metastatic"]
    assert 0.12 <= rate["cytokine", "metastatic"] <= 0.25  # clinical benefit


@pytest.mark.parametrize("therapy", THERAPY_CLASSES)
def test_p_true_is_calibrated(sim5000, therapy):
    truth = sim5000.truth
    frame = pd.DataFrame(truth["patients"]).merge(sim5000.patients, on="patient_id")
    sub = frame[frame["therapy_class"] == therapy]
    observed, mean_p = sub["response"].mean(), sub["p_true"].mean()
    se = np.sqrt(mean_p * (1 - mean_p) / len(sub))
    assert abs(observed - mean_p) < 3.5 * se
    # alpha is solved so that the mean true probability equals the target exactly
    assert mean_p == pytest.approx(truth["classes"][therapy]["target_rate"], abs=1e-5)
    # the label is the sign of the latent depth
    assert ((sub["s"] > 0).astype(int) == sub["response"]).all()


@pytest.mark.parametrize("therapy", THERAPY_CLASSES)
def test_oracle_auc_matches_an_independent_computation(sim5000, therapy):
    frame = pd.DataFrame(sim5000.truth["patients"]).merge(sim5000.patients, on="patient_id")
    sub = frame[frame["therapy_class"] == therapy]
    auc = roc_auc_score(sub["response"], sub["p_true"])
    # truth.json rounds p_true to 6 decimals, which creates a few ties
    assert sim5000.truth["classes"][therapy]["oracle_auc"] == pytest.approx(auc, abs=1e-4)
    assert 0.7 < auc < 0.97


@pytest.mark.parametrize("therapy", THERAPY_CLASSES)
def test_each_true_driver_has_univariate_auc_above_0_6(written, therapy):
    patients, meas, truth = written
    drivers = truth["classes"][therapy]["drivers"]
    assert len(drivers) >= 6
    ids = patients.loc[patients["therapy_class"] == therapy, "patient_id"]
    label = patients.set_index("patient_id")["response"]
    weak = {}
    for driver in drivers:
        values = _driver_values(driver["name"], patients, meas).reindex(ids).dropna()
        assert len(values) >= 0.88 * len(ids), f"{driver['name']} is missing too often"
        auc = roc_auc_score(label.loc[values.index], values)
        if max(auc, 1 - auc) <= 0.6:
            weak[driver["name"]] = round(auc, 3)
    assert not weak, f"{therapy}: weak drivers {weak}"


def test_driver_records_are_complete_and_ranked(sim5000):
    for therapy, info in sim5000.truth["classes"].items():
        ranks = sorted(d["rank"] for d in info["drivers"])
        assert ranks == list(range(1, len(ranks) + 1)), therapy
        for d in info["drivers"]:
            assert d["importance"] == pytest.approx(abs(d["coefficient"]) * d["sd_of_term"])
        names = {d["name"] for d in info["drivers"]}
        assert not names & (set(info["decoys"]) | set(info["noise"]))


def test_noise_analytes_carry_no_signal(written):
    patients, meas, truth = written
    label = patients.set_index("patient_id")["response"]
    for name in truth["noise"]:
        values = _baseline(meas, name)
        auc = roc_auc_score(label.loc[values.index], values)
        assert abs(auc - 0.5) < 0.04, (name, auc)


def test_decoys_are_associated_through_shared_factors(written):
    patients, meas, _ = written
    base = pd.DataFrame({n: _baseline(meas, n) for n in ("gep", "stil_pct", "il6", "crp")})
    assert base["gep"].corr(base["stil_pct"], method="spearman") > 0.3
    assert base["il6"].corr(base["crp"], method="spearman") > 0.3
