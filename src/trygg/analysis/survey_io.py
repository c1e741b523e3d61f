"""Reading survey responses as vendors deliver them: CSV, XLSX or SPSS .sav.

One row per respondent: ``respondent_id, year, area_code, sex, age_group``, then one column
per item, named by the item code or by one of the vendor column names the questionnaire maps
onto it. Extra columns are ignored, never an error.

Every row is validated and every problem is collected (file, line, column, reason) before
anything is returned, so the person importing sees all mistakes at once. Validation works on
the distinct values of each column (a survey has few: five answer codes, seven age groups),
so 200,000 rows validate in well under a second.

The result is a tidy typed Polars frame:

====================  =========================================================
``respondent_id``     String
``year``              Int32
``area_code``         String
``sex``               Enum ``F``/``M``
``age_group``         Enum ``16-24`` ... ``75+``
one column per item   Int16 answer code; null = no opinion or not answered
``source_line``       Int64: line in the file (case number for .sav)
====================  =========================================================

Every item of the questionnaire gets a column, all null when the file does not have it, so
frames from different years can be stacked.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .errors import InputError, RowProblem
from .questionnaire import Questionnaire, Scale, standard_questionnaire
from .tables import LINE_COLUMN, parse_decimal, read_csv_text, read_xlsx_text

AGE_GROUPS: tuple[str, ...] = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
SEXES: tuple[str, ...] = ("F", "M")
SEX_DTYPE = pl.Enum(list(SEXES))
AGE_DTYPE = pl.Enum(list(AGE_GROUPS))
RESPONDENT_COLUMNS: tuple[str, ...] = ("respondent_id", "year", "area_code", "sex", "age_group")
SOURCE_LINE = "source_line"

#: More problems than this are summarised in one last problem instead of listed: a file that
#: is wrong in every cell would otherwise produce millions of messages nobody reads.
MAX_LISTED_PROBLEMS = 10_000
FIRST_YEAR = 1990

# Swedish and English header variants vendors use for the respondent columns.
_HEADER_ALIASES: dict[str, str] = {
    "id": "respondent_id",
    "respondent": "respondent_id",
    "respondentid": "respondent_id",
    "löpnr": "respondent_id",
    "lopnr": "respondent_id",
    "år": "year",
    "ar": "year",
    "undersökningsår": "year",
    "area": "area_code",
    "område": "area_code",
    "omrade": "area_code",
    "områdeskod": "area_code",
    "omradeskod": "area_code",
    "kön": "sex",
    "kon": "sex",
    "gender": "sex",
    "åldersgrupp": "age_group",
    "aldersgrupp": "age_group",
    "ålder": "age_group",
    "alder": "age_group",
    "age": "age_group",
}

# SCB codes sex as 1 = man, 2 = woman; SPSS files from Swedish vendors follow it.
_SEX_WORDS: dict[str, str] = {
    "f": "F", "k": "F", "kvinna": "F", "kvinnor": "F", "female": "F", "woman": "F",
    "women": "F", "w": "F", "2": "F",
    "m": "M", "man": "M", "män": "M", "male": "M", "men": "M", "1": "M",
}  # fmt: skip


@dataclass(frozen=True)
class ResponseImport:
    """The outcome of reading a response file.

    ``rejected`` is empty unless ``skip_bad_rows`` was asked for; it then lists the problems
    of the rows left out, for the reject file.
    """

    frame: pl.DataFrame
    rejected: tuple[RowProblem, ...]
    item_columns: Mapping[str, str]
    ignored_columns: tuple[str, ...]


def read_responses(
    path: str | Path,
    *,
    questionnaire: Questionnaire | None = None,
    known_areas: Collection[str] | None = None,
    years: range | None = None,
    sheet: str | None = None,
) -> pl.DataFrame:
    """Read and validate a response file; raise :class:`InputError` listing every problem."""
    return load_responses(
        path, questionnaire=questionnaire, known_areas=known_areas, years=years, sheet=sheet
    ).frame


def load_responses(
    path: str | Path,
    *,
    questionnaire: Questionnaire | None = None,
    known_areas: Collection[str] | None = None,
    years: range | None = None,
    sheet: str | None = None,
    skip_bad_rows: bool = False,
) -> ResponseImport:
    """Read a CSV, XLSX or SPSS .sav response file (chosen by its suffix) and validate it.

    With ``skip_bad_rows`` the bad rows are left out and returned in ``rejected`` instead of
    raising; problems with the file as a whole (unreadable, missing columns) always raise.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(RowProblem(file=path.name, reason="the file does not exist"))
    suffix = path.suffix.lower()
    labels: Mapping[str, Mapping[str, str]] = {}
    if suffix in (".csv", ".txt"):
        frame, _ = read_csv_text(path)
    elif suffix in (".xlsx", ".xlsm"):
        frame = read_xlsx_text(path, sheet=sheet)
    elif suffix in (".sav", ".zsav"):
        frame, labels = _read_sav_text(path)
    else:
        raise InputError(
            RowProblem(
                file=path.name,
                reason=f"unknown file type '{suffix}': use .csv, .xlsx or .sav",
            )
        )
    return parse_responses(
        frame,
        file=path.name,
        questionnaire=questionnaire,
        known_areas=known_areas,
        years=years,
        skip_bad_rows=skip_bad_rows,
        value_labels=labels,
    )


def _read_sav_text(path: Path) -> tuple[pl.DataFrame, dict[str, dict[str, str]]]:
    """Read a .sav file as text columns plus its value labels (code text -> label).

    User-defined missing values become empty cells, i.e. no opinion. The line of a case is
    its case number, which is what SPSS shows in its data view.
    """
    # Imported here: pyreadstat is only needed for .sav files and takes a while to load.
    import pyreadstat

    try:
        data, meta = pyreadstat.read_sav(str(path), user_missing=False)
    except Exception as exc:  # pyreadstat raises several exception types for broken files
        raise InputError(
            RowProblem(file=path.name, reason=f"the file is not a readable SPSS file ({exc})")
        ) from exc
    columns: dict[str, list[str]] = {}
    for name in data.columns:
        columns[name.strip().lower()] = [_sav_cell(v) for v in data[name].tolist()]
    frame = pl.DataFrame(columns, schema={name: pl.String for name in columns})
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(LINE_COLUMN))
    labels = {
        name.strip().lower(): {_sav_cell(k): str(v) for k, v in mapping.items()}
        for name, mapping in (meta.variable_value_labels or {}).items()
    }
    return frame, labels


def _sav_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN: system-missing or user-missing
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def parse_responses(
    frame: pl.DataFrame,
    *,
    file: str = "<responses>",
    questionnaire: Questionnaire | None = None,
    known_areas: Collection[str] | None = None,
    years: range | None = None,
    skip_bad_rows: bool = False,
    value_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> ResponseImport:
    """Validate a frame of responses (any column types) and return the typed frame.

    This is the single validation path: files, the web form and the synthetic generator
    all go through it. Without a ``__line__`` column, row ``i`` is reported as line ``i + 2``
    (as if a header were line 1).
    """
    q = questionnaire or standard_questionnaire()
    years = years or range(FIRST_YEAR, _dt.date.today().year + 2)
    labels = {k.lower(): v for k, v in (value_labels or {}).items()}
    text = _as_text(frame)
    text, item_columns, ignored, renames = _resolve_columns(text, file, q)
    labels = {renames.get(k, k): v for k, v in labels.items()}
    problems: list[tuple[int, int, RowProblem]] = []  # (line, column order, problem)

    def add(column: str, order: int, bad: pl.DataFrame, reason: Callable[[str], str]) -> None:
        for line, value in bad.select(LINE_COLUMN, column).iter_rows():
            problems.append((line, order, RowProblem(file, reason(value), line, column)))

    out: dict[str, pl.Series] = {}
    bad_mask = pl.Series("bad", [False] * text.height)

    def check(
        column: str, order: int, mapping: dict[str, object], why: dict[str, str]
    ) -> pl.Series:
        """Record the rows whose value has a problem; return the column mapped."""
        nonlocal bad_mask
        series = text[column]
        is_bad = series.is_in(list(why)) if why else pl.Series([False] * text.height)
        if why:
            add(column, order, text.filter(is_bad), lambda v: why[v])
            bad_mask = bad_mask | is_bad
        return series.replace_strict(mapping, default=None)

    # respondent_id
    rid = text["respondent_id"]
    empty = rid == ""
    add("respondent_id", 0, text.filter(empty), lambda _v: "the respondent id is empty")
    bad_mask = bad_mask | empty
    out["respondent_id"] = rid

    # year
    year_map, year_why = {}, {}
    for value in text["year"].unique().to_list():
        year, reason = _parse_year(value, years)
        year_map[value] = year
        if reason:
            year_why[value] = reason
    out["year"] = check("year", 1, year_map, year_why).cast(pl.Int32)

    # area_code
    area_why: dict[str, str] = {"": "the area code is empty"}
    if known_areas is not None:
        known = {str(a) for a in known_areas}
        for value in text["area_code"].unique().to_list():
            if value and value not in known:
                hint = " (did a spreadsheet drop a leading zero?)" if "0" + value in known else ""
                area_why[value] = f"unknown area code '{value}'{hint}"
    check("area_code", 2, {}, area_why)
    out["area_code"] = text["area_code"]

    # sex and age group: value labels from .sav files come first
    for column, order, parser in (("sex", 3, _parse_sex), ("age_group", 4, _parse_age_group)):
        mapping, why = {}, {}
        column_labels = labels.get(column, {})
        for value in text[column].unique().to_list():
            parsed, reason = parser(value)
            if value in column_labels:
                by_label, _ = parser(column_labels[value])
                if by_label is not None:
                    parsed, reason = by_label, None
            mapping[value] = parsed
            if reason:
                why[value] = reason
        dtype = SEX_DTYPE if column == "sex" else AGE_DTYPE
        out[column] = check(column, order, mapping, why).cast(pl.String).cast(dtype)

    # items
    for n, (source, code) in enumerate(item_columns.items(), start=5):
        scale = q.item(code).scale
        parser = _item_parser(scale)
        column_labels = labels.get(source, {})
        mapping, why = {}, {}
        for value in text[source].unique().to_list():
            parsed, reason = parser(value)
            if value in column_labels:
                # A vendor's value label that names a scale answer wins over its numeric code,
                # so a file coded 0-4 with the right labels still lands on the 1-5 scale.
                by_label, label_reason = parser(column_labels[value])
                if label_reason is None:
                    parsed, reason = by_label, None
            mapping[value] = parsed
            if reason:
                why[value] = reason
        out[code] = check(source, n, mapping, why).cast(pl.Int16)

    # duplicate respondent ids within a year
    keyed = text.select(
        LINE_COLUMN,
        pl.Series("year_key", out["year"]),
        pl.col("respondent_id"),
    ).with_columns(pl.col(LINE_COLUMN).min().over(["year_key", "respondent_id"]).alias("first"))
    dup = keyed.filter(
        (pl.col(LINE_COLUMN) != pl.col("first"))
        & (pl.col("respondent_id") != "")
        & pl.col("year_key").is_not_null()
    )
    for line, year, rid_value, first in dup.select(
        LINE_COLUMN, "year_key", "respondent_id", "first"
    ).iter_rows():
        problems.append(
            (
                line,
                0,
                RowProblem(
                    file,
                    f"respondent id '{rid_value}' appears twice in {year} (first on line {first})",
                    line,
                    "respondent_id",
                ),
            )
        )
    if dup.height:
        bad_mask = bad_mask | text[LINE_COLUMN].is_in(dup[LINE_COLUMN].implode())

    problems.sort(key=lambda p: (p[0], p[1]))
    listed = [p for _, _, p in problems]
    if len(listed) > MAX_LISTED_PROBLEMS:
        more = len(listed) - MAX_LISTED_PROBLEMS
        listed = [
            *listed[:MAX_LISTED_PROBLEMS],
            RowProblem(file, f"{more} further problems are not listed"),
        ]
    if listed and not skip_bad_rows:
        raise InputError(listed)

    result = pl.DataFrame(
        {
            "respondent_id": out["respondent_id"],
            "year": out["year"],
            "area_code": out["area_code"],
            "sex": out["sex"],
            "age_group": out["age_group"],
        }
    )
    result = result.with_columns(
        [
            out[i.code].alias(i.code)
            if i.code in out
            else pl.lit(None, dtype=pl.Int16).alias(i.code)
            for i in q.items
        ]
    ).with_columns(text[LINE_COLUMN].alias(SOURCE_LINE))
    if listed:
        result = result.filter(~bad_mask)
    return ResponseImport(
        frame=result,
        rejected=tuple(listed),
        item_columns=dict(item_columns),
        ignored_columns=tuple(ignored),
    )


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as stripped text ('' for null), names lower-cased, with a line column."""
    if LINE_COLUMN not in frame.columns:
        frame = frame.with_columns(
            pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(LINE_COLUMN)
        )
    exprs = []
    for name, dtype in frame.schema.items():
        if name == LINE_COLUMN:
            continue
        expr = pl.col(name)
        if dtype.is_float():
            # 3.0 -> "3" so whole numbers from numeric sources look like typed ones.
            expr = (
                pl.when(expr.is_not_null() & (expr == expr.round(0)))
                .then(expr.cast(pl.Int64).cast(pl.String))
                .otherwise(expr.cast(pl.String))
            )
        else:
            expr = expr.cast(pl.String)
        exprs.append(expr.fill_null("").str.strip_chars().alias(name.strip().lower()))
    return frame.select([*exprs, pl.col(LINE_COLUMN)])


def _resolve_columns(
    text: pl.DataFrame, file: str, q: Questionnaire
) -> tuple[pl.DataFrame, dict[str, str], list[str], dict[str, str]]:
    """Rename header aliases, check required columns and map vendor columns to items."""
    renames: dict[str, str] = {}
    present = set(text.columns)
    for name in text.columns:
        target = _HEADER_ALIASES.get(name)
        if target and target not in present and target not in renames.values():
            renames[name] = target
    text = text.rename(renames)
    missing = [c for c in RESPONDENT_COLUMNS if c not in text.columns]
    problems = [RowProblem(file, "required column is missing", 1, c) for c in missing]
    column_map = q.column_map()
    item_columns: dict[str, str] = {}
    owner: dict[str, str] = {}
    ignored: list[str] = []
    for name in text.columns:
        if name == LINE_COLUMN or name in RESPONDENT_COLUMNS:
            continue
        code = column_map.get(name)
        if code is None:
            ignored.append(name)
            continue
        if code in owner:
            problems.append(
                RowProblem(
                    file,
                    f"both '{owner[code]}' and '{name}' hold item '{code}'; keep one",
                    1,
                    name,
                )
            )
            continue
        owner[code] = name
        item_columns[name] = code
    if not item_columns and not missing:
        problems.append(
            RowProblem(
                file,
                "no column matches an item of the questionnaire "
                f"'{q.source}' (expected e.g. {', '.join(q.item_codes[:3])})",
                1,
            )
        )
    if problems:
        raise InputError(problems)
    return text, item_columns, ignored, renames


def _parse_year(value: str, years: range) -> tuple[int | None, str | None]:
    match = re.fullmatch(r"(\d{4})(?:[.,]0+)?", value)
    if not value:
        return None, "the year is empty"
    if not match:
        return None, f"'{value}' is not a year"
    year = int(match.group(1))
    if year not in years:
        return None, f"{year} is outside the accepted years {years.start}-{years.stop - 1}"
    return year, None


def _parse_sex(value: str) -> tuple[str | None, str | None]:
    key = value.strip().lower().rstrip(".")
    if key in _SEX_WORDS:
        return _SEX_WORDS[key], None
    if not key:
        return None, "sex is empty; weighting needs F or M"
    return None, f"'{value}' is not a sex; use F or M (K/kvinna, M/man also accepted)"


def _parse_age_group(value: str) -> tuple[str | None, str | None]:
    if not value.strip():
        return None, "the age group is empty"
    key = value.strip().lower().replace("\u2013", "-").replace("\u2014", "-")
    key = re.sub(r"\s*(år|years?|y)\s*", " ", key).strip()
    key = re.sub(r"\s*-\s*", "-", key)
    key = re.sub(r"\s*\+\s*", "+", key)
    if key in AGE_GROUPS:
        return key, None
    # "75 och äldre", "75-", "75 or older", "75-84", "75-85": the open top group.
    if re.fullmatch(r"75(\+|-|-8[45]|\s+(och äldre|och över|or older|and older|and over))", key):
        return "75+", None
    if re.fullmatch(r"\d{1,3}", key):
        age = int(key)
        if 16 <= age <= 120:
            return AGE_GROUPS[min((age - 15) // 10 if age >= 25 else 0, 6)], None
        return None, f"age {age} is outside the survey's ages (16 and older)"
    return None, f"'{value}' is not an age group; use one of {', '.join(AGE_GROUPS)}"


def _label_key(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def _item_parser(scale: Scale) -> Callable[[str], tuple[int | None, str | None]]:
    """A parser for one scale: code, decimal-written code, or answer text -> code or None."""
    by_label: dict[str, int | None] = {}
    for value, label in scale.labels.items():
        by_label[_label_key(label.sv)] = value
        by_label[_label_key(label.en)] = value
    for label in (
        scale.no_opinion_label.sv,
        scale.no_opinion_label.en,
        "vet ej",
        "ingen uppfattning",
    ):
        by_label[_label_key(label)] = None
    valid = set(scale.values)
    allowed = (
        f"{min(valid)}-{max(valid)}"
        if valid == set(range(min(valid), max(valid) + 1))
        else (", ".join(str(v) for v in sorted(valid)))
    )
    if scale.no_opinion:
        allowed += f"; {', '.join(str(v) for v in sorted(scale.no_opinion))} = no opinion"

    def parse(value: str) -> tuple[int | None, str | None]:
        if not value:
            return None, None
        key = _label_key(value)
        if key in by_label:
            return by_label[key], None
        try:
            number = parse_decimal(value)
        except ValueError:
            return None, f"'{value}' is not an answer of the scale '{scale.code}' ({allowed})"
        if number != number or not float(number).is_integer():
            return None, f"'{value}' is not a whole answer code ({allowed})"
        code = int(number)
        if code in scale.no_opinion:
            return None, None
        if code not in valid:
            return None, f"{code} is outside the scale '{scale.code}' ({allowed})"
        return code, None

    return parse
