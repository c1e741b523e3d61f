"""Seeded synthetic safety-survey responses with planted area effects (pure, no Django).

Input is an area table, one row per area × sex × age group:
``area_code, parent_code, sex, age_group, count`` and optionally ``name``. Use
:func:`area_table` to build it from the demo municipality's GeoJSON features and population
rows, or :func:`synthetic_areas` for a quick national-scale table without geometry.

How answers are made, and why:

- Respondents are drawn per area × sex × age cell in proportion to population × response
  propensity. Propensities differ strongly by age and sex (young men answer about one time
  in five, older women about three in four), as in the real survey, so unweighted figures
  are biased and weighting visibly matters.
- Every area has a latent problem level: a parent (district) effect plus an area effect
  plus planted effects for named areas (by default Nacksta, Skönsberg and Bredsand are
  worse), plus a small year-to-year wobble and an optional trend. Answers respond to it
  through ordered thresholds, item by item, with person-level noise.
- Perceptions also depend on who answers: worry and unsafety are higher for women and older
  people, perceived problems a little higher for older people. Combined with the response
  propensities this is the bias raking has to remove.
- Some answers are "no opinion" (code 9 or an empty cell), more often for the rarer
  problems.

Everything is vectorised: 200,000 answers over 6,000 areas take well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from trygg.analysis.questionnaire import Questionnaire, standard_questionnaire

AGE_GROUPS: tuple[str, ...] = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
SEXES: tuple[str, ...] = ("F", "M")

#: Latent shifts (in answer steps) planted in named areas; the public sources name these
#: among Sundsvall's priority areas.
PLANTED_EFFECTS: Mapping[str, float] = {"Nacksta": 1.5, "Skönsberg": 1.3, "Bredsand": 1.2}

# Response propensity by sex (F, M) × age group (16-24 … 75+).
RESPONSE_PROPENSITY = np.array(
    [
        [0.30, 0.36, 0.45, 0.55, 0.64, 0.74, 0.62],
        [0.17, 0.22, 0.31, 0.42, 0.53, 0.66, 0.58],
    ]
)
# How the latent level translates into each group; the first entry is the base offset (a
# higher base means rarer high answers), then the effects of being a woman and of age.
_GROUP_MODEL: dict[str, tuple[float, float, np.ndarray, float]] = {
    # group: (threshold base, female effect, age effects, weight of the area level)
    "problem_index": (-0.2, 0.05, np.array([-0.35, -0.2, -0.05, 0.05, 0.15, 0.25, 0.3]), 1.0),
    "victimisation_index": (1.5, -0.1, np.array([0.5, 0.35, 0.2, 0.05, -0.1, -0.3, -0.45]), 0.7),
    "worry_index": (0.4, 0.45, np.array([-0.3, -0.2, -0.1, 0.0, 0.1, 0.25, 0.35]), 0.8),
    "unsafety_index": (0.6, 0.8, np.array([-0.2, -0.1, -0.1, 0.0, 0.1, 0.35, 0.6]), 0.9),
    "trust_index": (0.2, -0.05, np.array([0.3, 0.2, 0.1, 0.0, -0.1, -0.2, -0.2]), 0.6),
}
_DEFAULT_GROUP_MODEL = (0.8, 0.2, np.zeros(len(AGE_GROUPS)), 0.8)
_STEP = 0.9  # distance between answer thresholds on the latent scale


def synthetic_areas(
    *,
    n_areas: int = 6000,
    n_parents: int | None = None,
    seed: int = 1,
    mean_population: int = 1400,
    names: Sequence[str] = tuple(PLANTED_EFFECTS),
    prefix: str = "9999",
) -> pl.DataFrame:
    """A quick area table (no geometry) for benchmarks and tests.

    Areas are coded ``{prefix}A0001`` … and grouped into ``n_parents`` parents
    (``{prefix}D001`` …, default about one per 20 areas). The first areas get ``names`` so
    that the planted effects apply.
    """
    if n_areas < 1:
        raise ValueError("n_areas must be at least 1")
    rng = np.random.default_rng(seed)
    n_parents = n_parents or max(1, round(n_areas / 20))
    codes = [f"{prefix}A{i:04d}" for i in range(1, n_areas + 1)]
    parents = [f"{prefix}D{p:03d}" for p in (np.arange(n_areas) * n_parents // n_areas) + 1]
    area_names = [names[i] if i < len(names) else f"Område {i + 1}" for i in range(n_areas)]
    size = rng.gamma(4.0, mean_population / 4.0, n_areas)
    # Age profile varies by area (student areas, retirement areas) so weights differ by area.
    age_shape = np.array([0.13, 0.16, 0.16, 0.16, 0.15, 0.13, 0.11])
    tilt = rng.normal(0, 0.35, n_areas)[:, None] * np.linspace(-1, 1, len(AGE_GROUPS))
    age_share = age_shape * np.exp(tilt)
    age_share /= age_share.sum(axis=1, keepdims=True)
    female = np.clip(rng.normal(0.5, 0.03, n_areas), 0.35, 0.65)
    sex_share = np.stack([female, 1 - female], axis=1)
    counts = np.rint(size[:, None, None] * sex_share[:, :, None] * age_share[:, None, :])
    counts = counts.astype(np.int64)
    counts = np.maximum(counts, 1)
    n_age = len(AGE_GROUPS)
    return pl.DataFrame(
        {
            "area_code": np.repeat(codes, 2 * n_age),
            "name": np.repeat(area_names, 2 * n_age),
            "parent_code": np.repeat(parents, 2 * n_age),
            "sex": np.tile(np.repeat(SEXES, n_age), n_areas),
            "age_group": np.tile(AGE_GROUPS, 2 * n_areas),
            "count": counts.ravel(),
        }
    )


def area_table(
    features: Iterable[Mapping], population: Iterable[Mapping], *, year: int | None = None
) -> pl.DataFrame:
    """Build the area table from GeoJSON features and population rows.

    ``features`` are GeoJSON features (``properties`` with ``code``, ``name``,
    ``parent_code``); ``population`` rows have ``area_code, year, sex, age_group, count``.
    Rows outside the survey's age groups (e.g. ``0-15``) are dropped; ``year`` defaults to
    the latest year present.
    """
    props = {}
    for feature in features:
        p = feature.get("properties", feature)
        props[str(p["code"])] = (str(p.get("name") or p["code"]), p.get("parent_code"))
    pop = pl.DataFrame(list(population))
    if pop.is_empty():
        raise ValueError("the population has no rows")
    year = int(year if year is not None else pop["year"].max())
    pop = pop.filter((pl.col("year") == year) & pl.col("age_group").is_in(list(AGE_GROUPS)))
    pop = pop.filter(pl.col("area_code").is_in(list(props)))
    return pop.select(
        pl.col("area_code").cast(pl.String),
        pl.col("area_code").replace_strict({k: v[0] for k, v in props.items()}).alias("name"),
        pl.col("area_code")
        .replace_strict({k: v[1] or k for k, v in props.items()})
        .cast(pl.String)
        .alias("parent_code"),
        pl.col("sex").cast(pl.String),
        pl.col("age_group").cast(pl.String),
        pl.col("count").cast(pl.Int64),
    )


def area_levels(
    areas: pl.DataFrame,
    *,
    seed: int = 1,
    planted: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """The latent level of every area (the truth the survey measures): ``area_code,
    parent_code, level, planted``. ``planted`` maps area names or codes to extra level."""
    planted = PLANTED_EFFECTS if planted is None else planted
    first = areas.group_by("area_code", maintain_order=True).first()
    rng = np.random.default_rng([seed, 17])
    parents = first["parent_code"].cast(pl.String).fill_null("")
    parent_codes, parent_idx = np.unique(parents.to_numpy().astype(str), return_inverse=True)
    parent_effect = rng.normal(0, 0.25, parent_codes.size)[parent_idx]
    area_effect = rng.normal(0, 0.3, first.height)
    names = first["name"] if "name" in first.columns else first["area_code"]
    extra = np.array(
        [
            planted.get(code, planted.get(name, 0.0))
            for code, name in zip(first["area_code"], names, strict=True)
        ]
    )
    # A planted area's own random effect is dropped, so the plant is what makes it stand out.
    area_effect = np.where(extra != 0, 0.0, area_effect)
    return pl.DataFrame(
        {
            "area_code": first["area_code"],
            "parent_code": parents,
            "level": parent_effect + area_effect + extra,
            "planted": extra,
        }
    )


def generate_survey(
    areas: pl.DataFrame,
    *,
    years: Sequence[int],
    n_answers: int,
    seed: int = 1,
    questionnaire: Questionnaire | None = None,
    planted: Mapping[str, float] | None = None,
    trend: Mapping[str, float] | None = None,
    no_opinion_rate: float = 0.06,
) -> pl.DataFrame:
    """Synthetic responses in the input format of :mod:`trygg.analysis.survey_io`.

    ``n_answers`` is per year. ``planted`` maps area names or codes to latent shifts
    (default :data:`PLANTED_EFFECTS`); ``trend`` maps area names or codes to a shift per
    year (e.g. ``{"Bredsand": -0.2}`` for an area getting better). Columns:
    ``respondent_id, year, area_code, sex, age_group`` and one column per item code
    (Int64; 9 or null = no opinion).
    """
    q = questionnaire or standard_questionnaire()
    _require(areas, ("area_code", "parent_code", "sex", "age_group", "count"))
    rng = np.random.default_rng(seed)
    levels = area_levels(areas, seed=seed, planted=planted)
    area_codes = levels["area_code"].to_list()
    area_index = {code: i for i, code in enumerate(area_codes)}
    n_areas, n_age = len(area_codes), len(AGE_GROUPS)
    cells = areas.select(
        pl.col("area_code").replace_strict(area_index, return_dtype=pl.Int64).alias("i"),
        pl.col("sex").cast(pl.String).replace_strict({s: k for k, s in enumerate(SEXES)}, return_dtype=pl.Int64).alias("s"),
        pl.col("age_group").cast(pl.String).replace_strict({a: k for k, a in enumerate(AGE_GROUPS)}, return_dtype=pl.Int64).alias("a"),
        pl.col("count").cast(pl.Float64),
    )  # fmt: skip
    pop = np.zeros((n_areas, 2, n_age))
    np.add.at(pop, (cells["i"].to_numpy(), cells["s"].to_numpy(), cells["a"].to_numpy()),
              cells["count"].to_numpy())  # fmt: skip
    names = areas.group_by("area_code", maintain_order=True).first()
    names = names["name"] if "name" in names.columns else names["area_code"]
    trend_per_area = np.array(
        [
            (trend or {}).get(code, (trend or {}).get(name, 0.0))
            for code, name in zip(area_codes, names, strict=True)
        ]
    )
    level = levels["level"].to_numpy()
    frames = []
    for k, year in enumerate(sorted(years)):
        propensity = (pop * RESPONSE_PROPENSITY[None]).ravel()
        counts = rng.multinomial(n_answers, propensity / propensity.sum())
        cell = np.repeat(np.arange(counts.size), counts)
        area = cell // (2 * n_age)
        sex = (cell // n_age) % 2
        age = cell % n_age
        n = cell.size
        year_level = level + rng.normal(0, 0.08, n_areas) + k * trend_per_area
        person = rng.normal(0, 0.7, n)
        columns: dict[str, np.ndarray] = {}
        for group in q.groups:
            base, female, age_eff, area_weight = _GROUP_MODEL.get(group, _DEFAULT_GROUP_MODEL)
            latent = (
                area_weight * year_level[area]
                + female * (sex == 0)
                + age_eff[age]
                + 0.8 * person
                + rng.normal(0, 0.35, n)
            )
            for item in q.items_in(group):
                columns[item.code] = _answers(item, latent, base, rng, no_opinion_rate)
        frame = pl.DataFrame(
            {
                "respondent_id": pl.int_range(1, n + 1, eager=True).cast(pl.String).str.zfill(7),
                "year": np.full(n, year, dtype=np.int64),
                "area_code": np.asarray(area_codes, dtype=object)[area],
                "sex": np.asarray(SEXES)[sex],
                "age_group": np.asarray(AGE_GROUPS)[age],
                **columns,
            },
            schema_overrides={"area_code": pl.String},
        ).with_columns(
            pl.format("{}-{}", pl.col("year"), pl.col("respondent_id")).alias("respondent_id")
        )
        frames.append(frame)
    out = pl.concat(frames)
    return out.with_columns([pl.col(c).cast(pl.Int64) for c in q.item_codes])


def _answers(item, latent: np.ndarray, base: float, rng: np.random.Generator, rate: float):
    """Ordered answers from a latent score: thresholds in the order of the index map."""
    scale = item.scale
    # Codes from best (lowest index) to worst, so a higher latent means a worse answer.
    ordered = sorted(scale.values, key=lambda v: (scale.index_map[v], v))
    offset = (hash_stable(item.code) % 100) / 100 * 0.6 - 0.3
    u = latent + offset + rng.normal(0, 0.6, latent.size)
    cuts = base + _STEP * np.arange(len(ordered) - 1)
    position = (u[:, None] > cuts[None, :]).sum(axis=1)
    codes = np.asarray(ordered, dtype=np.float64)[position]
    # No opinion: more often for the worse-known items; half as 9, half as an empty cell.
    missing = rng.uniform(size=latent.size) < rate * (1 + 0.5 * (offset > 0))
    no_code = next(iter(sorted(scale.no_opinion)), None)
    as_code = missing & (rng.uniform(size=latent.size) < 0.5) & (no_code is not None)
    codes[missing] = np.nan
    if no_code is not None:
        codes[as_code] = no_code
    return pl.Series(item.code, codes).fill_nan(None).cast(pl.Int64)


def hash_stable(text: str) -> int:
    """A hash that is the same in every process (Python's own is salted per process)."""
    value = 0
    for ch in text.encode():
        value = (value * 131 + ch) % 1_000_003
    return value


def write_survey_csv(frame: pl.DataFrame, path: str | Path, *, delimiter: str = ";") -> Path:
    """Write responses as CSV the way Swedish vendors deliver them (``;`` by default)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, separator=delimiter)
    return path


def _require(frame: pl.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the area table lacks columns: {', '.join(missing)}")
