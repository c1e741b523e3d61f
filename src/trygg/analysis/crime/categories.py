"""The crime categories (FORMATS.md): codes, Swedish and English names, harm weights and the
spellings that map to each code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from ..errors import InputError, RowProblem
from .schema import EXCLUDED

__all__ = ["Category", "CategoryTable", "load_categories"]


@dataclass(frozen=True)
class Category:
    code: str
    name_sv: str
    name_en: str
    harm_weight: float


@dataclass(frozen=True)
class CategoryTable:
    """The category table and the mapping from police event types.

    :meth:`lookup` maps any accepted spelling (lower-cased, trimmed) to a category code or
    to ``"excluded"``: the codes themselves (``vehicle_crime`` or ``vehicle crime``), the
    Swedish and English names, and the police event types.
    """

    categories: tuple[Category, ...]
    event_types: Mapping[str, str]

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.categories]

    def harm_weights(self) -> dict[str, float]:
        return {c.code: c.harm_weight for c in self.categories}

    def lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for event_type, code in self.event_types.items():
            table[_key(event_type)] = code
        for c in self.categories:
            for spelling in (c.code, c.code.replace("_", " "), c.name_sv, c.name_en):
                table[_key(spelling)] = c.code
        return table

    def resolve(self, text: str) -> str | None:
        """Category code (or ``"excluded"``) for one spelling; ``None`` if unknown."""
        return self.lookup().get(_key(text))


def _key(text: str) -> str:
    return " ".join(str(text).strip().lower().split())


def load_categories(path: str | Path | None = None) -> CategoryTable:
    """Read a category table; without ``path`` the one shipped with Trygg."""
    if path is None:
        return _shipped_categories()
    return _parse_categories(Path(path).read_text(encoding="utf-8"), Path(path).name)


@lru_cache(maxsize=1)
def _shipped_categories() -> CategoryTable:
    text = (
        resources.files("trygg.analysis").joinpath("data/crime_categories.yaml").read_text("utf-8")
    )
    return _parse_categories(text, "crime_categories.yaml")


def _parse_categories(text: str, file: str) -> CategoryTable:
    data = yaml.safe_load(text) or {}
    problems: list[RowProblem] = []
    categories: list[Category] = []
    for index, item in enumerate(data.get("categories") or []):
        try:
            weight = float(item["harm_weight"])
            if not np.isfinite(weight) or weight < 0:
                raise ValueError
            categories.append(Category(str(item["code"]), str(item["sv"]), str(item["en"]), weight))
        except (KeyError, TypeError, ValueError):
            problems.append(
                RowProblem(
                    file=file,
                    feature=index,
                    column="categories",
                    reason="a category needs code, sv, en and a non-negative harm_weight",
                )
            )
    if not categories and not problems:
        problems.append(RowProblem(file=file, column="categories", reason="no categories defined"))
    codes = {c.code for c in categories}
    event_types: dict[str, str] = {}
    for event_type, code in (data.get("event_types") or {}).items():
        if code != EXCLUDED and code not in codes:
            problems.append(
                RowProblem(
                    file=file,
                    column="event_types",
                    reason=f"event type '{event_type}' maps to unknown category '{code}'",
                )
            )
        event_types[str(event_type)] = str(code)
    if problems:
        raise InputError(problems)
    return CategoryTable(categories=tuple(categories), event_types=event_types)
