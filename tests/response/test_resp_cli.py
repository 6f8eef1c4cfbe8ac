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
    assert "rows 3" in res.stderr
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
