"""Features on the shared INSPIRE and IO-KIN cohorts, checked against the CSV files."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from irpredict.features import build_features

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def inspire(shared_data, repo_root):
    from irpredict.data.loaders import load_cohort

    return load_cohort(repo_root / "experiments" / "inspire.toml")


@pytest.fixture(scope="module")
def iokin(shared_data, repo_root):
    from irpredict.data.loaders import load_cohort

    return load_cohort(repo_root / "experiments" / "iokin.toml")


def test_inspire_values_match_the_csv_files(inspire, shared_data):
    patients = pd.read_csv(shared_data / "inspire" / "inspire_pembrolizumab_patients.csv")
    intervals = pd.read_csv(shared_data / "inspire" / "inspire_ctdna_intervals_longitudinal.csv")
    X = build_features(inspire, landmark_days=42).X
    assert len(X) == 94
    for pid in ("INS-A-007", "INS-A-003"):
        base = patients.loc[patients["id"] == pid, "baseline_ctdna"].item()
        log10 = intervals.loc[intervals["id"] == pid, "log10_change_ctdna"].iloc[0]
        row = X.loc[pid]
        assert row["ctdna__baseline"] == pytest.approx(base)
        assert row["ctdna__last_d42"] == pytest.approx(base * 10**log10)
        assert row["ctdna__log2fc_d42"] == pytest.approx(log10 * math.log2(10))
        assert row["ctdna__slope_d42"] == pytest.approx((base * 10**log10 - base) / 42)
        assert row["ctdna__n_draws_d42"] == 1


def test_inspire_leaves_out_outcomes_and_the_response_derived_tumour_series(inspire):
    fs = build_features(inspire)
    forbidden = {"orr", "response", "cbr", "os_time", "pfs_time", "change_ctdna_group"}
    assert not forbidden & set(fs.X.columns)
    assert not [c for c in fs.X.columns if c.startswith("tumor_size__")]
    assert fs.y.notna().all()
    assert int(fs.y.sum()) == 16


def _auc(y, x):
    keep = x.notna()
    return roc_auc_score(y[keep].astype(int), x[keep])


def test_inspire_ctdna_change_separates_responders_better_than_any_baseline(inspire):
    fs = build_features(inspire, landmark_days=42)
    X, y = fs.X, fs.y
    # a fall in ctDNA means response: orient by -log2fc
    on_treatment = _auc(y, -X["ctdna__log2fc_d42"])
    assert on_treatment > 0.7
    baseline = [c for c in X.columns if "_d42" not in c and c not in fs.categorical_columns]
    assert "tmb" in baseline
    assert "ctdna__baseline" in baseline
    for col in baseline:
        auc = _auc(y, X[col])
        assert on_treatment > max(auc, 1 - auc), col  # even in its better direction


def test_iokin_values_match_the_csv_file(iokin, shared_data):
    raw = pd.read_csv(shared_data / "iokin" / "04_IOKIN_ctDNALevels.csv", encoding="utf-8-sig")
    days = {"T0": 0, "T1": 1, "T2": 2, "T3": 7, "T4": 14, "T5": 21, "T6": 28}
    X = build_features(iokin, landmark_days=[7, 42]).X
    assert len(X) == 15
    for pid in ("LIB-25-0001", "LIB-25-0002"):
        series = raw.set_index("Patient_id").loc[pid].rename(days).dropna()
        t, v = series.index.to_numpy(float), series.to_numpy(float)
        on = t > 0
        row = X.loc[pid]
        assert row["ctdna__baseline"] == v[0]
        assert row["ctdna__last_d42"] == v[-1]
        assert row["ctdna__n_draws_d42"] == on.sum()
        assert row["ctdna__min_d42"] == v[on].min()
        assert row["ctdna__max_d42"] == v[on].max()
        assert row["ctdna__slope_d42"] == pytest.approx(np.polyfit(t, v, 1)[0])
        dev = v - v[0]
        assert row["ctdna__auc_d42"] == pytest.approx(np.trapezoid(dev, t) / t[-1])
        early = (t > 0) & (t <= 7)
        assert row["ctdna__last_d7"] == v[early][-1]
        assert row["ctdna__n_draws_d7"] == early.sum()


def test_cli_writes_inspire_features(cli, shared_data, repo_root, tmp_path):
    out = tmp_path / "inspire.parquet"
    result = cli("features", repo_root / "experiments" / "inspire.toml", "--out", out)
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(out)
    assert f"94 rows x {frame.shape[1]} columns" in result.stdout
    assert list(frame.columns[:3]) == ["patient_id", "therapy_class", "response"]
    assert "ctdna__log2fc_d42" in frame.columns
