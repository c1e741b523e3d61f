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
    section: str = ""  # a registered MenuSection's key; "" for an entry of its own


@dataclass(frozen=True)
class MenuSection:
    key: str
    label: str  # lazily translated; the section stands where its first entry would


@dataclass(frozen=True)
class StartBlock:
    """One part of the signed-in start page: its template gets ``block`` (what ``context``
    returned) and is shown to users for whom ``visible(user)`` holds, by ``order``."""

    key: str
    template: str
    order: int
    visible: Callable[[object], bool]
    context: Callable[[object], dict]  # request -> the template's ``block``


@dataclass(frozen=True)
class PublicLink:
    key: str
    label: str  # lazily translated
    description: str  # lazily translated: one plain sentence under the link
    url: Callable[[object], str]  # municipality -> the page's address
    applies: Callable[[object], bool]  # municipality -> is the page open to residents now?
    order: int


_menu: dict[str, MenuEntry] = {}
_sections: dict[str, MenuSection] = {}
_start_blocks: dict[str, StartBlock] = {}
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
    section: str = "",
) -> None:
    # Keyed by the URL, so that registering again (a second ready()) replaces.
    _menu[url_name] = MenuEntry(
        name=name, label=label, url_name=url_name, order=order, visible=visible, section=section
    )


def register_menu_section(*, key: str, label) -> None:
    """A heading that gathers entries (``section=key``) under one button, so that a long
    menu fits one line on a desk and a few on a phone."""
    _sections[key] = MenuSection(key=key, label=label)


def register_start_block(
    *,
    key: str,
    template: str,
    order: int,
    visible: Callable[[object], bool],
    context: Callable[[object], dict],
) -> None:
    # Keyed, so that registering again (a second ready()) replaces.
    _start_blocks[key] = StartBlock(
        key=key, template=template, order=order, visible=visible, context=context
    )


def register_start_page(*, key: str, context: Callable[[object], dict]) -> None:
    """``context(request)`` gives variables for the start page's template."""
    _start_page[key] = context


def navigation_for(user) -> list[dict]:
    """The menu a user sees: only what the user's role can open."""
    if not user.is_authenticated:
        return []
    return [
        {
            "url": reverse(entry.url_name),
            "label": entry.label,
            "name": entry.name,
            "section": entry.section,
        }
        for entry in sorted(_menu.values(), key=lambda entry: entry.order)
        if entry.visible(user)
    ]


def menu_for(user) -> list[dict]:
    """:func:`navigation_for` with the entries of a section gathered where the section's
    first entry stands: ``{"section": key, "label": ..., "entries": [...]}``. A section with
    one entry the user can open is that entry alone (a button for one link is a detour)."""
    items = navigation_for(user)
    by_section: dict[str, list[dict]] = {}
    for item in items:
        if item["section"] in _sections:
            by_section.setdefault(item["section"], []).append(item)
    menu: list[dict] = []
    for item in items:
        members = by_section.get(item["section"])
        if not members or len(members) == 1:
            menu.append(item)
        elif members[0] is item:
            section = _sections[item["section"]]
            menu.append(
                {
                    "section": section.key,
                    "label": section.label,
                    "entries": members,
                    "name": section.key,
                    "names": [member["name"] for member in members],
                }
            )
    return menu


def start_page_context(request) -> dict:
    context: dict = {}
    for provider in _start_page.values():
        context.update(provider(request))
    context["start_blocks"] = start_blocks_for(request)
    return context


def start_blocks_for(request) -> list[dict]:
    """The blocks of the start page that the user's capabilities allow, in order, each
    with its template and its own context (``block`` in the template)."""
    return [
        {"key": block.key, "template": block.template, "block": block.context(request)}
        for block in _start_blocks_of(request.user)
    ]


def start_block_keys_for(user) -> list[str]:
    """The keys of the start page's blocks a user gets, in order (without computing them)."""
    return [block.key for block in _start_blocks_of(user)]


def _start_blocks_of(user) -> list[StartBlock]:
    if not user.is_authenticated:
        return []
    return [
        block
        for block in sorted(_start_blocks.values(), key=lambda block: (block.order, block.key))
        if block.visible(user)
    ]


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
