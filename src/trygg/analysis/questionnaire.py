"""The survey questionnaire: items, answer scales, index groups, colours and publication rules.

A questionnaire is a YAML file (see ``data/questionnaire_standard.yaml`` for the shipped
standard set and the documentation of every key). Loading validates the whole file and
raises :class:`~trygg.analysis.errors.InputError` listing every problem, each naming the
file and the YAML path (in ``column``) of the bad entry, so a coordinator who edits the file
can fix all mistakes in one go.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .errors import InputError, RowProblem

INDEX_MIN = 0.0
INDEX_MAX = 6.0
STANDARD_FILE = "questionnaire_standard.yaml"

#: Columns that describe the respondent rather than answer an item; no item may use them.
RESPONDENT_COLUMNS = ("respondent_id", "year", "area_code", "sex", "age_group")

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Text:
    """A text in Swedish (the default language) and English."""

    sv: str
    en: str

    def get(self, lang: str = "sv") -> str:
        return self.en if lang == "en" else self.sv


@dataclass(frozen=True)
class Scale:
    """An ordered answer scale and how its codes become index values and shares."""

    code: str
    values: tuple[int, ...]
    labels: Mapping[int, Text]
    no_opinion: frozenset[int]
    no_opinion_label: Text
    index_map: Mapping[int, float]
    share_values: frozenset[int]
    share_label: Text

    def index_lookup(self) -> np.ndarray:
        """Array ``a`` with ``a[code]`` = index value, NaN for codes that are not answers.

        Used to map a whole column of codes in one vectorised step.
        """
        size = max(max(self.values), max(self.no_opinion, default=0)) + 1
        lookup = np.full(size, np.nan)
        for value, score in self.index_map.items():
            lookup[value] = score
        return lookup

    def share_lookup(self) -> np.ndarray:
        """Array ``a`` with ``a[code]`` = 1.0 if the code counts towards the share, else 0.0."""
        size = max(max(self.values), max(self.no_opinion, default=0)) + 1
        lookup = np.full(size, np.nan)
        for value in self.values:
            lookup[value] = 1.0 if value in self.share_values else 0.0
        return lookup


@dataclass(frozen=True)
class Item:
    code: str
    text: Text
    group: str
    scale: Scale
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ColourClass:
    code: str
    below: float | None
    colour: str
    label: Text


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire. Build it with :func:`load_questionnaire`."""

    name: Text
    scales: Mapping[str, Scale]
    groups: Mapping[str, Text]
    items: tuple[Item, ...]
    colours: tuple[ColourClass, ...]
    min_items_share: float
    min_n_publish: int
    small_area_below: int
    source: str = "<questionnaire>"
    _by_code: Mapping[str, Item] = field(default_factory=dict, repr=False, compare=False)

    def item(self, code: str) -> Item:
        return self._by_code[code]

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    def items_in(self, group: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.group == group)

    def column_map(self) -> dict[str, str]:
        """Lower-cased column name in a vendor file -> item code (item codes map to themselves)."""
        mapping: dict[str, str] = {}
        for item in self.items:
            mapping[item.code] = item.code
            for column in item.columns:
                mapping[column.lower()] = item.code
        return mapping

    def min_items(self, group: str) -> int:
        """How many of the group's items a respondent must answer to get a group score."""
        return max(1, math.ceil(self.min_items_share * len(self.items_in(group)) - 1e-9))

    def colour_of(self, value: float | None) -> ColourClass | None:
        """The colour class of an index value (``None`` for a missing value)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        for colour in self.colours:
            if colour.below is None or value < colour.below:
                return colour
        return self.colours[-1]

    def colour_codes(self, values: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`colour_of`: an object array of class codes (None if missing)."""
        values = np.asarray(values, dtype=float)
        bounds = np.array([c.below for c in self.colours[:-1]], dtype=float)
        positions = np.searchsorted(bounds, values, side="right")
        codes = np.array([c.code for c in self.colours], dtype=object)[positions]
        codes[np.isnan(values)] = None
        return codes


def standard_questionnaire() -> Questionnaire:
    """The standard questionnaire shipped with Trygg."""
    ref = resources.files("trygg.analysis").joinpath("data", STANDARD_FILE)
    return parse_questionnaire(ref.read_text(encoding="utf-8"), source=STANDARD_FILE)


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load and validate a questionnaire YAML file."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(
            RowProblem(file=path.name, reason=f"cannot read the file ({exc})")
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(RowProblem(file=path.name, reason="the file is not UTF-8 text")) from exc
    return parse_questionnaire(text, source=path.name)


def parse_questionnaire(text: str, *, source: str = "<questionnaire>") -> Questionnaire:
    """Parse and validate questionnaire YAML text; ``source`` names it in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            RowProblem(
                file=source,
                line=None if mark is None else mark.line + 1,
                reason=f"the file is not valid YAML ({getattr(exc, 'problem', exc)})",
            )
        ) from exc
    return _Validator(source).build(data)


class _Validator:
    """Collects every problem in a questionnaire instead of stopping at the first."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[RowProblem] = []

    def fail(self, where: str, reason: str) -> None:
        self.problems.append(RowProblem(file=self.source, column=where, reason=reason))

    def text(self, value: Any, where: str) -> Text:
        if not isinstance(value, Mapping):
            self.fail(where, "must be a mapping with 'sv' and 'en' texts")
            return Text("", "")
        out = {}
        for lang in ("sv", "en"):
            v = value.get(lang)
            if not isinstance(v, str) or not v.strip():
                self.fail(f"{where}.{lang}", "a non-empty text is required")
                out[lang] = ""
            else:
                out[lang] = v.strip()
        return Text(out["sv"], out["en"])

    def integer(self, value: Any, where: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                return int(value)
            self.fail(where, f"must be a whole number, not {value!r}")
            return None
        return value

    def number(self, value: Any, where: str) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, f"must be a number, not {value!r}")
            return None
        if math.isnan(value) or math.isinf(value):
            self.fail(where, "must be a finite number")
            return None
        return float(value)

    def scale(self, code: str, raw: Any) -> Scale | None:
        where = f"scales.{code}"
        if not isinstance(raw, Mapping):
            self.fail(where, "must be a mapping")
            return None
        values_raw = raw.get("values")
        labels: dict[int, Text] = {}
        if not isinstance(values_raw, Mapping) or len(values_raw) < 2:
            self.fail(f"{where}.values", "must map at least two answer codes to their texts")
        else:
            for key, label in values_raw.items():
                value = self.integer(key, f"{where}.values.{key}")
                if value is None:
                    continue
                if value < 0:
                    self.fail(f"{where}.values.{key}", "answer codes must be 0 or more")
                labels[value] = self.text(label, f"{where}.values.{key}")
        no_opinion: set[int] = set()
        for i, v in enumerate(raw.get("no_opinion", []) or []):
            value = self.integer(v, f"{where}.no_opinion[{i}]")
            if value is None:
                continue
            if value in labels:
                self.fail(f"{where}.no_opinion[{i}]", f"{value} is also an answer code")
            no_opinion.add(value)
        no_label = (
            self.text(raw["no_opinion_label"], f"{where}.no_opinion_label")
            if "no_opinion_label" in raw
            else Text("Ingen uppfattning", "No opinion")
        )
        index_map: dict[int, float] = {}
        index_raw = raw.get("index")
        if not isinstance(index_raw, Mapping):
            self.fail(f"{where}.index", "must map every answer code to a value from 0 to 6")
        else:
            for key, score in index_raw.items():
                value = self.integer(key, f"{where}.index.{key}")
                number = self.number(score, f"{where}.index.{key}")
                if value is None or number is None:
                    continue
                if value not in labels:
                    self.fail(f"{where}.index.{key}", f"{value} is not an answer code of the scale")
                if not INDEX_MIN <= number <= INDEX_MAX:
                    self.fail(f"{where}.index.{key}", f"{number} is outside the index range 0-6")
                index_map[value] = number
            for value in labels:
                if value not in index_map:
                    self.fail(f"{where}.index", f"answer code {value} has no index value")
        share: set[int] = set()
        share_raw = raw.get("share")
        if not isinstance(share_raw, list) or not share_raw:
            self.fail(f"{where}.share", "must list the answer codes that count towards the share")
        else:
            for i, v in enumerate(share_raw):
                value = self.integer(v, f"{where}.share[{i}]")
                if value is not None and value not in labels:
                    self.fail(f"{where}.share[{i}]", f"{value} is not an answer code of the scale")
                elif value is not None:
                    share.add(value)
        share_label = (
            self.text(raw["share_label"], f"{where}.share_label")
            if "share_label" in raw
            else Text("Andel", "Share")
        )
        if not labels:
            return None
        return Scale(
            code=code,
            values=tuple(sorted(labels)),
            labels=labels,
            no_opinion=frozenset(no_opinion),
            no_opinion_label=no_label,
            index_map=index_map,
            share_values=frozenset(share),
            share_label=share_label,
        )

    def build(self, data: Any) -> Questionnaire:
        if not isinstance(data, Mapping):
            raise InputError(
                RowProblem(file=self.source, reason="the questionnaire must be a YAML mapping")
            )
        for key in ("scales", "groups", "items", "colours", "publication"):
            if key not in data:
                self.fail(key, "this section is required")
        name = self.text(data.get("name", {"sv": "Enkät", "en": "Questionnaire"}), "name")

        scales: dict[str, Scale] = {}
        if isinstance(data.get("scales"), Mapping):
            for code, raw in data["scales"].items():
                scale = self.scale(str(code), raw)
                if scale is not None:
                    scales[str(code)] = scale
        elif "scales" in data:
            self.fail("scales", "must be a mapping of scale names to scales")

        groups: dict[str, Text] = {}
        if isinstance(data.get("groups"), Mapping):
            for code, raw in data["groups"].items():
                if not _CODE_RE.match(str(code)):
                    self.fail(f"groups.{code}", "codes use lower-case letters, digits and _")
                groups[str(code)] = self.text(raw, f"groups.{code}")
        elif "groups" in data:
            self.fail("groups", "must be a mapping of group codes to texts")

        items = self._items(data.get("items"), scales, groups)
        colours = self._colours(data.get("colours"))

        min_items_share = self.number(data.get("min_items_share", 0.5), "min_items_share")
        if min_items_share is not None and not 0 < min_items_share <= 1:
            self.fail("min_items_share", "must be above 0 and at most 1")
        publication = data.get("publication") or {}
        if not isinstance(publication, Mapping):
            self.fail("publication", "must be a mapping")
            publication = {}
        min_n = self.integer(publication.get("min_n_publish", 10), "publication.min_n_publish")
        sae_n = self.integer(
            publication.get("small_area_below", 50), "publication.small_area_below"
        )
        if min_n is not None and min_n < 2:
            self.fail("publication.min_n_publish", "must be at least 2 (a variance needs two)")
        if min_n is not None and sae_n is not None and sae_n < min_n:
            self.fail(
                "publication.small_area_below",
                "must be at least min_n_publish (use the same value to turn small-area "
                "estimates off)",
            )
        for group in groups:
            if not any(i.group == group for i in items):
                self.fail(f"groups.{group}", "no item belongs to this group")
        if self.problems:
            raise InputError(self.problems)
        return Questionnaire(
            name=name,
            scales=scales,
            groups=groups,
            items=tuple(items),
            colours=tuple(colours),
            min_items_share=float(min_items_share or 0.5),
            min_n_publish=int(min_n or 10),
            small_area_below=int(sae_n or 50),
            source=self.source,
            _by_code={i.code: i for i in items},
        )

    def _items(self, raw: Any, scales: dict[str, Scale], groups: dict[str, Text]) -> list[Item]:
        if not isinstance(raw, list) or not raw:
            if raw is not None:
                self.fail("items", "must be a non-empty list of items")
            return []
        items: list[Item] = []
        codes: set[str] = set()
        columns_seen: dict[str, str] = {}
        for n, entry in enumerate(raw):
            where = f"items[{n}]"
            if not isinstance(entry, Mapping):
                self.fail(where, "must be a mapping")
                continue
            code = str(entry.get("code", "")).strip()
            if not _CODE_RE.match(code):
                self.fail(f"{where}.code", f"{code!r} is not a valid code (a-z, 0-9, _)")
                continue
            where = f"items[{n}] ({code})"
            if code in codes:
                self.fail(where, "the item code appears twice")
            if code in groups:
                self.fail(where, "an item may not have the same code as a group")
            if code in RESPONDENT_COLUMNS:
                self.fail(where, "the code is reserved for a respondent column")
            codes.add(code)
            text = self.text(entry, where)
            group = entry.get("group")
            if group not in groups:
                self.fail(f"{where}.group", f"unknown group {group!r}")
            scale = scales.get(str(entry.get("scale")))
            if scale is None:
                self.fail(f"{where}.scale", f"unknown scale {entry.get('scale')!r}")
            columns_raw = entry.get("columns", []) or []
            if not isinstance(columns_raw, list):
                self.fail(f"{where}.columns", "must be a list of column names")
                columns_raw = []
            columns = []
            for column in [code, *(str(c).strip().lower() for c in columns_raw)]:
                if column in RESPONDENT_COLUMNS:
                    self.fail(f"{where}.columns", f"{column!r} is a respondent column")
                owner = columns_seen.setdefault(column, code)
                if owner != code:
                    self.fail(f"{where}.columns", f"column {column!r} is already used by {owner}")
                if column != code:
                    columns.append(column)
            if scale is not None and group in groups:
                items.append(Item(code, text, str(group), scale, tuple(columns)))
        return items

    def _colours(self, raw: Any) -> list[ColourClass]:
        if not isinstance(raw, list) or not raw:
            if raw is not None:
                self.fail("colours", "must be a non-empty list of colour classes")
            return []
        out: list[ColourClass] = []
        previous = -math.inf
        for n, entry in enumerate(raw):
            where = f"colours[{n}]"
            if not isinstance(entry, Mapping):
                self.fail(where, "must be a mapping")
                continue
            last = n == len(raw) - 1
            below = None
            if "below" in entry and entry["below"] is not None:
                below = self.number(entry["below"], f"{where}.below")
                if below is not None and below <= previous:
                    self.fail(f"{where}.below", "thresholds must increase")
                if below is not None:
                    previous = below
                if last:
                    self.fail(f"{where}.below", "the last class must not have an upper bound")
            elif not last:
                self.fail(f"{where}.below", "every class but the last needs an upper bound")
            colour = str(entry.get("colour", ""))
            if not re.match(r"^#[0-9a-fA-F]{6}$", colour):
                self.fail(f"{where}.colour", f"{colour!r} is not a colour like '#1a9850'")
            out.append(
                ColourClass(
                    str(entry.get("code", f"class{n}")), below, colour, self.text(entry, where)
                )
            )
        return out
