"""Reported crime: categories, readers, validation, placement, rates, trends and harm."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from shapely.geometry import box

from trygg.analysis import crime
from trygg.analysis.errors import InputError
from trygg.analysis.geo import AreaLocator

FORMATS_CATEGORIES = [
    "violence",
    "threat",
    "robbery",
    "burglary",
    "theft",
    "vehicle_crime",
    "vandalism",
    "drug_offences",
    "weapons",
    "public_order",
    "fraud",
    "sexual_offences",
    "other",
]


def _write(tmp_path: Path, text: str, name: str = "crimes.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _problems(path: Path, **kwargs) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InputError) as info:
        crime.read_crimes(path, **kwargs)
    return [(p.line, p.column, p.reason) for p in info.value.problems]


# --------------------------------------------------------------------------------------
# Category table
# --------------------------------------------------------------------------------------


def test_shipped_categories_cover_formats_and_map_police_types() -> None:
    table = crime.load_categories()
    assert table.codes == FORMATS_CATEGORIES
    assert all(c.harm_weight > 0 and c.name_sv and c.name_en for c in table.categories)
    assert set(table.event_types.values()) <= {*FORMATS_CATEGORIES, "excluded"}
    expected = {
        "Misshandel": "violence",
        "Stöld": "theft",
        "Inbrott": "burglary",
        "Rån": "robbery",
        "Skadegörelse": "vandalism",
        "Narkotikabrott": "drug_offences",
        "Vapenlag": "weapons",
        "Olaga hot": "threat",
        "Bedrägeri": "fraud",
        "Trafikolycka": "excluded",
        "  misshandel,  GROV ": "violence",
        "Vehicle crime": "vehicle_crime",
        "vehicle_crime": "vehicle_crime",
        "Sexualbrott": "sexual_offences",
    }
    for text, code in expected.items():
        assert table.resolve(text) == code, text
    assert table.resolve("Kaffe") is None


def test_bad_category_file_names_every_problem(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "categories:\n  - {code: a, sv: A, en: A, harm_weight: -1}\n  - {code: b, sv: B, en: B, harm_weight: 2}\n"
        "event_types:\n  Stöld: nothing\n",
        "cats.yaml",
    )
    with pytest.raises(InputError) as info:
        crime.load_categories(path)
    reasons = [p.reason for p in info.value.problems]
    assert any("harm_weight" in r for r in reasons)
    assert any("unknown category 'nothing'" in r for r in reasons)
    empty = _write(tmp_path, "event_types: {}\n", "empty.yaml")
    with pytest.raises(InputError, match="no categories"):
        crime.load_categories(empty)


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------


def test_semicolon_csv_with_decimal_commas_bom_and_swedish_times(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "\ufeffID;Occurred_at;Category;Lat;Lon;Source;Extra\n"
        "a1;2024-01-01;Stöld;62,39;17,30;x;keep\n"
        "a2;2024-07-01 12:00:00 +01:00;violence;62.4;17.3;;\n"
        "a3;2024-12-31T23:30;Vehicle crime;62,4;17,3;;\n"
        "a4;2024-03-31 02:30;theft;62,4;17,3;;\n"
        "a5;2024-06-01T10:00:00.5Z;theft;62,4;17,3;;\n"
        "a6;2024-06-01T10:00:00-0230;theft;62,4;17,3;;\n"
        "a7;2024-01-03;Trafikolycka;62,4;17,3;;\n",
    )
    result = crime.read_crimes(path)
    frame = result.crimes
    assert frame.columns[: len(crime.CRIME_COLUMNS)] == list(crime.CRIME_COLUMNS)
    assert "extra" in frame.columns
    assert result.excluded == 1
    assert frame["id"].to_list() == ["a1", "a2", "a3", "a4", "a5", "a6"]
    assert frame["category"].to_list() == [
        "theft",
        "violence",
        "vehicle_crime",
        "theft",
        "theft",
        "theft",
    ]
    assert frame["lat"].to_list()[0] == pytest.approx(62.39)
    assert frame["line"].to_list() == [2, 3, 4, 5, 6, 7]
    times = frame["occurred_at"].to_list()
    # A date alone is midnight Swedish time; winter is UTC+1, summer UTC+2.
    assert times[0] == datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    assert times[1] == datetime(2024, 7, 1, 11, 0, tzinfo=UTC)
    assert times[2] == datetime(2024, 12, 31, 22, 30, tzinfo=UTC)
    # 02:30 on the spring-forward night does not exist: read as 03:30 summer time.
    assert times[3] == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert times[4] == datetime(2024, 6, 1, 10, 0, 0, 500000, tzinfo=UTC)
    assert times[5] == datetime(2024, 6, 1, 12, 30, tzinfo=UTC)


def test_comma_csv_with_area_codes_and_optional_times(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "id,occurred_at,category,area_code,occurred_to,reported_at\n"
        "1,2023-05-01T20:00,theft,A,2023-05-01T22:00,2023-05-02\n"
        '2,2023-05-01,"Misshandel",B,,\n',
    )
    frame = crime.read_crimes(path, areas={"A", "B"}).crimes
    assert frame["area_code"].to_list() == ["A", "B"]
    assert frame["lat"].null_count() == 2
    assert frame["occurred_to"].to_list()[0] == datetime(2023, 5, 1, 20, 0, tzinfo=UTC)
    assert frame["reported_at"].to_list()[1] is None


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("x1,2024-13-01,theft,62.4,17.3", "occurred_at", "'2024-13-01' is not an ISO 8601"),
        ("x1,2024-02-30,theft,62.4,17.3", "occurred_at", "not an ISO 8601"),
        ("x1,2024-02-03T25:00,theft,62.4,17.3", "occurred_at", "not an ISO 8601"),
        ("x1,03/02/2024,theft,62.4,17.3", "occurred_at", "not an ISO 8601"),
        ("x1,,theft,62.4,17.3", "occurred_at", "occurred_at is empty"),
        ("x1,2024-02-03,cake,62.4,17.3", "category", "unknown category 'cake'"),
        ("x1,2024-02-03,,62.4,17.3", "category", "category is empty"),
        ("x1,2024-02-03,theft,north,17.3", "lat", "'north' is not a number"),
        ("x1,2024-02-03,theft,62.4,east", "lon", "'east' is not a number"),
        ("x1,2024-02-03,theft,91,17.3", "lat", "outside -90..90"),
        ("x1,2024-02-03,theft,62.4,-181", "lon", "outside -180..180"),
        ("x1,2024-02-03,theft,62.4,", "lat", "lat and lon must both be given"),
        ("x1,2024-02-03,theft,,", "area_code", "neither lat/lon nor area_code"),
        (",2024-02-03,theft,62.4,17.3", "id", "id is empty"),
    ],
)
def test_every_bad_value_is_named_by_line_and_column(
    tmp_path: Path, row: str, column: str, reason: str
) -> None:
    path = _write(
        tmp_path, f"id,occurred_at,category,lat,lon\nok,2024-01-01,theft,62.4,17.3\n{row}\n"
    )
    problems = _problems(path)
    assert len(problems) == 1
    line, col, text = problems[0]
    assert (line, col) == (3, column)
    assert reason in text


def test_problems_in_optional_columns_and_unknown_areas(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "id,occurred_at,category,area_code,occurred_to,reported_at\n"
        "1,2024-05-02,theft,A,2024-05-01,\n"
        "2,2024-05-02,theft,A,soon,\n"
        "3,2024-05-02,theft,A,,yesterday\n"
        "4,2024-05-02,theft,Z,,\n",
    )
    problems = _problems(path, areas={"A"})
    assert [(p[0], p[1]) for p in problems] == [
        (2, "occurred_to"),
        (3, "occurred_to"),
        (4, "reported_at"),
        (5, "area_code"),
    ]
    assert "before occurred_at" in problems[0][2]
    assert "'Z' is not one of the areas" in problems[3][2]


def test_duplicate_ids_name_the_first_line_and_all_problems_are_collected(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "id;occurred_at;category;lat;lon\n"
        "7;2024-01-01;theft;62,4;17,3\n"
        "\n"
        "7;2024-01-02;theft;62,4;17,3\n"
        '8;2024-01-02;"multi\nline";62,4;17,3\n'
        "9;bad;theft;62,4;17,3\n",
    )
    problems = _problems(path)
    # The blank line and the quoted newline still count as lines of the file.
    assert problems == [
        (4, "id", "id '7' also appears on line 2"),
        (5, "category", problems[1][2]),
        (7, "occurred_at", problems[2][2]),
    ]
    assert "unknown category 'multi\nline'" in problems[1][2]
    with pytest.raises(InputError) as info:
        crime.read_crimes(path)
    assert str(info.value).startswith("crimes.csv, line 4, column 'id'")
    assert "(and 2 more problems)" in str(info.value)


def test_skip_bad_rows_keeps_the_good_ones_and_lists_the_rest(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "id,occurred_at,category,lat,lon\n1,2024-01-01,theft,62.4,17.3\n2,never,theft,62.4,17.3\n"
        "3,2024-01-01,cake,x,17.3\n4,2024-01-01,Trafikolycka,62.4,17.3\n",
    )
    result = crime.read_crimes(path, skip_bad_rows=True)
    assert result.crimes["id"].to_list() == ["1"]
    assert result.excluded == 1
    assert result.rejected.columns == ["line", "column", "reason", "id"]
    assert result.rejected.select("line", "column").rows() == [
        (3, "occurred_at"),
        (4, "category"),
        (4, "lat"),
    ]
    assert len(result.problems) == 3


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("occurred_at,category,lat,lon", ["id"]),
        ("id,category,lat,lon", ["occurred_at"]),
        ("id,occurred_at,lat,lon", ["category"]),
        ("id,occurred_at,category", ["lat, lon, area_code"]),
        ("id,occurred_at,category,lat", ["lon"]),
    ],
)
def test_missing_columns_are_reported_on_line_1(
    tmp_path: Path, header: str, columns: list[str]
) -> None:
    path = _write(tmp_path, header + "\n" + ",".join(["1"] * len(header.split(","))) + "\n")
    problems = _problems(path)
    assert [(p[0], p[1]) for p in problems] == [(1, c) for c in columns]


def test_unreadable_files(tmp_path: Path) -> None:
    empty = _write(tmp_path, "", "empty.csv")
    assert _problems(empty)[0][2] == "the file is empty"
    latin1 = _write(
        tmp_path,
        "id,occurred_at,category,area_code\n1,2024-01-01,Stöld,A\n",
        "latin.csv",
        "latin-1",
    )
    problems = _problems(latin1)
    assert problems[0][0] == 2 and "not UTF-8" in problems[0][2]
    twice = _write(
        tmp_path, "id,id,occurred_at,category,area_code\n1,1,2024-01-01,theft,A\n", "twice.csv"
    )
    assert _problems(twice) == [(1, "id", "the column name appears twice")]
    other = _write(tmp_path, "x", "crimes.xlsx")
    with pytest.raises(InputError, match="unknown file type"):
        crime.read_crimes(other)


# --------------------------------------------------------------------------------------
# Parquet and the police events feed
# --------------------------------------------------------------------------------------


def test_parquet_typed_and_text_columns(tmp_path: Path) -> None:
    typed = pl.DataFrame(
        {
            "id": [1, 2, 2],
            "occurred_at": [
                datetime(2024, 1, 1, 12),
                datetime(2024, 7, 1, 12),
                datetime(2024, 7, 1, 12),
            ],
            "category": ["theft", "Rån", "theft"],
            "lat": [62.4, 62.4, 100.0],
            "lon": [17.3, 17.3, 17.3],
        }
    )
    path = tmp_path / "c.parquet"
    typed.write_parquet(path)
    problems = _problems(path)
    assert [(p[0], p[1]) for p in problems] == [(3, "id"), (3, "lat")]
    good = crime.read_crimes(path, skip_bad_rows=True).crimes
    # A naive timestamp is Swedish local time.
    assert good["occurred_at"].to_list()[0] == datetime(2024, 1, 1, 11, tzinfo=UTC)
    assert good["id"].to_list() == ["1", "2"]  # the first of two rows with the same id stays
    text = typed.with_columns(pl.all().cast(pl.String)).head(2)
    text.write_parquet(path)
    assert crime.read_crimes(path).crimes["category"].to_list() == ["theft", "robbery"]
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="not readable Parquet"):
        crime.read_crimes(tmp_path / "bad.parquet")


EVENTS = [
    {
        "id": 501,
        "datetime": "2024-01-03 15:37:00 +01:00",
        "name": "03 januari 15.37, Misshandel, Sundsvall",
        "summary": "En man har misshandlats.",
        "url": "/aktuellt/handelser/2024/januari/3/x/",
        "type": "Misshandel",
        "location": {"name": "Sundsvall", "gps": "62.390811,17.306927"},
    },
    {
        "id": 502,
        "datetime": "2024-01-03 16:00:00 +01:00",
        "name": "Trafikolycka",
        "summary": "",
        "url": "/x",
        "type": "Trafikolycka",
        "location": {"name": "Sundsvall", "gps": "62.39,17.30"},
    },
]


def test_police_events_feed(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps(EVENTS, ensure_ascii=False), "events.json")
    result = crime.read_crimes(path)
    frame = result.crimes
    assert result.excluded == 1
    assert frame["id"].to_list() == ["501"]
    assert frame["category"].to_list() == ["violence"]
    assert frame["lat"][0] == pytest.approx(62.390811) and frame["lon"][0] == pytest.approx(
        17.306927
    )
    assert frame["occurred_at"][0] == datetime(2024, 1, 3, 14, 37, tzinfo=UTC)
    assert frame["location_name"][0] == "Sundsvall"
    assert frame["source"][0] == "polisen.se events"


def test_police_events_problems_name_the_item_and_field(tmp_path: Path) -> None:
    bad = [
        {**EVENTS[0], "id": 1, "location": {"name": "X", "gps": "somewhere"}},
        {**EVENTS[0], "id": 2, "type": "Kafferep"},
        {**EVENTS[0], "id": 3, "datetime": "igår"},
        {**EVENTS[0], "id": 3},
    ]
    with pytest.raises(InputError) as info:
        crime.read_police_events(bad, file="events.json")
    found = [(p.feature, p.column) for p in info.value.problems]
    assert found == [
        (0, "location.gps"),
        (0, "location.gps"),
        (1, "type"),
        (2, "datetime"),
        (3, "id"),
    ]
    assert str(info.value.problems[2]).startswith("events.json, feature 1, column 'type'")
    not_json = _write(tmp_path, "{oops", "events.json")
    with pytest.raises(InputError, match="not valid JSON"):
        crime.read_crimes(not_json)
    with pytest.raises(InputError, match="must be a JSON list"):
        crime.read_police_events({"id": 1}, file="events.json")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Placement, counts, rates, harm and trends
# --------------------------------------------------------------------------------------


def _crimes(
    rows: list[tuple[str, datetime, str, float | None, float | None, str | None]],
) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.String,
            "occurred_at": pl.Datetime("us", "UTC"),
            "category": pl.String,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "area_code": pl.String,
        },
        orient="row",
    )


def test_place_crimes_uses_given_codes_and_locates_the_rest() -> None:
    locator = AreaLocator(
        codes=["A", "B"], geometries=[box(17, 62, 17.5, 62.5), box(17.5, 62, 18, 62.5)]
    )
    t = datetime(2024, 1, 1, tzinfo=UTC)
    frame = _crimes(
        [
            ("1", t, "theft", 62.2, 17.2, None),
            ("2", t, "theft", 62.2, 17.7, None),
            ("3", t, "theft", 10.0, 10.0, None),
            ("4", t, "theft", None, None, "B"),
        ]
    )
    placed = crime.place_crimes(frame, locator=locator)
    assert placed["area_code"].to_list() == ["A", "B", None, "B"]
    assert placed["placement"].to_list() == ["located", "located", "outside", "given"]


def test_rates_fill_zeros_use_swedish_calendar_and_yearly_population(tmp_path: Path) -> None:
    frame = _crimes(
        [
            # 23:30 UTC on 31 Dec 2022 is 00:30 on 1 Jan 2023 in Sweden.
            ("1", datetime(2022, 12, 31, 23, 30, tzinfo=UTC), "theft", None, None, "A"),
            ("2", datetime(2023, 6, 1, tzinfo=UTC), "theft", None, None, "A"),
            ("3", datetime(2024, 6, 1, tzinfo=UTC), "violence", None, None, "B"),
            ("4", datetime(2024, 6, 1, tzinfo=UTC), "violence", None, None, None),
        ]
    )
    population = pl.DataFrame(
        {
            "area_code": ["A", "A", "B", "B"],
            "year": [2023, 2024, 2023, 2024],
            "population": [2000, 2000, 500, 0],
        }
    )
    rates = crime.crime_rates(frame, population=population)
    assert rates.columns == [
        "area_code",
        "year",
        "category",
        "count",
        "population",
        "rate_per_1000",
    ]
    assert rates.height == 2 * 2 * 13
    a_theft = rates.filter((pl.col("area_code") == "A") & (pl.col("category") == "theft"))
    assert a_theft.select("year", "count", "rate_per_1000").rows() == [
        (2023, 2, 1.0),
        (2024, 0, 0.0),
    ]
    b_violence = rates.filter((pl.col("area_code") == "B") & (pl.col("category") == "violence"))
    assert b_violence.select("year", "count", "rate_per_1000").rows() == [
        (2023, 0, 0.0),
        (2024, 1, None),
    ]
    # The same from Parquet through DuckDB directly.
    path = tmp_path / "c.parquet"
    frame.write_parquet(path)
    assert crime.crime_rates(path, population=population).equals(rates)
    monthly = crime.crime_rates(
        frame,
        population=population.filter(pl.col("year") == 2023).drop("year"),
        period="month",
        categories=["theft"],
    )
    assert monthly.columns[:4] == ["area_code", "year", "month", "category"]
    assert monthly.height == 2 * 2 * 12
    jan = monthly.filter(
        (pl.col("area_code") == "A") & (pl.col("year") == 2023) & (pl.col("month") == 1)
    )
    assert jan["count"].to_list() == [1] and jan["rate_per_1000"].to_list() == [0.5]
    with pytest.raises(ValueError, match="population"):
        crime.crime_rates(frame, population=pl.DataFrame({"area": ["A"]}))


def test_harm_weighted_rates_default_and_override() -> None:
    rates = pl.DataFrame(
        {
            "area_code": ["A", "A", "B"],
            "year": [2024, 2024, 2024],
            "category": ["theft", "robbery", "theft"],
            "count": [10, 1, 4],
            "population": [1000.0, 1000.0, 2000.0],
        }
    )
    default = crime.harm_weighted_rates(rates)
    assert default.columns == ["area_code", "year", "count", "harm", "population", "harm_per_1000"]
    assert default.filter(pl.col("area_code") == "A")["harm"][0] == pytest.approx(10 * 1 + 1 * 20)
    custom = crime.harm_weighted_rates(rates, weights={"robbery": 100, "theft": 0})
    assert custom["harm_per_1000"].to_list() == [100.0, 0.0]
    with pytest.raises(ValueError, match="unknown category"):
        crime.harm_weighted_rates(rates, weights={"arson": 3})
    with pytest.raises(ValueError, match="non-negative"):
        crime.harm_weighted_rates(rates, weights={"theft": -1})


def test_trends_match_statsmodels_glm() -> None:
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(3)
    rows = []
    for area in range(3):
        for year in range(2015, 2025):
            pop = 1000.0 + 10 * (year - 2015)
            lam = pop * 0.05 * 1.08 ** (year - 2015) * rng.gamma(5, 1 / 5)
            rows.append((f"A{area}", year, "theft", int(rng.poisson(lam)), pop))
    rates = pl.DataFrame(
        rows, schema=["area_code", "year", "category", "count", "population"], orient="row"
    )
    for model, scale in (("poisson", None), ("quasi-poisson", "X2")):
        trends = crime.crime_trends(rates, model=model)
        assert trends.columns == [
            "area_code",
            "category",
            "years",
            "count",
            "change_per_year",
            "ci_low",
            "ci_high",
            "p_value",
            "dispersion",
            "method",
        ]
        for row in trends.iter_rows(named=True):
            d = rates.filter(pl.col("area_code") == row["area_code"])
            x = sm.add_constant(d["year"].to_numpy() - d["year"].to_numpy().mean())
            fit = sm.GLM(
                d["count"].to_numpy(),
                x,
                family=sm.families.Poisson(),
                offset=np.log(d["population"].to_numpy()),
            ).fit(scale=scale)
            if scale:
                assert fit.scale > 1  # overdispersed data: quasi-Poisson widens the interval
            assert row["change_per_year"] == pytest.approx(np.expm1(fit.params[1]), rel=1e-6)
            low, high = np.expm1(fit.conf_int()[1])
            assert (row["ci_low"], row["ci_high"]) == (
                pytest.approx(low, rel=1e-5),
                pytest.approx(high, rel=1e-5),
            )
            assert row["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-4)
            assert row["method"] == model


def test_trends_refuse_thin_or_degenerate_groups() -> None:
    rows = [("A", y, "theft", 0 if y < 2024 else 30, 1000.0) for y in range(2018, 2025)]
    rows += [("B", y, "theft", 1, 1000.0) for y in range(2018, 2025)]
    rows += [("C", y, "theft", 50, 1000.0) for y in (2023, 2024)]
    rows += [("D", y, "theft", 40 + y - 2018, None) for y in range(2018, 2025)]
    rates = pl.DataFrame(
        rows, schema=["area_code", "year", "category", "count", "population"], orient="row"
    )
    trends = crime.crime_trends(rates, by=["area_code"])
    methods = dict(zip(trends["area_code"], trends["method"], strict=True))
    assert methods == {"A": "not_estimable", "B": "too_few_crimes", "C": "too_few_years"}
    assert trends["change_per_year"].null_count() == 3
    with pytest.raises(ValueError, match="model"):
        crime.crime_trends(rates, model="gamma")  # type: ignore[arg-type]
