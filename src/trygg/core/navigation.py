"""The menu and the start page, filled by the apps that own the pages.

core is the lowest layer and imports no feature app: each app registers its menu entries
and its part of the start page in its ``AppConfig.ready``; the context processor and the
start page read what was registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


def _always(user) -> bool:
    return True


@dataclass(frozen=True)
class MenuEntry:
    name: str  # the entry's key in the template (the highlighted section)
    label: str  # lazily translated
    url_name: str
    order: int  # entries appear by this number, whichever app registered first
    visible: Callable[[object], bool] = _always  # user -> may the user open the page?


_menu: dict[str, MenuEntry] = {}
_start_page: dict[str, Callable[[object], dict]] = {}


def register_menu_entry(
    *,
    name: str,
    label,
    url_name: str,
    order: int,
    visible: Callable[[object], bool] = _always,
) -> None:
    # Keyed by the URL, so that registering again (a second ready()) replaces.
    _menu[url_name] = MenuEntry(
        name=name, label=label, url_name=url_name, order=order, visible=visible
    )


def register_start_page(*, key: str, context: Callable[[object], dict]) -> None:
    """``context(request)`` gives variables for the start page's template."""
    _start_page[key] = context


def navigation_for(user) -> list[dict]:
    """The menu a user sees: only what the user's role can open."""
    if not user.is_authenticated:
        return []
    return [
        {"url": reverse(entry.url_name), "label": entry.label, "name": entry.name}
        for entry in sorted(_menu.values(), key=lambda entry: entry.order)
        if entry.visible(user)
    ]


def start_page_context(request) -> dict:
    context: dict = {}
    for provider in _start_page.values():
        context.update(provider(request))
    return context
