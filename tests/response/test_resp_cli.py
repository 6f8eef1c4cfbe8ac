"""`irpredict assess-response` through the real command line."""

import pandas as pd


def _write(path, text):
    path.write_text(text)
    return path


VALID = """patient_id,day,target_sld_mm,nontarget,new_lesion
p1,-3,50,NON-CR/NON-PD,
p1,56,30,NON-CR/NON-PD,
p1,112,29,NON-CR/NON-PD,
p2,0,40,,
p2,56,55,,1
p3,-2,25.5,,
p3,56,30.6,,
p4,-1,60,,
"""


def test_valid_file_writes_bor_and_timepoints(cli, tmp_path):
    src = _write(tmp_path / "ta.csv", VALID)
    out = tmp_path / "bor.csv"
    res = cli("assess-response", src, "--out", out)
    assert res.returncode == 0, res.stderr
    assert "Best overall response" in res.stdout
    bor = pd.read_csv(out, dtype={"patient_id": str}).set_index("patient_id")
    assert bor["bor"].to_dict() == {"p1": "PR", "p2": "PD", "p3": "PD", "p4": "MISSING"}
    assert bool(bor.loc["p1", "confirmed"])
    assert bor.loc["p1", "bor_day"] == 56
    tp = pd.read_csv(tmp_path / "bor_timepoints.csv")
    assert len(tp) == 4
    assert {"patient_id", "day", "overall_response", "target_response"} <= set(tp.columns)
    assert not list(tmp_path.glob(".*.tmp"))


def test_irecist_and_no_confirm_options(cli, tmp_path):
    src = _write(tmp_path / "ta.csv", VALID)
    res = cli(
        "assess-response",
        src,
        "--out",
        tmp_path / "i.csv",
        "--criteria",
        "irecist",
        "--no-confirm",
        "--min-sd-days",
        "28",
    )
    assert res.returncode == 0, res.stderr
    bor = pd.read_csv(tmp_path / "i.csv").set_index("patient_id")
    assert bor.loc["p1", "bor"] == "iPR"
    assert not bor["confirmed"].any()
    assert "irecist_response" in pd.read_csv(tmp_path / "i_timepoints.csv").columns


def test_missing_columns_exit_1(cli, tmp_path):
    src = _write(tmp_path / "ta.csv", "patient_id,day,sld\np1,0,40\n")
    out = tmp_path / "bor.csv"
    res = cli("assess-response", src, "--out", out)
    assert res.returncode == 1
    assert "missing: ['target_sld_mm']" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()


def test_non_numeric_sizes_exit_1(cli, tmp_path):
    src = _write(tmp_path / "ta.csv", "patient_id,day,target_sld_mm\np1,0,40\np1,56,big\n")
    res = cli("assess-response", src, "--out", tmp_path / "bor.csv")
    assert res.returncode == 1
    assert "'target_sld_mm' must be numeric" in res.stderr
    assert "row 3 holds ['big']" in " ".join(res.stderr.split())
    assert not (tmp_path / "bor.csv").exists()


def test_help_has_example(cli):
    res = cli("assess-response", "--help")
    assert res.returncode == 0
    assert "irpredict assess-response" in res.stdout
    assert "--criteria" in res.stdout


def test_parquet_input(cli, tmp_path):
    rows = [("a", -3, 40.0), ("a", 60, 20.0), ("a", 120, 18.0)]
    pd.DataFrame(rows, columns=["patient_id", "day", "target_sld_mm"]).to_parquet(
        tmp_path / "ta.parquet"
    )
    res = cli("assess-response", tmp_path / "ta.parquet", "--out", tmp_path / "bor.csv")
    assert res.returncode == 0, res.stderr
    assert pd.read_csv(tmp_path / "bor.csv")["bor"].tolist() == ["PR"]


def test_dates_in_a_parquet_day_column_are_refused_not_read_as_nanoseconds(cli, tmp_path):
    frame = pd.DataFrame({"patient_id": ["a", "a"],
                          "day": pd.to_datetime(["2021-01-01", "2021-03-01"]),
                          "target_sld_mm": [40.0, 20.0]})
    frame.to_parquet(tmp_path / "ta.parquet")
    out = tmp_path / "bor.csv"
    res = cli("assess-response", tmp_path / "ta.parquet", "--out", out)
    assert res.returncode == 1
    assert "column 'day' holds dates" in res.stderr
    assert "days since the first dose" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()


def test_infinite_size_is_refused_with_its_row(cli, tmp_path):
    src = _write(tmp_path / "ta.csv", "patient_id,day,target_sld_mm\na,-5,50\na,56,inf\na,90,30\n")
    res = cli("assess-response", src, "--out", tmp_path / "bor.csv")
    assert res.returncode == 1
    assert "'target_sld_mm' holds infinite or implausibly large values" in res.stderr
    assert "rows 3" in res.stderr
    assert not (tmp_path / "bor.csv").exists()


def test_conflicting_visits_are_named_by_their_file_rows_after_an_exact_duplicate(cli, tmp_path):
    src = _write(tmp_path / "ta.csv",
                 "patient_id,day,target_sld_mm\na,-5,50\na,-5,50\nb,-5,40\nb,56,30\nb,56,31\n")
    res = cli("assess-response", src, "--out", tmp_path / "bor.csv")
    assert res.returncode == 1
    assert "1 patient has two different assessments" in res.stderr
    assert "rows 5, 6" in res.stderr


def test_parquet_output_and_ipfs_day(cli, tmp_path):
    src = _write(tmp_path / "ta.csv", "patient_id,day,target_sld_mm\n"
                 "c,-1,50\nc,56,62\nc,70,64\nc,84,67\n"  # iUPD at 56, iCPD (+5 mm) at 84
                 "s,-1,50\ns,56,30\ns,90,30\n")
    out = tmp_path / "ibor.parquet"
    res = cli("assess-response", src, "--out", out, "--criteria", "irecist")
    assert res.returncode == 0, res.stderr
    bor = pd.read_parquet(out).set_index("patient_id")
    assert bor.loc["c", "pd_day"] == 84
    assert bor.loc["c", "ipfs_day"] == 56
    assert pd.isna(bor.loc["s", "ipfs_day"])
    assert len(pd.read_parquet(tmp_path / "ibor_timepoints.parquet")) == 5
    refused = cli("assess-response", src, "--out", tmp_path / "bor.xlsx")
    assert refused.returncode == 1
    assert "write a .csv or .parquet file" in refused.stderr


def test_non_target_spelled_with_spaces_is_read(cli, tmp_path):
    src = _write(tmp_path / "ta.csv", "patient_id,day,target_sld_mm,nontarget\n"
                 "a,-1,40,Non-CR / Non-PD\na,56,20,Non-CR / Non-PD\na,90,20,non-cr/non-pd\n")
    res = cli("assess-response", src, "--out", tmp_path / "bor.csv")
    assert res.returncode == 0, res.stderr
    assert pd.read_csv(tmp_path / "bor.csv")["bor"].tolist() == ["PR"]


def test_columns_written_in_another_case_are_read(cli, tmp_path):
    src = _write(tmp_path / "ta.csv", "Patient_ID,Day,Target_SLD_mm,NonTarget\n"
                 "a,-1,40,NON-CR/NON-PD\na,56,20,NON-CR/NON-PD\na,90,20,NON-CR/NON-PD\n")
    res = cli("assess-response", src, "--out", tmp_path / "bor.csv")
    assert res.returncode == 0, res.stderr
    assert pd.read_csv(tmp_path / "bor.csv")["bor"].tolist() == ["PR"]


def _bor(cli, tmp_path, text, *options):
    src = _write(tmp_path / "ta.csv", text)
    out = tmp_path / "bor.csv"
    res = cli("assess-response", src, "--out", out, *options)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    return pd.read_csv(out, dtype={"patient_id": str}).set_index("patient_id"), res


def test_a_counted_new_lesion_is_progression_without_the_flag(cli, tmp_path):
    text = """patient_id,day,target_sld_mm,new_lesion_count,new_lesion_sld_mm
a,-3,50,0,0
a,42,30,0,0
a,84,30,2,15
a,126,30,3,25
b,-3,50,,
b,42,30,,12
b,84,30,,
"""
    bor, res = _bor(cli, tmp_path, text)
    tp = pd.read_csv(tmp_path / "bor_timepoints.csv", dtype={"patient_id": str})
    assert tp.set_index(["patient_id", "day"]).loc[("a", 84), "overall_response"] == "PD"
    assert bor.loc["b", "bor"] == "PD"  # a new lesion's size alone
    assert "new_lesion_count, new_lesion_sld_mm or new_nontarget_count above 0" in " ".join(
        res.stderr.split())
    ibor, _ = _bor(cli, tmp_path, text, "--criteria", "irecist")
    assert ibor.loc["a", "bor"] != "iPR"
    itp = pd.read_csv(tmp_path / "bor_timepoints.csv", dtype={"patient_id": str})
    assert itp.set_index(["patient_id", "day"]).loc[("a", 84), "irecist_response"] == "iUPD"


def test_new_nontarget_lesions_alone_are_progression(cli, tmp_path):
    text = "patient_id,day,target_sld_mm,new_nontarget\na,-3,50,0\na,56,45,1\na,112,45,1\n"
    bor, res = _bor(cli, tmp_path, text)
    assert bor.loc["a", "bor"] == "PD"
    assert bor.loc["a", "pd_day"] == 56
    assert "or new_nontarget true" in " ".join(res.stderr.split())
    ibor, _ = _bor(cli, tmp_path, text, "--criteria", "irecist")
    assert ibor.loc["a", "ipfs_day"] == 56


def test_ids_written_with_spaces_are_one_patient(cli, tmp_path):
    text = "patient_id,day,target_sld_mm\nP 001,-3,50\nP 001,42,30\n P 001,84,30\nP 001 ,126,30\n"
    bor, _ = _bor(cli, tmp_path, text)
    assert bor.index.tolist() == ["P 001"]
    assert bor.loc["P 001", "bor"] == "PR"
    assert bool(bor.loc["P 001", "confirmed"])


def test_ids_under_another_spelling_of_patient_id_keep_their_leading_zeros(cli, tmp_path):
    text = "Patient ID,day,target_sld_mm\n007,0,50\n007,42,30\n007,84,30\n7,-3,40\n7,40,60\n"
    bor, _ = _bor(cli, tmp_path, text)
    assert bor["bor"].to_dict() == {"007": "PR", "7": "PD"}
    assert bool(bor.loc["007", "confirmed"])


def test_a_timepoints_table_fed_back_is_read_for_its_measurements_only(cli, tmp_path):
    text = "patient_id,day,target_sld_mm\np,0,50\np,42,62\np,84,67\n"
    first, _ = _bor(cli, tmp_path, text, "--criteria", "irecist")
    timepoints = pd.read_csv(tmp_path / "bor_timepoints.csv")
    assert {"irecist_response", "icpd_late", "overall_response"} <= set(timepoints.columns)
    # the measurements with the assessment's own columns beside them, baseline included
    again = pd.concat([pd.read_csv(_write(tmp_path / "m.csv", text)).head(1), timepoints])
    again.to_csv(tmp_path / "again.csv", index=False)
    res = cli("assess-response", tmp_path / "again.csv", "--out", tmp_path / "again_bor.csv",
              "--criteria", "irecist")
    assert res.returncode == 0, res.stderr
    text_err = " ".join(res.stderr.split())
    assert "are results of a response assessment, not measurements" in text_err
    assert "'irecist_response'" in text_err
    assert pd.read_csv(tmp_path / "again_bor.csv").equals(pd.read_csv(tmp_path / "bor.csv"))


def test_text_in_a_lesion_count_gets_the_count_fix(cli, tmp_path):
    src = _write(tmp_path / "ta.csv", "patient_id,day,target_sld_mm,new_lesion_count\n"
                 "a,0,40,0\na,56,20,x\n")
    res = cli("assess-response", src, "--out", tmp_path / "bor.csv")
    assert res.returncode == 1
    assert "column 'new_lesion_count' must be numeric" in res.stderr
    assert "whole numbers of new lesions" in res.stderr
    assert "numbers in mm" not in res.stderr
    assert not (tmp_path / "bor.csv").exists()


def test_float_ids_of_a_parquet_file_are_written_as_the_cohort_writes_them(cli, tmp_path):
    frame = pd.DataFrame({"patient_id": [1001.0, 1001.0, 1001.0], "day": [-3, 42, 84],
                          "target_sld_mm": [50.0, 30.0, 30.0]})
    frame.to_parquet(tmp_path / "ta.parquet")
    res = cli("assess-response", tmp_path / "ta.parquet", "--out", tmp_path / "bor.csv")
    assert res.returncode == 0, res.stderr
    assert pd.read_csv(tmp_path / "bor.csv", dtype={"patient_id": str})["patient_id"].tolist() \
        == ["1001"]


def test_sums_in_centimetres_and_no_disease_at_baseline_are_said(cli, tmp_path):
    text = """patient_id,day,target_sld_mm,nontarget
cm,-3,2.5,
cm,42,2.5,
none,-3,0,
none,42,0,
nm,-3,0,NON-CR/NON-PD
nm,42,0,
nm,84,12,NON-CR/NON-PD
big,-3,1500,
big,42,1400,
"""
    bor, res = _bor(cli, tmp_path, text)
    said = " ".join(res.stderr.split())
    assert "look like centimetres" in said
    assert "['cm']" in said
    assert "a target sum above 1000 mm, e.g. ['big']" in said
    assert "no target lesion and no non-target entry" in said
    assert "['none']" in said
    # a lesion where the baseline had no target lesion is new: PD
    assert bor.loc["nm", "bor"] == "PD"
    assert "absent at baseline is a new lesion" in said


def test_a_new_lesion_flag_on_the_baseline_scan_is_ignored_and_said(cli, tmp_path):
    text = "patient_id,day,target_sld_mm,new_lesion\na,-3,50,1\na,42,30,0\na,84,30,0\n"
    bor, res = _bor(cli, tmp_path, text)
    assert bor.loc["a", "bor"] == "PR"
    assert "new_lesion true on a baseline scan" in " ".join(res.stderr.split())


def test_confirmation_options_of_the_api_are_on_the_command_line(cli, tmp_path):
    # PR, NE, PR: one NE between is tolerated by default, not with --max-nr-ne 0
    text = "patient_id,day,target_sld_mm\na,-3,50\na,42,30\na,70,\na,98,30\n"
    default, _ = _bor(cli, tmp_path, text)
    assert bool(default.loc["a", "confirmed"])
    strict, _ = _bor(cli, tmp_path, text, "--max-nr-ne", "0")
    assert strict.loc["a", "bor"] != "PR"
    # PR, SD, PR: confirmed only with --accept-sd
    text = "patient_id,day,target_sld_mm\na,-3,50\na,42,30\na,70,35.5\na,98,30\nb,-3,50\n"
    plain, _ = _bor(cli, tmp_path, text)
    assert plain.loc["a", "bor"] != "PR"
    accepted, _ = _bor(cli, tmp_path, text, "--accept-sd", "--missing-as-ne")
    assert accepted.loc["a", "bor"] == "PR"
    assert plain.loc["b", "bor"] == "MISSING"
    assert accepted.loc["b", "bor"] == "NE"
