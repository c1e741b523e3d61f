"""What makes a place feel unsafe: configuration (a YAML file), never code.

The shipped list is ``data/reasons.yaml``; a municipality points the setting
``TRYGG_RESIDENT_REASONS_FILE`` (or the environment variable of the same name) at its own
copy. Each reason has a key (stored on the report), a Swedish and an English label.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.utils.translation import get_language

SHIPPED = Path(__file__).parent / "data" / "reasons.yaml"


@dataclass(frozen=True)
class Reason:
    key: str
    sv: str
    en: str

    @property
    def label(self) -> str:
        return self.en if (get_language() or "sv").startswith("en") else self.sv


def _configured_path() -> Path:
    configured = getattr(settings, "TRYGG_RESIDENT_REASONS_FILE", None) or os.environ.get(
        "TRYGG_RESIDENT_REASONS_FILE"
    )
    return Path(configured) if configured else SHIPPED


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Reason, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    reasons = tuple(
        Reason(key=str(item["key"]), sv=str(item["sv"]), en=str(item.get("en") or item["sv"]))
        for item in data["reasons"]
    )
    keys = [r.key for r in reasons]
    if len(set(keys)) != len(keys) or not keys:
        raise ValueError(f"{path}: reason keys must be unique and at least one")
    return reasons


def reasons() -> tuple[Reason, ...]:
    return _load(_configured_path())


def reason_keys() -> list[str]:
    return [r.key for r in reasons()]


def reason_choices() -> list[tuple[str, str]]:
    return [(r.key, r.label) for r in reasons()]


def reason_labels(keys, *, language: str | None = None) -> list[str]:
    """Labels of the given keys in the list's order; ``language="sv"`` for stored text."""
    wanted = set(keys or ())
    out = []
    for reason in reasons():
        if reason.key in wanted:
            out.append(
                reason.sv if language == "sv" else reason.en if language == "en" else reason.label
            )
    return out


def reason_label(key: str) -> str:
    for reason in reasons():
        if reason.key == key:
            return reason.label
    return key
