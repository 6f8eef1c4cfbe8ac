"""`irpredict screen` run as a user would (subprocess)."""

import numpy as np
import pandas as pd
import pytest


def test_rule_selecting_nobody_is_a_note_not_a_crash(cli, table_file, tmp_path):
    path, _ = table_file
    res = cli("screen", path, "--criteria", "pdl1_cps > 1000", "--p0", "0.2",
              "--n-bootstrap", "10", "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "selects nobody" in res.stdout
    assert "no two-arm (Fleiss) size: pass --p-comparator" in res.stdout
    table = pd.read_csv(tmp_path / "screening.csv")
    rows = table[(table["rule"] == "pdl1_cps > 1000")
                 & (table["metric"] == "response_rate_eligible")]
    assert rows["estimate"].isna().all()


@pytest.mark.parametrize(("args", "message"), [
    (["--criteria", "__import__('os').system('echo hi')"], "function calls are not allowed"),
    (["--criteria", "pdl1_csp >= 10"], "unknown column 'pdl1_csp' (closest: pdl1_cps"),
    (["--criteria", "pdl1_cps >= 10", "--model", "models:/x@champion", "--id", "patient_id"],
     "drop --id and --label"),
    ([], "nothing to screen"),
    (["--thresholds", "0.6:0.2:0.1"], "is not start:stop:step"),
    (["--criteria", "pdl1_cps >= 1", "--therapy-class", "cytokine"], "it holds "
                                                                      "checkpoint_inhibitor, "
                                                                      "chemotherapy"),
    (["--criteria", "pdl1_cps >= 1", "--thresholds", "0.5", "--score-column", "prob"],
     "score column 'prob', which"),
    (["--criteria", "pdl1_cps >= 1", "--markdown", "/dev/null/r.md"],
     "/dev/null is a file, not a folder"),
    (["--thresholds", "0.5", "--score-column", "therapy_class"],
     "--score-column 'therapy_class' of"),
    (["--thresholds", "0.1:0.2:1e-12"], "gives over a billion thresholds; give 1 to 200"),
    (["--thresholds", "0:1e300:1"], "gives over a billion thresholds"),
    (["--criteria", "pdl1_cps >= 1", "--cost-screen", "100"],
     "--cost-screen needs --cost-patient too"),
    (["--criteria", "pdl1_cps >= 1", "--cost-patient", "100"],
     "--cost-patient needs --cost-screen too"),
    (["--criteria", "pdl1_cps >= 1", "--cost-patient", "inf", "--cost-screen", "1"],
     "--cost-patient must be a finite number"),
    (["--criteria", "pdl1_cps >= 1", "--missing", "ignore"],
     "--missing must be exclude or include; got 'ignore'"),
])
def test_errors_are_one_line_with_status_1(cli, table_file, tmp_path, args, message):
    path, _ = table_file
    res = cli("screen", path, "--p0", "0.2", "--n-bootstrap", "5", "--out", tmp_path / "o",
              *args)
    assert res.returncode == 1
    assert message in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "o" / "screening.csv").exists()


def test_an_id_option_keeps_the_tables_own_response_column(cli, table_file, tmp_path):
    path, _ = table_file
    args = ("--criteria", "pdl1_cps >= 10", "--p0", "0.2", "--n-bootstrap", "0")
    plain = cli("screen", path, *args, "--out", tmp_path / "plain")
    with_id = cli("screen", path, *args, "--id", "patient_id", "--out", tmp_path / "id")
    assert plain.returncode == 0, plain.stderr
    assert with_id.returncode == 0, with_id.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "plain" / "screening.csv"),
                                  pd.read_csv(tmp_path / "id" / "screening.csv"))


def test_bad_p0_is_reported(cli, table_file, tmp_path):
    path, _ = table_file
    res = cli("screen", path, "--criteria", "pdl1_cps >= 1", "--p0", "1.3", "--out", tmp_path)
    assert res.returncode == 1
    assert "p0 must be strictly between 0 and 1" in res.stderr


def test_thresholds_without_a_score_say_how_to_get_one(cli, tmp_path):
    cohort = tmp_path / "cohort"
    assert cli("simulate", "--patients", "60", "--seed", "2", "--out", cohort).returncode == 0
    result = cli("screen", cohort, "--thresholds", "0.2:0.8:0.1", "--p0", "0.3",
                 "--out", tmp_path / "out")
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "pass --model to score the cohort" in text
    assert "closest: response" not in text
    assert not (tmp_path / "out").exists()


def test_no_finite_trial_size_is_explained(cli, table_file, tmp_path):
    path, _ = table_file
    res = cli("screen", path, "--criteria", "pdl1_cps >= 0", "--p0", "0.99",
              "--n-bootstrap", "10", "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "none / none" in text
    assert "'none' = no finite trial size" in text
    assert "or no Simon design was found or proven optimal up to 100 patients" in text
    table = pd.read_csv(tmp_path / "screening.csv")
    pet0 = table[table["metric"].str.endswith("_pet0")]
    assert len(pet0)
    # a probability: undefined without a design, never infinite
    assert not pet0[["estimate", "ci_low", "ci_high"]].isin([float("inf")]).any().any()
    assert pet0["estimate"].isna().all()


@pytest.mark.parametrize(("args", "option"), [
    (["--cost-screen", "-5"], "--cost-screen"), (["--cost-patient", "-1"], "--cost-patient"),
    (["--seed", "-1"], "--seed"), (["--n-bootstrap", "-3"], "--n-bootstrap")])
def test_negative_costs_seeds_and_resamples_are_refused(cli, table_file, tmp_path, args, option):
    path, _ = table_file
    res = cli("screen", path, "--criteria", "pdl1_cps >= 1", "--p0", "0.2",
              "--out", tmp_path / "o", *args)
    assert res.returncode != 0
    assert option in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_a_screen_never_writes_over_its_own_input(cli, table_file, tmp_path):
    import shutil

    path, _ = table_file
    src = tmp_path / "screening.csv"
    shutil.copy(path, src)
    before = src.read_bytes()
    res = cli("screen", src, "--criteria", "pdl1_cps >= 10", "--p0", "0.2",
              "--n-bootstrap", "5", "--out", tmp_path)
    assert res.returncode == 1
    assert "is an input of this command" in res.stderr
    assert src.read_bytes() == before


def test_the_simon_search_limit_is_an_option_and_is_named(cli, table_file, tmp_path):
    path, _ = table_file
    res = cli("screen", path, "--criteria", "pdl1_cps >= 1", "--p0", "0.45",
              "--n-bootstrap", "0", "--simon-max-n", "20", "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "o" / "screening.csv")
    simon = table[(table["metric"] == "simon_optimal_n") & (table["therapy_class"] == "all")]
    assert simon["estimate"].apply(lambda v: v == float("inf") or v <= 20).all()
    assert "proven optimal up to 20 patients (--simon-max-n)" in " ".join(res.stdout.split())
    refused = cli("screen", path, "--criteria", "pdl1_cps >= 1", "--p0", "0.45",
                  "--simon-max-n", "5", "--out", tmp_path / "r")
    assert refused.returncode != 0
    assert "--simon-max-n" in refused.stderr


def test_a_tab_inside_a_criterion_is_drawn_as_a_space(cli, table_file, tmp_path):
    path, _ = table_file
    res = cli("screen", path, "--criteria", "pdl1_cps\t>=\t10", "--p0", "0.2",
              "--n-bootstrap", "5", "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "cannot be drawn" not in res.stderr
    assert "warning" not in res.stderr.lower()
    assert (tmp_path / "tradeoff.png").is_file()


def test_no_finite_trial_costs_none_even_at_a_cost_of_0_per_screen(cli, table_file, tmp_path):
    path, _ = table_file
    res = cli("screen", path, "--criteria", "pdl1_cps >= 0", "--p0", "0.99", "--p-comparator",
              "0.98", "--cost-screen", "0", "--cost-patient", "1000", "--n-bootstrap", "20",
              "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "screening.csv")
    costs = table[table["metric"].str.startswith("cost_")]
    assert len(costs) == 2 * table[["rule", "therapy_class"]].drop_duplicates().shape[0]
    # no finite trial: infinite, counted as such, never NaN (0 x inf) or a finite CI
    assert (costs[["estimate", "ci_low", "ci_high"]] == float("inf")).all().all()
    assert (costs["n_infinite"] == costs["n_boot"]).all()


@pytest.mark.parametrize(("args", "message"), [
    (["--label", "resp", "--criteria", "resp == 1"],
     "criterion 'resp == 1' uses 'resp', the label"),
    (["--label", "resp", "--thresholds", "0.5", "--score-column", "resp"],
     "--score-column uses 'resp', the label"),
    (["--label", "resp", "--thresholds", "0.5", "--score-column", "pid"],
     "--score-column 'pid' is the patient id column (--id)"),
    (["--criteria", "x > 0"], "--label COLUMN for one table file; a cohort folder needs"),
])
def test_the_label_and_id_under_their_own_names_are_named_as_such(cli, tmp_path, args, message):
    table = pd.DataFrame({"pid": [f"P{i}" for i in range(30)], "resp": [0, 1, 1] * 10,
                          "therapy_class": "cytokine", "x": range(30), "score": 0.5})
    table.to_csv(tmp_path / "t.csv", index=False)
    res = cli("screen", tmp_path / "t.csv", "--id", "pid", "--p0", "0.2", "--n-bootstrap", "0",
              "--out", tmp_path / "o", *args)
    assert res.returncode == 1
    assert message in " ".join(res.stderr.split())
    assert "Traceback" not in res.stderr


def test_quoted_names_brackets_and_pipes_stay_whole_in_the_table_and_the_markdown(
        cli, table_file, tmp_path):
    from markdown_it import MarkdownIt

    path, frame = table_file
    odd = frame.rename(columns={"pdl1_cps": "TILs [pct]"}).assign(
        grade=["a|b" if i % 2 else "c" for i in range(len(frame))])
    source = tmp_path / "odd.csv"
    odd.to_csv(source, index=False)
    rules = ["`TILs [pct]` >= 10", "grade == 'a|b'"]
    res = cli("screen", source, *[a for r in rules for a in ("--criteria", r)], "--p0", "0.2",
              "--n-bootstrap", "0", "--out", tmp_path / "out", "--markdown",
              tmp_path / "out" / "r.md")
    assert res.returncode == 0, res.stderr
    assert "`TILs [pct]` >= 10" in res.stdout  # rich took [pct] for markup before
    html = MarkdownIt("commonmark").enable("table").render((tmp_path / "out" / "r.md")
                                                           .read_text())
    cells = [c.split("</td>")[0] for c in html.split("<td>")[1:]]
    assert "<code>`TILs [pct]` &gt;= 10</code>" in cells
    assert "<code>grade == 'a|b'</code>" in cells


def test_warnings_of_a_screen_are_kept_in_its_markdown_report(cli, table_file, tmp_path):
    path, frame = table_file
    source = tmp_path / "with_subtype.csv"
    frame.assign(subtype=["TNBC", "HR+"] * (len(frame) // 2)).to_csv(source, index=False)
    report = tmp_path / "out" / "r.md"
    res = cli("screen", source, "--criteria", "subtype == 'tnbc'", "--p0", "0.2",
              "--n-bootstrap", "0", "--out", tmp_path / "out", "--markdown", report)
    assert res.returncode == 0, res.stderr
    assert "no patient has subtype = 'tnbc'" in " ".join(res.stderr.split())
    text = " ".join(report.read_text().split())
    assert "Warning: criteria 'subtype == 'tnbc'': no patient has subtype = 'tnbc'" in text
    assert "did you mean 'TNBC'" in text


def test_an_unknown_name_is_never_offered_a_refused_column(cli, tmp_path):
    table = pd.DataFrame({"patient_id": [f"P{i}" for i in range(30)], "response": [0, 1] * 15,
                          "therapy_class": "cytokine", "pfs_days": range(30),
                          "ecog": [0, 1, 2] * 10})
    table.to_csv(tmp_path / "t.csv", index=False)

    def error(criterion):
        res = cli("screen", tmp_path / "t.csv", "--criteria", criterion, "--p0", "0.2",
                  "--n-bootstrap", "0", "--out", tmp_path / "o")
        assert res.returncode == 1
        return " ".join(res.stderr.split()).split("error: ", 1)[1]

    assert "closest" not in error("respons == 1")  # the label is no fix
    assert "pfs_days" not in error("pfs_day > 10")  # nor an outcome
    assert "closest: ecog" in error("ecgo < 2")
    assert "pass --model to score the patients" in error("prob_response >= 0.5")


def _cohort_folder(tmp_path, measured, biomarker, values, unit=None):
    """A cohort folder of 60 cytokine patients, the first ``measured`` of them measured at
    baseline."""
    rng = np.random.default_rng(1)
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    ids = [f"P{i}" for i in range(60)]
    pd.DataFrame({"patient_id": ids, "therapy_class": "cytokine",
                  "response": rng.integers(0, 2, 60)}).to_csv(cohort / "patients.csv",
                                                               index=False)
    pd.DataFrame({"patient_id": ids[60 - measured:], "biomarker": biomarker, "day": 0,
                  "value": values(rng, measured), "unit": unit}).to_csv(
        cohort / "measurements.csv", index=False)
    return cohort


def test_a_baseline_biomarker_is_a_score_column_by_its_own_name(cli, tmp_path):
    cohort = _cohort_folder(tmp_path, 60, "pdl1_cps", lambda rng, n: rng.integers(0, 50, n))
    runs = [cli("screen", cohort, "--thresholds", "1,10", "--score-column", column, "--p0",
                "0.2", "--n-bootstrap", "0", "--out", tmp_path / column)
            for column in ("pdl1_cps", "pdl1_cps__baseline")]
    for res in runs:
        assert res.returncode == 0, res.stderr
    tables = [pd.read_csv(tmp_path / c / "screening.csv")
              for c in ("pdl1_cps", "pdl1_cps__baseline")]
    np.testing.assert_array_equal(tables[0]["estimate"], tables[1]["estimate"])


def test_the_unit_a_threshold_is_read_in_is_said_and_a_rule_passing_every_value_noted(
        cli, tmp_path):
    cohort = _cohort_folder(tmp_path, 54, "albumin",
                            lambda rng, n: rng.normal(38, 4, n).round(1), unit="g/L")
    res = cli("screen", cohort, "--criteria", "albumin >= 3.5", "--p0", "0.2", "--n-bootstrap",
              "0", "--out", tmp_path / "o", "--markdown", tmp_path / "o" / "r.md")
    assert res.returncode == 0, res.stderr
    for text in (" ".join(res.stdout.split()), " ".join((tmp_path / "o" / "r.md").read_text()
                                                        .split())):
        assert "compared with the cohort's values in these units: albumin in g/L" in text
        assert "selects every patient with a value (it turns away only missing ones)" in text


def test_the_missing_option_is_read_in_any_case(cli, table_file, tmp_path):
    path, _ = table_file
    res = cli("screen", path, "--criteria", "pdl1_cps >= 10", "--missing", " Include",
              "--p0", "0.2", "--n-bootstrap", "0", "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "counted as eligible (--missing include)" in " ".join(res.stdout.split())


def test_a_criterion_on_a_column_dated_after_the_first_dose_is_refused(cli, table_file, tmp_path):
    path, frame = table_file
    source = tmp_path / "timed.csv"
    frame.assign(ki67_day14=range(len(frame))).to_csv(source, index=False)
    res = cli("screen", source, "--criteria", "ki67_day14 < 10", "--p0", "0.2",
              "--n-bootstrap", "0", "--out", tmp_path / "o")
    assert res.returncode == 1
    assert ("uses 'ki67_day14', a column whose name dates it after the first dose (day14)"
            in " ".join(res.stderr.split()))
