"""`irpredict screen` on the shared I-SPY2 cohort, checked against plain pandas on the CSV."""

import pandas as pd
import pytest

pytestmark = pytest.mark.shared_data


def test_ispy2_pembrolizumab_arm_matches_pandas(cli, shared_data, repo_root, tmp_path):
    res = cli("screen", repo_root / "experiments" / "ispy2.toml", "--therapy-class",
              "checkpoint_inhibitor", "--criteria", "Chemokine12_score >= 0", "--criteria",
              "HR == 0", "--score-column", "STAT1_sig", "--thresholds=-0.5,0.5", "--p0", "0.30",
              "--p-comparator", "0.17", "--n-bootstrap", "50", "--out", tmp_path,
              "--markdown", tmp_path / "report.md",
              env={"IRPREDICT_SHARED_DATA": str(shared_data)})
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "screening.csv")
    assert set(table["therapy_class"]) == {"checkpoint_inhibitor"}

    raw = pd.read_csv(shared_data / "ispy2_wolf2022" / "ispy2_wolf2022_tidy.csv")
    arm = raw[raw["Arm..short.name."] == "Pembro"]
    assert (len(arm), int(arm["pCR"].sum())) == (69, 31)
    rules = {
        "Chemokine12_score >= 0": arm["Chemokine12_score"] >= 0,
        "HR == 0": arm["HR"] == 0,
        "STAT1_sig >= -0.5": arm["STAT1_sig"] >= -0.5,
        "STAT1_sig >= 0.5": arm["STAT1_sig"] >= 0.5,
        "(no screening)": pd.Series(True, index=arm.index),
    }
    for rule, mask in rules.items():
        got = table[table["rule"] == rule].set_index("metric")
        assert got["n_screened"].iloc[0] == 69
        assert got.loc["eligible_fraction", "estimate"] == pytest.approx(mask.mean()), rule
        assert got.loc["response_rate_eligible", "estimate"] == pytest.approx(
            arm.loc[mask, "pCR"].mean()), rule
        assert got.loc["responders_lost", "estimate"] == arm.loc[~mask, "pCR"].sum(), rule
        low, high = got.loc["response_rate_eligible", ["ci_low", "ci_high"]]
        assert low <= arm.loc[mask, "pCR"].mean() <= high
    report = (tmp_path / "report.md").read_text()
    assert report.startswith("# Trial screening")
    assert "`Chemokine12_score >= 0`" in report


def test_a_response_derived_column_cannot_be_a_screening_rule(cli, shared_data, repo_root,
                                                              tmp_path):
    # RPS.5 is an I-SPY2 subtype call derived from the response (the experiment declares it).
    res = cli("screen", repo_root / "experiments" / "ispy2.toml", "--criteria",
              "RPS.5 == 'HER2-/Immune+'", "--p0", "0.3", "--n-bootstrap", "10", "--out",
              tmp_path, env={"IRPREDICT_SHARED_DATA": str(shared_data)})
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "'RPS.5', declared response-derived" in " ".join(res.stderr.split())
    assert not (tmp_path / "screening.csv").exists()
