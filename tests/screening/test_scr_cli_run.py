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
    assert "Screening trade-offs (95% CIs from 60 bootstrap resamples)" in res.stdout
    assert "CIs from 60 resamples are rough" in " ".join(res.stdout.split())
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
    # the report carries the costs the terminal table and the CSV hold
    header = next(line for line in report.splitlines() if line.startswith("| rule"))
    assert "cost of the two-arm trial" in header
    row = next(line for line in report.splitlines()
               if line.startswith("| `pdl1_cps >= 10` | checkpoint_inhibitor |"))
    cost = got.loc["cost_two_arm", "estimate"]
    assert f"{cost:,.0f} [" in row


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


def test_therapy_class_filters_a_table_that_has_its_own_class_column(cli, table_file,
                                                                      tmp_path):
    path, frame = table_file
    res = cli("screen", path, "--id", "patient_id", "--label", "response", "--therapy-class",
              "chemotherapy", "--criteria", "pdl1_cps >= 10", "--p0", "0.2",
              "--n-bootstrap", "0", "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "o" / "screening.csv")
    assert set(table["therapy_class"]) == {"chemotherapy"}
    assert table["n_screened"].iloc[0] == (frame["therapy_class"] == "chemotherapy").sum()
    # the class written as a person writes it
    again = cli("screen", path, "--id", "patient_id", "--label", "response", "--therapy-class",
                " Chemotherapy", "--criteria", "pdl1_cps >= 10", "--p0", "0.2",
                "--n-bootstrap", "0", "--out", tmp_path / "o2")
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "o2" / "screening.csv"), table)


def test_a_text_column_is_text_whichever_class_is_screened(cli, table_file, tmp_path):
    path, frame = table_file
    coded = frame.assign(her2_ihc=["0" if t == "chemotherapy" else ["1+", "3+"][k % 2]
                                   for k, t in enumerate(frame["therapy_class"])])
    src = tmp_path / "her2.csv"
    coded.to_csv(src, index=False)
    res = cli("screen", src, "--therapy-class", "chemotherapy", "--criteria", "her2_ihc >= 2",
              "--p0", "0.2", "--n-bootstrap", "0", "--out", tmp_path / "o")
    assert res.returncode == 1
    assert "column 'her2_ihc' holds text" in res.stderr
    quoted = cli("screen", src, "--therapy-class", "chemotherapy", "--criteria",
                 "her2_ihc in ('2+', '3+')", "--p0", "0.2", "--n-bootstrap", "0",
                 "--out", tmp_path / "o")
    assert quoted.returncode == 0, quoted.stderr


def test_repeated_rules_are_screened_once_and_unknown_eligibility_is_counted(
        cli, table_file, tmp_path):
    path, frame = table_file
    res = cli("screen", path, "--thresholds", "0.3,0.3", "--criteria", "prob_response >= 0.3",
              "--criteria", "pdl1_cps >= 10", "--p0", "0.2", "--n-bootstrap", "0",
              "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    assert "rules given more than once are screened once" in " ".join(res.stderr.split())
    table = pd.read_csv(tmp_path / "o" / "screening.csv", keep_default_na=False)
    assert set(table["rule"]) == {"(no screening)", "prob_response >= 0.3", "pdl1_cps >= 10"}
    notes = table[(table["rule"] == "pdl1_cps >= 10") & (table["therapy_class"] == "all")]
    missing = int(frame["pdl1_cps"].isna().sum())
    assert f"eligibility unknown for {missing} of {len(frame)} patients" in notes["note"].iloc[0]
    assert "counted as not eligible (--missing exclude)" in notes["note"].iloc[0]


def test_rules_differing_only_inside_quotes_are_two_rules(cli, tmp_path):
    frame = pd.DataFrame({"patient_id": [f"P{i}" for i in range(8)],
                          "therapy_class": "checkpoint_inhibitor",
                          "response": [1, 0, 1, 0, 1, 0, 1, 0],
                          "arm": ["A B", "A B", "AB", "AB", "A B", "AB", "C", "C"]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    res = cli("screen", tmp_path / "t.csv", "--criteria", "arm == 'A B'", "--criteria",
              "arm=='AB'", "--criteria", "arm == 'AB'", "--p0", "0.2", "--n-bootstrap", "0",
              "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    assert "screened once: [\"arm == 'AB'\"]" in " ".join(res.stderr.split())
    table = pd.read_csv(tmp_path / "o" / "screening.csv")
    assert set(table["rule"]) == {"(no screening)", "arm == 'A B'", "arm=='AB'"}


def test_a_threshold_is_applied_as_given_not_as_printed_to_six_digits(cli, tmp_path):
    scores = [1234560, 1234566, 1234568, 1234569, 1234600, 0.1234565, 0.1234566, 0.1234567]
    frame = pd.DataFrame({"patient_id": [f"P{i}" for i in range(len(scores))],
                          "therapy_class": "checkpoint_inhibitor",
                          "response": [1, 0, 1, 0, 1, 0, 1, 0], "big": scores})
    frame.to_csv(tmp_path / "t.csv", index=False)
    res = cli("screen", tmp_path / "t.csv", "--score-column", "big", "--thresholds",
              "1234567,0.1234565,0.1234567", "--p0", "0.2", "--n-bootstrap", "0",
              "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "o" / "screening.csv")
    eligible = table[(table["metric"] == "n_eligible") & (table["kind"] == "threshold")]
    got = dict(zip(eligible["threshold"], eligible["estimate"], strict=True))
    assert got == {t: float(sum(s >= t for s in scores))
                   for t in (1234567, 0.1234565, 0.1234567)}
    assert len(got) == 3


def test_threshold_ranges_never_pass_their_stop():
    from irpredict.exceptions import ExperimentConfigError
    from irpredict.screening._rules import parse_thresholds

    assert parse_thresholds("0.1:0.6:0.7") == [0.1]
    assert parse_thresholds("0.2:0.3:0.25") == [0.2]
    assert parse_thresholds("0.1:0.6:0.05")[-1] == pytest.approx(0.6)
    assert len(parse_thresholds("0.1:0.6:0.05")) == 11
    for text in ("nan", "0.1,inf", "0.1:nan:0.1"):
        with pytest.raises(ExperimentConfigError, match="finite"):
            parse_thresholds(text)


def test_an_earlier_report_left_in_the_output_folder_is_said(cli, table_file, tmp_path):
    path, _ = table_file
    args = ("--p0", "0.2", "--n-bootstrap", "0", "--out", tmp_path / "o")
    first = cli("screen", path, "--criteria", "pdl1_cps >= 10", *args,
                "--markdown", tmp_path / "o" / "report.md")
    assert first.returncode == 0, first.stderr
    assert "earlier run" not in first.stdout
    report = " ".join((tmp_path / "o" / "report.md").read_text().split())
    # without resamples the report claims no CIs; the Simon limit is the one in force
    assert "Point estimates only (no bootstrap was run)" in report
    assert "no Simon design found or proven optimal up to 100 patients" in report
    assert "Inside the bootstrap" not in report
    again = cli("screen", path, "--criteria", "pdl1_cps >= 30", *args)
    assert again.returncode == 0, again.stderr
    assert "also holds report.md from an earlier run, which this run did not write" in " ".join(
        again.stdout.split())


def test_scores_named_after_the_outcome_are_screened(cli, table_file, tmp_path):
    # out-of-fold scores are often named after what they predict; only outcome columns and
    # the day treatment stopped are refused (tests/cli/test_output_guards.py)
    path, frame = table_file
    named = frame.rename(columns={"prob_response": "pcr_prob"})
    src = tmp_path / "named.csv"
    named.to_csv(src, index=False)
    res = cli("screen", src, "--score-column", "pcr_prob", "--thresholds", "0.5",
              "--criteria", "pcr_prob >= 0.3 and pdl1_cps >= 1", "--p0", "0.2",
              "--n-bootstrap", "0", "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    rules = set(pd.read_csv(tmp_path / "o" / "screening.csv")["rule"])
    assert {"pcr_prob >= 0.5", "pcr_prob >= 0.3 and pdl1_cps >= 1"} <= rules
