"""Reading survey responses from CSV, XLSX and SPSS .sav, and every way they can be wrong."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from trygg.analysis.errors import InputError
from trygg.analysis.survey_io import (
    AGE_GROUPS,
    load_responses,
    parse_responses,
    read_responses,
)

HEADER = "respondent_id;year;area_code;sex;age_group;f1a;graffiti;police_care;extra"


def write(tmp_path, text: str, name: str = "svar.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def reasons(caught) -> list[tuple[int | None, str | None, str]]:
    return [(p.line, p.column, p.reason) for p in caught.value.problems]


def test_semicolon_csv_with_decimal_commas_vendor_columns_and_variants(tmp_path):
    path = write(
        tmp_path,
        "\ufeff" + HEADER + "\n"
        "a1;2024;2281A001;K;16-24;4,0;9;1;x\n"
        "a2;2024;2281A001;man;25–34 år;;2;Stämmer helt;y\n"
        "a3;2024;2281A002;Kvinna;75 år och äldre;Ett mycket stort problem;1;9;\n"
        "a4;2024,0;2281A002;M;47;3;5;4;\n",
    )
    result = load_responses(path, known_areas={"2281A001", "2281A002"})
    frame = result.frame
    assert frame.columns[:5] == ["respondent_id", "year", "area_code", "sex", "age_group"]
    assert frame["sex"].to_list() == ["F", "M", "F", "M"]
    assert frame["age_group"].to_list() == ["16-24", "25-34", "75+", "45-54"]
    assert frame["year"].dtype == pl.Int32 and frame["year"].to_list() == [2024] * 4
    assert frame["litter"].to_list() == [4, None, 5, 3]  # f1a -> litter; empty = no opinion
    assert frame["graffiti"].to_list() == [None, 2, 1, 5]  # 9 = no opinion
    assert frame["police_care"].to_list() == [1, 1, None, 4]
    assert frame["litter"].dtype == pl.Int16
    assert frame["vandalism"].null_count() == 4  # item not in the file: all null
    assert frame["source_line"].to_list() == [2, 3, 4, 5]
    assert result.item_columns == {
        "f1a": "litter",
        "graffiti": "graffiti",
        "police_care": "police_care",
    }
    assert result.ignored_columns == ("extra",)


def test_comma_csv_and_swedish_header_aliases(tmp_path):
    path = write(
        tmp_path,
        "löpnr,år,område,kön,åldersgrupp,litter\n1,2023,A,F,35-44,2\n2,2023,A,M,65-74,3\n",
    )
    frame = read_responses(path)
    assert frame["respondent_id"].to_list() == ["1", "2"]
    assert frame["litter"].to_list() == [2, 3]


def test_xlsx(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Respondent_ID", "Year", "Area_code", "Sex", "Age_group", "F1A"])
    sheet.append([101, 2024, "2281A001", "F", "55-64", 5])
    sheet.append([102, 2024.0, "2281A001", "M", "16-24", 9])
    path = tmp_path / "svar.xlsx"
    workbook.save(path)
    frame = read_responses(path)
    assert frame["respondent_id"].to_list() == ["101", "102"]
    assert frame["litter"].to_list() == [5, None]


def test_spss_value_labels_are_mapped(tmp_path):
    import pyreadstat

    # A vendor file: sex coded 1/2 and age groups coded 1-7 with labels, and an item coded
    # 0-4 whose labels are the scale's answers (so the labels, not the codes, are right).
    data = pd.DataFrame(
        {
            "respondent_id": ["r1", "r2", "r3"],
            "year": [2024.0, 2024.0, 2024.0],
            "area_code": ["2281A001"] * 3,
            "kon": [2.0, 1.0, 2.0],
            "aldersgrupp": [1.0, 7.0, 4.0],
            "f1a": [0.0, 4.0, 99.0],
            "f1b": [1.0, 5.0, 9.0],
        }
    )
    path = tmp_path / "svar.sav"
    pyreadstat.write_sav(
        data,
        str(path),
        variable_value_labels={
            "kon": {1.0: "Man", 2.0: "Kvinna"},
            "aldersgrupp": {float(i + 1): f"{g} år" for i, g in enumerate(AGE_GROUPS)},
            "f1a": {
                0.0: "Inget problem alls",
                1.0: "Ett mycket litet problem",
                2.0: "Ett ganska litet problem",
                3.0: "Ett ganska stort problem",
                4.0: "Ett mycket stort problem",
                99.0: "Ingen uppfattning",
            },
        },
    )
    frame = read_responses(path)
    assert frame["sex"].to_list() == ["F", "M", "F"]
    assert frame["age_group"].to_list() == ["16-24", "75+", "45-54"]
    assert frame["litter"].to_list() == [1, 5, None]
    assert frame["graffiti"].to_list() == [1, 5, None]  # unlabelled: codes as they are
    assert frame["source_line"].to_list() == [1, 2, 3]  # SPSS case numbers


def test_every_bad_value_is_reported_with_line_and_column(tmp_path):
    path = write(
        tmp_path,
        HEADER + "\n"
        "a1;2024;2281A001;F;16-24;1;1;1;\n"
        ";20x4;2281A999;X;12;6;abc;2,5;\n"
        "a1;2024;;;;1;1;1;\n"
        "a4;1800;2281A001;F;100-110;1;1;1;\n",
    )
    with pytest.raises(InputError) as caught:
        read_responses(path, known_areas={"2281A001"})
    found = reasons(caught)
    assert all(p.file == "svar.csv" for p in caught.value.problems)
    expected = [
        (3, "respondent_id", "the respondent id is empty"),
        (3, "year", "'20x4' is not a year"),
        (3, "area_code", "unknown area code '2281A999'"),
        (3, "sex", "'X' is not a sex; use F or M (K/kvinna, M/man also accepted)"),
        (3, "age_group", "age 12 is outside the survey's ages (16 and older)"),
        (3, "f1a", "6 is outside the scale 'problem' (1-5; 9 = no opinion)"),
        (3, "graffiti", "'abc' is not an answer of the scale 'problem' (1-5; 9 = no opinion)"),
        (3, "police_care", "'2,5' is not a whole answer code (1-4; 9 = no opinion)"),
        (4, "respondent_id", "respondent id 'a1' appears twice in 2024 (first on line 2)"),
        (4, "area_code", "the area code is empty"),
        (4, "sex", "sex is empty; weighting needs F or M"),
        (4, "age_group", "the age group is empty"),
        (5, "year", "1800 is outside the accepted years 1990-" + found[-2][2][-4:]),
        (5, "age_group", "'100-110' is not an age group; use one of "
         "16-24, 25-34, 35-44, 45-54, 55-64, 65-74, 75+"),
    ]  # fmt: skip
    assert found == expected


def test_leading_zero_hint_and_same_id_in_another_year_is_fine(tmp_path):
    path = write(
        tmp_path,
        "respondent_id,year,area_code,sex,age_group,litter\n"
        "1,2023,114,F,16-24,1\n1,2024,0114,F,16-24,1\n",
    )
    with pytest.raises(InputError) as caught:
        read_responses(path, known_areas={"0114"})
    assert reasons(caught) == [
        (2, "area_code", "unknown area code '114' (did a spreadsheet drop a leading zero?)")
    ]


def test_skip_bad_rows_keeps_the_good_ones(tmp_path):
    path = write(
        tmp_path,
        "respondent_id,year,area_code,sex,age_group,litter\n"
        "1,2024,A,F,16-24,1\n2,2024,A,F,16-24,7\n3,2024,A,Q,16-24,2\n1,2024,A,M,16-24,3\n",
    )
    result = load_responses(path, skip_bad_rows=True)
    assert result.frame["respondent_id"].to_list() == ["1"]
    assert [p.line for p in result.rejected] == [3, 4, 5]


def test_missing_columns_are_all_named(tmp_path):
    path = write(tmp_path, "respondent_id,area_code,litter\n1,A,1\n")
    with pytest.raises(InputError) as caught:
        read_responses(path)
    assert reasons(caught) == [
        (1, "year", "required column is missing"),
        (1, "sex", "required column is missing"),
        (1, "age_group", "required column is missing"),
    ]


def test_no_item_column_and_two_columns_for_one_item(tmp_path):
    path = write(tmp_path, "respondent_id,year,area_code,sex,age_group,q99\n1,2024,A,F,16-24,1\n")
    with pytest.raises(InputError, match="no column matches an item"):
        read_responses(path)
    path = write(
        tmp_path, "respondent_id,year,area_code,sex,age_group,litter,f1a\n1,2024,A,F,16-24,1,1\n"
    )
    with pytest.raises(InputError, match="both 'litter' and 'f1a' hold item 'litter'"):
        read_responses(path)


def test_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_responses(tmp_path / "missing.csv")
    with pytest.raises(InputError, match=r"unknown file type '\.pdf'"):
        read_responses(write(tmp_path, "x", name="svar.pdf"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_responses(write(tmp_path, "respondent_id;år\n1;Östra", encoding="latin-1"))
    with pytest.raises(InputError, match="not a readable XLSX"):
        read_responses(write(tmp_path, "not a workbook", name="svar.xlsx"))
    with pytest.raises(InputError, match="not a readable SPSS file"):
        read_responses(write(tmp_path, "not spss", name="svar.sav"))
    with pytest.raises(InputError, match="empty"):
        read_responses(write(tmp_path, ""))


def test_typed_frames_go_through_the_same_validation():
    frame = pl.DataFrame(
        {
            "respondent_id": [1, 2],
            "year": [2024, 2024],
            "area_code": ["A", "A"],
            "sex": ["F", "M"],
            "age_group": ["16-24", "75+"],
            "litter": [4.0, None],
            "graffiti": [9, 3],
        }
    )
    result = parse_responses(frame)
    assert result.frame["litter"].to_list() == [4, None]
    assert result.frame["graffiti"].to_list() == [None, 3]
    with pytest.raises(InputError) as caught:
        parse_responses(frame.with_columns(pl.lit(2.5).alias("litter")), file="form")
    assert {(p.line, p.column) for p in caught.value.problems} == {(2, "litter"), (3, "litter")}
