"""`irpredict screen` end to end on a small table (subprocess): outputs match pandas."""

import pandas as pd
import pytest


def test_screen_writes_csv_and_plot_matching_pandas(cli, table_file, tmp_path):
    path, frame = table_file
    out = tmp_path / "out"
    res = cli("screen", path, "--criteria", "pdl1_cps >= 10", "--thresholds", "0.2:0.6:0.2",
              "--p0", "0.2", "--p-comparator", "0.25", "--cost-screen", "100",
              "--cost-patient", "1000", "--n-bootstrap", "60", "--out", out,
              "--markdown", tmp_path / "report.md", "--note", "Why these rules.")
    assert res.returncode == 0, res.stderr
    assert "Screening trade-offs" in res.stdout
    assert "pdl1_cps >= 10" in res.stdout
    table = pd.read_csv(out / "screening.csv")
    assert (out / "tradeoff.png").stat().st_size > 1000
    assert not list(out.glob(".*.tmp"))
    assert {"ci_low", "ci_high", "n_undefined", "n_infinite"} <= set(table.columns)
    assert set(table["rule"]) == {"(no screening)", "pdl1_cps >= 10", "prob_response >= 0.2",
                                  "prob_response >= 0.4", "prob_response >= 0.6"}
    sub = frame[frame["therapy_class"] == "checkpoint_inhibitor"]
    mask = sub["pdl1_cps"] >= 10
    got = table[(table["rule"] == "pdl1_cps >= 10")
                & (table["therapy_class"] == "checkpoint_inhibitor")].set_index("metric")
    assert got.loc["eligible_fraction", "estimate"] == pytest.approx(mask.mean())
    assert got.loc["response_rate_eligible", "estimate"] == pytest.approx(
        sub.loc[mask, "response"].mean())
    assert got.loc["eligible_fraction", "ci_low"] <= mask.mean() <= got.loc[
        "eligible_fraction", "ci_high"]
    assert got.loc["n_eligible", "n_boot"] == 60
    report = (tmp_path / "report.md").read_text()
    assert "irpredict screen" in report
    assert "Why these rules." in report
    assert "| `pdl1_cps >= 10` | checkpoint_inhibitor |" in report


def test_plain_table_with_id_and_label(cli, table_file, tmp_path):
    path, frame = table_file
    plain = frame.rename(columns={"patient_id": "pid", "response": "pcr", "prob_response": "oof"})
    plain = plain.drop(columns="therapy_class")
    src = tmp_path / "plain.csv"
    plain.to_csv(src, index=False)
    res = cli("screen", src, "--id", "pid", "--label", "pcr", "--therapy-class",
              "checkpoint_inhibitor", "--score-column", "oof", "--thresholds", "0.5",
              "--p0", "0.2", "--n-bootstrap", "20", "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "o" / "screening.csv")
    got = table[(table["rule"] == "oof >= 0.5") & (table["metric"] == "eligible_fraction")]
    assert got["estimate"].iloc[0] == pytest.approx((plain["oof"] >= 0.5).mean())
