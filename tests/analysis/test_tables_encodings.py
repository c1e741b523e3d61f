"""The analysis readers take Excel's "Unicode text" (UTF-16 with a BOM) as well as UTF-8."""

from __future__ import annotations

import pytest

from trygg.analysis.errors import InputError
from trygg.analysis.tables import LINE_COLUMN, read_csv_text

TEXT = "area_code\tyear\tcount\n2281A001\t2026\t120\n\n2281A002\t2026\t90\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-8"])
def test_utf16_and_utf8_with_a_bom_read_alike(tmp_path, codec):
    path = tmp_path / "bef.txt"
    path.write_bytes("\ufeff".encode(codec) + TEXT.encode(codec))
    frame, dialect = read_csv_text(path, required=["area_code", "count"])
    assert dialect.delimiter == "\t"
    assert frame["area_code"].to_list() == ["2281A001", "2281A002"]
    assert frame[LINE_COLUMN].to_list() == [2, 4]


def test_broken_utf16_names_the_line(tmp_path):
    path = tmp_path / "bef.txt"
    good = ("\ufeff" + TEXT.split("\n\n")[0] + "\n").encode("utf-16-le")
    path.write_bytes(good + b"\x00\xd8A\x00")
    with pytest.raises(InputError) as caught:
        read_csv_text(path)
    problem = caught.value.first
    assert (problem.file, problem.line) == ("bef.txt", 3)
    assert problem.reason.startswith("the file is not UTF-16 text")
