"""What an area's page shows beyond the area itself, filled by the apps that own it.

areas sits below the feature apps and imports none: an app that has something to say about
an area (reports: the analysis, operations and promises) registers a context provider in its
``AppConfig.ready``, and the area page merges what they give.
"""

from __future__ import annotations

from collections.abc import Callable

_area_page: dict[str, Callable[..., dict]] = {}


def register_area_page(*, key: str, context: Callable[..., dict]) -> None:
    """``context(request, area=area)`` gives variables for the area page's template."""
    _area_page[key] = context


def area_page_context(request, *, area) -> dict:
    context: dict = {}
    for provider in _area_page.values():
        context.update(provider(request, area=area))
    return context
