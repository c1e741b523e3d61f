"""Hypothesis strategies for random valid municipalities (issue 16 item 2).

A :class:`Municipality` is plain data (areas, population, crimes, survey answers) that
:meth:`Municipality.write` turns into the input files of FORMATS.md and
:meth:`Municipality.tables` into the tables ``run_analysis_on_tables`` reads. The shapes
are the ones that broke or could break the pipeline: one area, areas with and without
districts, islands (areas touching nothing), thin and empty areas, years missing from the
population or the crimes, areas without crimes, crimes outside every area, survey files with
any subset of the questionnaire's items, cells where everyone answered "no opinion".

All data is synthetic; respondent ids are running numbers.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from trygg.analysis.questionnaire import standard_questionnaire

QUESTIONNAIRE = standard_questionnaire()
ITEMS = QUESTIONNAIRE.item_codes
CATEGORIES = ("violence", "theft", "burglary", "vandalism", "drug_offences", "fraud")
SEXES = ("F", "M")
AGES = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
YEARS = (2023, 2024, 2025)
# Sundsvall-ish; squares of 0.01° side, islands three squares away from the grid.
ORIGIN = (17.30, 62.39)
SIDE = 0.01
# Outside every area of every generated municipality.
FAR_AWAY = (18.5, 63.5)


@dataclass
class Area:
    code: str
    name: str
    cell: tuple[int, int]
    parent: str | None
    population: dict[int, int]  # year -> residents (missing year: no rows)
    crimes: dict[int, int]  # year -> crimes placed inside
    respondents: dict[int, int]  # survey year -> respondents
    no_opinion_only: bool = False

    def square(self) -> list[list[float]]:
        x0 = ORIGIN[0] + self.cell[0] * SIDE
        y0 = ORIGIN[1] + self.cell[1] * SIDE
        return [[x0, y0], [x0 + SIDE, y0], [x0 + SIDE, y0 + SIDE], [x0, y0 + SIDE], [x0, y0]]


@dataclass
class Municipality:
    areas: list[Area]
    districts: dict[str, list[str]]  # district code -> its areas
    outside_crimes: int
    items: tuple[str, ...]  # the items the survey file holds (empty: no survey file)
    seed: int
    extra: dict = field(default_factory=dict)

    # ---------------------------------------------------------------- tables as rows

    def feature_collection(self) -> dict:
        features = []
        by_code = {a.code: a for a in self.areas}
        for code, members in self.districts.items():
            xs = [p[0] for m in members for p in by_code[m].square()]
            ys = [p[1] for m in members for p in by_code[m].square()]
            ring = [[min(xs), min(ys)], [max(xs), min(ys)], [max(xs), max(ys)],
                    [min(xs), max(ys)], [min(xs), min(ys)]]  # fmt: skip
            features.append(_feature(code, f"Distrikt {code[-2:]}", None, ring))
        for a in self.areas:
            features.append(_feature(a.code, a.name, a.parent, a.square()))
        return {"type": "FeatureCollection", "name": "Provkommun", "features": features}

    def population_rows(self) -> list[dict]:
        rows = []
        for a in self.areas:
            for year, total in a.population.items():
                # Split over sex × age so every survey cell has residents when total > 0.
                cells = [(s, g) for s in SEXES for g in AGES]
                base, rest = divmod(total, len(cells))
                for k, (sex, age) in enumerate(cells):
                    count = base + (1 if k < rest else 0)
                    rows.append({"area_code": a.code, "year": year, "sex": sex,
                                 "age_group": age, "count": count})  # fmt: skip
        return rows

    def crime_rows(self) -> list[dict]:
        rows = []
        n = 0
        for i, a in enumerate(self.areas):
            x0, y0 = a.square()[0]
            for year, count in a.crimes.items():
                for k in range(count):
                    n += 1
                    # Points strictly inside the square, spread deterministically.
                    fx = 0.1 + 0.8 * ((k * 7 + i * 3 + self.seed) % 17) / 16
                    fy = 0.1 + 0.8 * ((k * 11 + i * 5 + self.seed) % 13) / 12
                    rows.append({
                        "id": f"c{n}",
                        "occurred_at": f"{year}-{1 + k % 12:02d}-{1 + k % 27:02d}T12:00:00Z",
                        "category": CATEGORIES[(k + i + self.seed) % len(CATEGORIES)],
                        "lat": round(y0 + fy * SIDE, 6),
                        "lon": round(x0 + fx * SIDE, 6),
                    })  # fmt: skip
        for k in range(self.outside_crimes):
            n += 1
            rows.append({"id": f"c{n}", "occurred_at": f"{YEARS[-1]}-03-0{1 + k % 9}T08:00:00Z",
                         "category": "theft", "lat": FAR_AWAY[1], "lon": FAR_AWAY[0] + k * 1e-3})  # fmt: skip
        return rows

    def survey_rows(self) -> list[dict]:
        rows = []
        n = 0
        for i, a in enumerate(self.areas):
            for year, count in a.respondents.items():
                for k in range(count):
                    n += 1
                    row = {"respondent_id": f"r{n}", "year": year, "area_code": a.code,
                           "sex": SEXES[k % 2], "age_group": AGES[(k + i) % len(AGES)]}  # fmt: skip
                    for j, item in enumerate(self.items):
                        scale = QUESTIONNAIRE.item(item).scale
                        if a.no_opinion_only:
                            row[item] = min(scale.no_opinion) if scale.no_opinion else ""
                            continue
                        pick = (k * 3 + j * 5 + i * 7 + self.seed) % (len(scale.values) + 2)
                        if pick == len(scale.values):
                            row[item] = min(scale.no_opinion) if scale.no_opinion else ""
                        elif pick > len(scale.values):
                            row[item] = ""
                        else:
                            row[item] = scale.values[pick]
                    rows.append(row)
        return rows

    # ---------------------------------------------------------------- files

    def write(self, directory: Path) -> dict[str, Path | None]:
        directory.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path | None] = {
            "areas": directory / "areas.geojson",
            "population": directory / "population.csv",
            "crimes": directory / "crimes.csv",
            "survey": None,
        }
        paths["areas"].write_text(json.dumps(self.feature_collection()), encoding="utf-8")
        _write_csv(paths["population"], ["area_code", "year", "sex", "age_group", "count"],
                   self.population_rows())  # fmt: skip
        _write_csv(paths["crimes"], ["id", "occurred_at", "category", "lat", "lon"],
                   self.crime_rows())  # fmt: skip
        if self.items:
            paths["survey"] = directory / "survey.csv"
            _write_csv(paths["survey"],
                       ["respondent_id", "year", "area_code", "sex", "age_group", *self.items],
                       self.survey_rows())  # fmt: skip
        return paths

    @property
    def leaf_codes(self) -> list[str]:
        return [a.code for a in self.areas]


def _feature(code: str, name: str, parent: str | None, ring: list) -> dict:
    props = {"code": code, "name": name}
    if parent:
        props["parent_code"] = parent
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


# -------------------------------------------------------------------- strategies

# Residents of an area in a year: empty, thin (below the 50 the rates need), or ordinary.
_population = st.one_of(st.just(0), st.integers(1, 49), st.integers(200, 3000))
# Respondents of an area in a survey year: none, below min_n_publish (10), thin (below the
# small-area threshold 50), or enough for a direct estimate.
_respondents = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 49), st.integers(50, 70))


@st.composite
def municipalities(draw, *, max_areas: int = 7) -> Municipality:
    n = draw(st.integers(1, max_areas))
    # Cells on a 3-wide grid; an island is moved three squares away from everything.
    islands = draw(st.sets(st.integers(0, n - 1), max_size=2)) if n > 1 else set()
    cells = []
    for i in range(n):
        cell = (i % 3, i // 3)
        if i in islands:
            cell = (8 + 4 * i, 8)
        cells.append(cell)
    with_districts = n >= 2 and draw(st.booleans())
    district_of: dict[int, str | None] = {}
    districts: dict[str, list[str]] = {}
    codes = [f"2281R{i:03d}" for i in range(n)]
    if with_districts:
        n_districts = draw(st.integers(1, min(3, n)))
        for i in range(n):
            d = f"2281D{1 + i % n_districts:02d}"
            district_of[i] = d
            districts.setdefault(d, []).append(codes[i])
    survey_years = draw(st.sets(st.sampled_from(YEARS), max_size=len(YEARS)))
    crime_years = draw(st.sets(st.sampled_from(YEARS), max_size=len(YEARS)))
    pop_years = draw(st.sets(st.sampled_from(YEARS), min_size=1, max_size=len(YEARS)))
    areas = []
    for i in range(n):
        population = {y: draw(_population) for y in sorted(pop_years)}
        # Nobody answers a survey in an area where nobody lives (that is an input error,
        # tested on its own); an empty area still has crimes (an industrial estate).
        lived_in = all(population.get(y, 1) > 0 for y in survey_years)
        areas.append(
            Area(
                code=codes[i],
                name=f"Område {i}",
                cell=cells[i],
                parent=district_of.get(i),
                population=population,
                crimes={y: draw(st.integers(0, 25)) for y in sorted(crime_years)},
                respondents={
                    y: draw(_respondents) if lived_in else 0 for y in sorted(survey_years)
                },
                no_opinion_only=draw(st.booleans()) if survey_years else False,
            )
        )
    if survey_years and any(sum(a.respondents.values()) for a in areas):
        items = tuple(draw(st.lists(st.sampled_from(ITEMS), min_size=1, unique=True)))
    else:
        items = ()
    return Municipality(
        areas=areas,
        districts=districts,
        outside_crimes=draw(st.integers(0, 3)),
        items=items,
        seed=draw(st.integers(0, 50)),
        # The year asked for may have no data at all; the H3 grid may be on.
        extra={
            "year": draw(st.sampled_from((None, 2022, *YEARS))),
            "h3_resolution": draw(st.sampled_from((None, 7, 8))),
            "lang": draw(st.sampled_from(("sv", "en"))),
        },
    )
