import warnings

import pandas as pd
import pytest

from irpredict.data._readers import read_table
from irpredict.exceptions import CohortDataError

FRAME = pd.DataFrame({"patient_id": ["007", "P2", "P3"], "therapy_class": ["cytokine"] * 3,
                      "age": [51, 62, 70], "ldh": [210.5, None, 300.0]})


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_csv_delimiters_are_sniffed(tmp_path, sep):
    path = tmp_path / "patients.csv"
    FRAME.to_csv(path, sep=sep, index=False)
    got = read_table(path, table="patients")
    assert list(got.columns) == list(FRAME.columns)
    assert got["patient_id"].tolist() == ["007", "P2", "P3"]  # leading zeros survive
    assert got["age"].tolist() == [51, 62, 70]
    assert got["ldh"].isna().tolist() == [False, True, False]


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_bytes("\ufeffpatient_id,therapy_class\nP1,cytokine\n".encode())
    assert list(read_table(path).columns) == ["patient_id", "therapy_class"]


def test_header_only_gives_empty_frame(tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text("patient_id,therapy_class\n")
    got = read_table(path)
    assert got.empty
    assert list(got.columns) == ["patient_id", "therapy_class"]


def test_parquet_and_excel_round_trip(tmp_path):
    FRAME.to_parquet(tmp_path / "p.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "p.parquet"), FRAME)
    with pd.ExcelWriter(tmp_path / "p.xlsx") as writer:
        FRAME.iloc[:1].to_excel(writer, sheet_name="other", index=False)
        FRAME.to_excel(writer, sheet_name="cohort", index=False)
    with pytest.raises(CohortDataError, match="2 sheets with data"):  # never half-read
        read_table(tmp_path / "p.xlsx")
    got = read_table(tmp_path / "p.xlsx", sheet="cohort")
    assert got["patient_id"].tolist() == ["007", "P2", "P3"]
    assert got["age"].tolist() == [51, 62, 70]
    assert pd.isna(got.loc[1, "ldh"])
    assert got.loc[2, "ldh"] == 300.0


@pytest.mark.parametrize(("name", "content", "pattern"), [
    ("p.csv", b"", r"is empty \(0 bytes\)"),
    ("p.csv", b"  \n\n", r"only blank space"),
    ("p.csv", b"\x00\x01\x02garbage", r"looks binary"),
    ("p.csv", "a,b\n1,caf\xe9\n".encode("latin-1"), r"not valid UTF-8 \(byte 0xe9 at line 2\)"),
    ("p.csv", b"patient_id therapy_class\nP1 cytokine\n", r"single column.*spaces"),
    ("p.csv", b"a,b\n1,2\n3,4,5,6\n", r"could not be parsed"),
    ("p.json", b"{}", r"unsupported extension '\.json'"),
    ("p.xlsx", b"a,b\n1,2\n", r"not a readable Excel workbook"),
    ("p.parquet", b"a,b\n1,2\n", r"not a readable Parquet file"),
    ("p.csv", b"a,b,a\n1,2,3\n", r"duplicate column names.*'a' \(2 times\)"),
])
def test_bad_files_raise_clear_errors(tmp_path, name, content, pattern):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CohortDataError, match=pattern) as info:
        read_table(path, table="patients")
    assert str(path) in str(info.value)
    assert "patients" in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CohortDataError, match=r"measurements file .*nope\.csv does not exist"):
        read_table(tmp_path / "nope.csv", table="measurements")
    with pytest.raises(CohortDataError, match="is a folder"):
        read_table(tmp_path)


def test_identical_duplicate_columns_collapse_and_mangle_keeps_both(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a,b,a\n1,2,1\n3,4,3\n")
    assert list(read_table(path).columns) == ["a", "b"]
    path.write_text("a,b,a\n1,2,9\n3,4,3\n")
    assert list(read_table(path, duplicate_columns="mangle").columns) == ["a", "b", "a.1"]


def test_a_dot_is_a_missing_value_as_sas_and_stata_write_it(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("patient_id,albumin,stage\nP1,.,III\nP2,3.9,.\nP3,4.1,IV\n")
    frame = read_table(path, table="patients")
    assert frame["albumin"].dtype.kind == "f"
    assert frame["albumin"].isna().tolist() == [True, False, False]
    assert frame["stage"].isna().tolist() == [False, True, False]


def test_a_workbook_with_several_filled_sheets_is_refused_naming_them(tmp_path):
    path = tmp_path / "patients.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"patient_id": ["A1", "A2"], "age": [50, 60]}).to_excel(
            writer, sheet_name="site A", index=False)
        pd.DataFrame({"patient_id": ["B1"], "age": [70]}).to_excel(
            writer, sheet_name="site B", index=False)
        pd.DataFrame().to_excel(writer, sheet_name="empty", index=False)
    with pytest.raises(CohortDataError, match=r"has 2 sheets with data \('site A', 'site B'\).*"
                                              r"Save each sheet as its own file.*"
                                              r"\[data\] sheet = 'site A'"):
        read_table(path, table="patients")
    # a sheet named is read alone; a sheet the workbook lacks is named with the ones it has
    assert read_table(path, table="patients", sheet="site B")["patient_id"].tolist() == ["B1"]
    with pytest.raises(CohortDataError, match=r"has no sheet 'site C'; its sheets: 'site A', "
                                              r"'site B', 'empty'"):
        read_table(path, table="patients", sheet="site C")
    csv = tmp_path / "p.csv"
    csv.write_text("patient_id,age\nA1,50\n")
    with pytest.raises(CohortDataError, match="is no Excel workbook, so it has no sheet"):
        read_table(csv, table="patients", sheet="site A")
    one = tmp_path / "one.xlsx"
    with pd.ExcelWriter(one) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="notes", index=False)
        pd.DataFrame({"patient_id": ["B1"], "age": [70]}).to_excel(
            writer, sheet_name="data", index=False)
    assert read_table(one, table="patients")["patient_id"].tolist() == ["B1"]


def _write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "expected"), [
    ("id;ldh\na;250,0\nb;2,5e-05\nc;20.144,253\nd;-0,5\n", [250.0, 2.5e-05, 20144.253, -0.5]),
    # a comma-separated file with quoted decimal commas: ',0' cannot group thousands
    ('id,ldh\na,"250,0"\nb,"214,5"\nc,"1,25"\nd,"0,75"\n', [250.0, 214.5, 1.25, 0.75]),
])
def test_decimal_commas_are_read_as_numbers(tmp_path, text, expected):
    frame = read_table(_write(tmp_path, text))
    assert pd.api.types.is_float_dtype(frame["ldh"])
    assert frame["ldh"].tolist() == pytest.approx(expected)


def test_the_odd_cell_of_a_decimal_comma_column_keeps_its_text_alone(tmp_path):
    frame = read_table(_write(tmp_path, "id;ldh\na;250,0\nb;n.d.\nc;214,0\nd;230,5\ne;1,5\n"))
    assert frame["ldh"].tolist() == [250.0, "n.d.", 214.0, 230.5, 1.5]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_one_decimal_comma_among_decimal_points_is_no_thousands_separator(tmp_path, delimiter):
    rows = ["5.352", "4.871", '"2,5"' if delimiter == "," else "2,5", "6.02"]
    text = f"id{delimiter}score\n" + "".join(f"p{i}{delimiter}{v}\n" for i, v in enumerate(rows))
    frame = read_table(_write(tmp_path, text))
    # left as written, for validation to name the one odd cell; never 5352
    assert frame["score"].tolist() == ["5.352", "4.871", "2,5", "6.02"]


def test_blank_lines_between_rows_are_said_as_they_shift_row_numbers(tmp_path):
    from irpredict.exceptions import DataWarning

    path = _write(tmp_path, "id,age\na,40\n\nb,50\n  \nc,60\n\n\n")
    with pytest.warns(DataWarning, match=r"blank line\(s\) 3, 5 skipped; rows named in "
                                         r"messages are counted without them"):
        frame = read_table(path)
    assert frame["id"].tolist() == ["a", "b", "c"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # trailing blank lines shift nothing
        read_table(_write(tmp_path, "id,age\na,40\nb,50\n\n\n", name="end.csv"))


def test_commas_that_may_group_thousands_stay_text_in_a_comma_separated_file(tmp_path):
    frame = read_table(_write(tmp_path, 'id,count\na,"1,234"\nb,"2,500"\nc,"3,000"\n'))
    assert frame["count"].tolist() == ["1,234", "2,500", "3,000"]


def test_empty_rows_and_columns_a_spreadsheet_leaves_are_dropped(tmp_path):
    frame = read_table(_write(tmp_path, "id;age;;\na;40;;\nb;50;;\n;;;\n;;;;;;\n"))
    assert list(frame.columns) == ["id", "age"]
    assert frame["id"].tolist() == ["a", "b"]


def test_comment_lines_above_the_header_are_named(tmp_path):
    path = _write(tmp_path, "# export 2024-03-01\n# centre: Hopital\nid,age\na,40\n")
    with pytest.raises(CohortDataError, match=r"starts with comment lines \('# export "
                                              r"2024-03-01' \.\.\.\); the first line must be"):
        read_table(path)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_title_row_above_the_header_is_named(tmp_path, suffix):
    rows = [["Cohort export - Hôpital", None, None], ["id", "age", "ecog"], ["a", 40, 1],
            ["b", 50, 0]]
    path = tmp_path / f"t.{suffix}"
    frame = pd.DataFrame(rows)
    if suffix == "csv":
        frame.to_csv(path, sep=";", header=False, index=False)
    else:
        frame.to_excel(path, header=False, index=False)
    with pytest.raises(CohortDataError, match=r"the header seems to be on row 2"):
        read_table(path)


def test_in_a_decimal_comma_file_a_dot_groups_thousands(tmp_path):
    from irpredict.exceptions import DataWarning

    path = _write(tmp_path, "id;albumin;platelets;ratio\na;38,5;1.250;0.125\nb;40,1;980;0.5\n"
                            "c;41,0;2.500;1.25\n")
    with pytest.warns(DataWarning, match=r"read platelets \('1.250' as 1250\)"):
        frame = read_table(path)
    assert frame["albumin"].tolist() == [38.5, 40.1, 41.0]
    assert frame["platelets"].tolist() == [1250.0, 980.0, 2500.0]
    assert frame["ratio"].tolist() == [0.125, 0.5, 1.25]  # not thousands: read as written


def test_a_column_mixing_decimal_commas_and_dotted_thousands_keeps_every_value(tmp_path):
    from irpredict.exceptions import DataWarning

    path = _write(tmp_path, "pid;test;day;result\nP1;crp;0;1,5\nP1;crp;21;1.500\n"
                            "P2;crp;0;2,25\nP2;crp;21;3\n")
    with pytest.warns(DataWarning, match=r"read result \('1.500' as 1500\)"):
        frame = read_table(path)
    assert frame["result"].tolist() == [1.5, 1500.0, 2.25, 3.0]


def test_a_lone_dash_in_a_column_of_numbers_is_missing_but_a_status_keeps_it(tmp_path):
    path = _write(tmp_path, "id;ldh;er;albumin\na;250;+;38,5\nb;-;-;-\nc;180;+;40,1\n")
    frame = read_table(path)
    assert frame["ldh"].tolist()[0] == 250.0
    assert pd.isna(frame["ldh"].iloc[1])
    assert frame["ldh"].iloc[2] == 180.0
    assert frame["er"].tolist() == ["+", "-", "+"]
    assert frame["albumin"].iloc[0] == 38.5
    assert pd.isna(frame["albumin"].iloc[1])


def test_a_semicolon_file_without_decimal_commas_says_dots_it_read_as_decimals(tmp_path):
    from irpredict.exceptions import DataWarning

    path = _write(tmp_path, "id;platelets;ratio\na;1.250;0.125\nb;980;0.5\nc;2.500;1.25\n")
    with pytest.warns(DataWarning, match=r"holds no decimal comma: read platelets "
                                          r"\('1.250' as 1.25\) with a decimal point"):
        frame = read_table(path)
    assert frame["platelets"].tolist() == [1.25, 980.0, 2.5]  # read as written, and said
    assert frame["ratio"].tolist() == [0.125, 0.5, 1.25]


@pytest.mark.parametrize("text", [
    "id;ratio;age\na;0.125;40\nb;1.5;50\n",        # dots that cannot group thousands
    "id\tplatelets\na\t1.250\nb\t2.500\n",         # a tab-separated file: dots are decimals
])
def test_decimal_dots_that_cannot_be_thousands_are_read_quietly(tmp_path, text):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = read_table(_write(tmp_path, text))
    assert frame.iloc[0, 1] in (0.125, 1.25)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_text_with_a_byte_order_mark_is_read(tmp_path, encoding):
    # Excel's "Unicode Text" export: UTF-16 with a byte-order mark, tab-separated
    text = "patient_id\ttherapy_class\tage\nP1\tcytokine\t50\nP2\tcytokine\t61\n"
    path = tmp_path / "t.txt"
    raw = text.encode(encoding)
    path.write_bytes(raw if encoding == "utf-16" else b"\xfe\xff" + raw)
    frame = read_table(path)
    assert list(frame.columns) == ["patient_id", "therapy_class", "age"]
    assert frame["age"].tolist() == [50, 61]


def test_utf16_text_without_a_byte_order_mark_is_named_as_such(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("patient_id,therapy_class\nP1,cytokine\n".encode("utf-16-le"))
    with pytest.raises(CohortDataError, match="looks like UTF-16 text without a byte-order "
                                              "mark; re-save it with UTF-8"):
        read_table(path)
