"""Reads that one feature app offers the others without being imported by them.

Feature apps are independent siblings (ADR 0013): where one needs what another knows, the
knowing app registers a function here from its ``AppConfig.ready`` and the asking app calls
it through this module. Without a registered provider the answer is empty, never an error.
"""

from __future__ import annotations

from collections.abc import Callable

_priority_areas: list[Callable[..., list[str]]] = []


def register_priority_areas(provider: Callable[..., list[str]]) -> None:
    """``provider(municipality, *, top)`` gives the codes of the municipality's ``top``
    priority areas, best first."""
    _priority_areas[:] = [provider]


def priority_area_codes(municipality, *, top: int) -> list[str]:
    return _priority_areas[0](municipality, top=top) if _priority_areas else []
