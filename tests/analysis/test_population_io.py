"""SCB's population by DeSO (PX-Web JSON-stat 2.0 and its CSV export) read into Trygg's
age groups: only the municipality's areas, totals preserved, clear problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analysis.scb_files import jsonstat, px_csv
from trygg.analysis.errors import InputError
from trygg.analysis.population_io import read_scb_population, sniff, split_age

AREAS = {"2281A0010", "2281A0020"}
REGIONS = ["2281A0010_DeSO2025", "2281A0020_DeSO2025", "2262A0010_DeSO2025", "2281"]
SINGLE = [str(a) for a in range(0, 100)] + ["100+"]


def _read(path: Path):
    return read_scb_population(path, known_area_codes=AREAS, municipality_code="2281")


def _by(frame) -> dict[tuple, int]:
    return {(r[0], r[1], r[2], r[3]): r[4] for r in frame.iter_rows()}


def test_jsonstat_single_years_go_into_trygg_age_groups(tmp_path: Path) -> None:
    counts = {
        ("2281A0010_DeSO2025", "16", "2", "2024"): 5,
        ("2281A0010_DeSO2025", "24", "2", "2024"): 7,
        ("2281A0010_DeSO2025", "100+", "1", "2024"): 3,
        ("2281A0020_DeSO2025", "3", "1", "2024"): 11,
        ("2262A0010_DeSO2025", "30", "1", "2024"): 99,  # another municipality
        ("2281", "30", "1", "2024"): 1000,
    }  # the municipality's total
    path = jsonstat(tmp_path / "scb.json", counts, regions=REGIONS, ages=SINGLE, years=["2024"])
    assert sniff(path) == "jsonstat"
    got = _by(_read(path))
    assert got[("2281A0010", 2024, "F", "16-24")] == 12
    assert got[("2281A0010", 2024, "M", "75+")] == 3
    assert got[("2281A0020", 2024, "M", "0-15")] == 11
    assert {k[0] for k in got} == AREAS
    assert sum(got.values()) == 26


def test_sparse_values_and_five_year_bands_are_split_by_years(tmp_path: Path) -> None:
    counts = {
        ("2281A0010_DeSO2025", "15-19", "1", "2024"): 10,
        ("2281A0010_DeSO2025", "80+", "2", "2024"): 4,
    }
    path = jsonstat(
        tmp_path / "scb.json", counts, regions=REGIONS[:2], ages=["15-19", "80+"],
        years=["2024"], sparse=True,
    )  # fmt: skip
    got = _by(_read(path))
    # 15 is one of five years in 0-15, 16-19 four of five in 16-24
    assert got[("2281A0010", 2024, "M", "0-15")] == 2
    assert got[("2281A0010", 2024, "M", "16-24")] == 8
    assert got[("2281A0010", 2024, "F", "75+")] == 4


@pytest.mark.parametrize(("encoding", "delimiter"), [("latin-1", ","), ("utf-8-sig", ";")])
def test_px_csv_in_latin1_and_utf8_with_bom(tmp_path: Path, encoding, delimiter) -> None:
    counts = {
        ("2281A0010", "16", "2", "2023"): 4,
        ("2281A0010", "16", "2", "2024"): 6,
        ("2281A0020", "100+", "1", "2024"): 2,
        ("2262A0010", "40", "1", "2024"): 9,
    }
    path = px_csv(
        tmp_path / "scb.csv", counts, regions=["2281A0010", "2281A0020", "2262A0010"],
        ages=["16", "100+"], years=["2023", "2024"], encoding=encoding, delimiter=delimiter,
    )  # fmt: skip
    if encoding == "latin-1":
        assert "ålder".encode("latin-1") in path.read_bytes()
    assert sniff(path) == "pxcsv"
    got = _by(_read(path))
    assert got[("2281A0010", 2023, "F", "16-24")] == 4
    assert got[("2281A0010", 2024, "F", "16-24")] == 6
    assert got[("2281A0020", 2024, "M", "75+")] == 2
    assert sum(got.values()) == 12


def test_trygg_own_table_is_not_taken_for_scb(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("area_code;year;sex;age_group;count\nE01;2025;F;16-24;3\n", encoding="utf-8")
    assert sniff(path) is None


def test_bad_cells_name_file_line_field_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "scb.csv"
    path.write_text(
        '"region","ålder","kön","2024"\n'
        '"2281A0010 Sundsvall","16 år","män",..\n'
        '"2281A0010 Sundsvall","sexton","kvinnor",3\n'
        '"2281A0099 Sundsvall","20 år","män",3\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        _read(path)
    texts = [str(p) for p in caught.value.problems]
    assert texts[0].startswith("scb.csv, line 2, column 'count': '..' is not a whole number")
    assert texts[1].startswith("scb.csv, line 3, column 'age': 'sexton' is not an age")
    assert texts[2].startswith("scb.csv, line 4, column 'region': unknown area code '2281A0099'")


def test_malformed_jsonstat(tmp_path: Path) -> None:
    path = tmp_path / "scb.json"
    path.write_text(
        json.dumps(
            {
                "version": "2.0",
                "class": "dataset",
                "id": ["Region"],
                "size": [1],
                "dimension": {"Region": {"category": {"index": ["2281A0010"]}}},
                "value": [1],
            }
        )
    )
    with pytest.raises(InputError) as caught:
        _read(path)
    assert "no dimension for age, sex, year" in str(caught.value.problems[0])
    path.write_text('{"dimension": {"Region": ')
    with pytest.raises(InputError, match="not valid JSON"):
        _read(path)


def test_two_contents_are_refused(tmp_path: Path) -> None:
    path = jsonstat(tmp_path / "scb.json", {}, regions=REGIONS[:1], ages=["16"], years=["2024"])
    data = json.loads(path.read_text())
    data["size"][3] = 2
    data["dimension"]["ContentsCode"]["category"]["index"]["000001"] = 1
    data["value"] = data["value"] * 2
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="choose only Folkmängd"):
        _read(path)


@settings(max_examples=60, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(sorted(AREAS)), st.sampled_from(SINGLE), st.sampled_from("12")),
        st.integers(0, 500),
        max_size=40,
    )
)
def test_random_single_year_tables_sum_into_bands(tmp_path_factory, table) -> None:
    counts = {(r, a, s, "2024"): n for (r, a, s), n in table.items()}
    path = jsonstat(
        tmp_path_factory.mktemp("h") / "scb.json", counts, regions=sorted(AREAS), ages=SINGLE,
        years=["2024"],
    )  # fmt: skip
    if not any(counts.values()):
        return
    got = _by(_read(path))
    for area in AREAS:
        for sex, code in (("M", "1"), ("F", "2")):
            want = sum(n for (r, _a, s, _y), n in counts.items() if r == area and s == code)
            assert sum(v for k, v in got.items() if k[0] == area and k[2] == sex) == want
    for (r, a, s, _y), n in counts.items():
        if n and a.isdigit() and 25 <= int(a) <= 34:
            assert got[(r, 2024, "M" if s == "1" else "F", "25-34")] >= n


@settings(max_examples=100, derandomize=True)
@given(st.integers(0, 110), st.integers(0, 30), st.integers(0, 10_000))
def test_a_band_split_keeps_its_total(low, width, count) -> None:
    high = min(low + width, 110)
    shares = split_age(low, high, count)
    assert sum(n for _, n in shares) == count
    assert all(n >= 0 for _, n in shares)
