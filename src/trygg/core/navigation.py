"""The menu and the start page, filled by the apps that own the pages.

core is the lowest layer and imports no feature app: each app registers its menu entries
and its part of the start page in its ``AppConfig.ready``; the context processor and the
start page read what was registered. The public start page (for visitors who are not
signed in) is filled the same way: one app names the municipalities of the install, and
each app that has a page for residents registers a link with the test of whether it
applies to a municipality now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


@dataclass(frozen=True)
class PublicLink:
    key: str
    label: str  # lazily translated
    description: str  # lazily translated: one plain sentence under the link
    url: Callable[[object], str]  # municipality -> the page's address
    applies: Callable[[object], bool]  # municipality -> is the page open to residents now?
    order: int


_menu: dict[str, MenuEntry] = {}
_start_page: dict[str, Callable[[object], dict]] = {}
_public_links: dict[str, PublicLink] = {}
_public_municipalities: list[Callable[[], Iterable]] = []


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


def register_public_municipalities(provider: Callable[[], Iterable]) -> None:
    """``provider()`` gives the municipalities of the install (objects with ``code`` and
    ``name``), in the order the public start page lists them."""
    _public_municipalities[:] = [provider]


def register_public_link(
    *,
    key: str,
    label,
    description,
    url: Callable[[object], str],
    applies: Callable[[object], bool],
    order: int,
) -> None:
    # Keyed, so that registering again (a second ready()) replaces.
    _public_links[key] = PublicLink(
        key=key, label=label, description=description, url=url, applies=applies, order=order
    )


def public_municipalities() -> list:
    return [m for provider in _public_municipalities for m in provider()]


def public_links_for(municipality) -> list[dict]:
    """The public pages that are open for a municipality now, in the registered order."""
    return [
        {
            "key": link.key,
            "label": link.label,
            "description": link.description,
            "url": link.url(municipality),
        }
        for link in sorted(_public_links.values(), key=lambda link: link.order)
        if link.applies(municipality)
    ]
