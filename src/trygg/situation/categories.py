"""The observation categories: configuration (a YAML file), never code.

The shipped list is ``data/categories.yaml``; a municipality points the setting
``TRYGG_OBSERVATION_CATEGORIES_FILE`` (or the environment variable of the same name) at its
own copy. Each category has a key (stored on the observation), a Swedish and an English
label, and optionally the reported-crime categories shown beside it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.utils.translation import get_language

from trygg.analysis.crime import load_categories

SHIPPED = Path(__file__).parent / "data" / "categories.yaml"


@dataclass(frozen=True)
class Category:
    key: str
    sv: str
    en: str
    crime: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.en if (get_language() or "sv").startswith("en") else self.sv


def _configured_path() -> Path:
    configured = getattr(settings, "TRYGG_OBSERVATION_CATEGORIES_FILE", None) or os.environ.get(
        "TRYGG_OBSERVATION_CATEGORIES_FILE"
    )
    return Path(configured) if configured else SHIPPED


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Category, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    categories = tuple(
        Category(
            key=str(item["key"]),
            sv=str(item["sv"]),
            en=str(item.get("en") or item["sv"]),
            crime=tuple(item.get("crime") or ()),
        )
        for item in data["categories"]
    )
    keys = [c.key for c in categories]
    if len(set(keys)) != len(keys) or not keys:
        raise ValueError(f"{path}: category keys must be unique and at least one")
    return categories


def categories() -> tuple[Category, ...]:
    return _load(_configured_path())


def category_keys() -> list[str]:
    return [c.key for c in categories()]


def category_choices() -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in categories()]


def category_label(key: str) -> str:
    for category in categories():
        if category.key == key:
            return category.label
    return key


def category_table() -> list[dict]:
    return [{"key": c.key, "label": c.label} for c in categories()]


def crime_label(code: str) -> str:
    """The reported-crime category's name in the interface language."""
    for c in load_categories().categories:
        if c.code == code:
            return c.name_en if (get_language() or "sv").startswith("en") else c.name_sv
    return code
