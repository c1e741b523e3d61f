"""An area's name is text on every map: a name written as HTML shows as those characters in
the tooltip and never becomes an element or runs a script (core/map-kit.js builds every
tooltip from text)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.factories import (
    PASSWORD,
    AreaFactory,
    MunicipalityFactory,
    ObservationFactory,
    SafetyGroupFactory,
    square,
    user_in,
)
from trygg.accounts.roles import Role

pytestmark = pytest.mark.browser

EVIL = "<img src=x onerror=window.__pwned=1>"

# Every tooltip of every map on the page, opened: its text, and whether it holds any element.
TOOLTIPS = """() => {
    const found = [];
    [...document.querySelectorAll("div")].filter((e) => e.trygg).forEach((element) => {
        element.trygg.map.eachLayer((layer) => {
            if (!layer.getTooltip || !layer.getTooltip()) { return; }
            layer.openTooltip();
            const tip = layer.getTooltip().getElement();
            found.push({ text: tip.textContent, images: tip.querySelectorAll("img").length });
        });
    });
    return found;
}"""
MAP_READY = """() => [...document.querySelectorAll("div")].some((e) => e.trygg)"""


@pytest.fixture
def world(transactional_db, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    municipality = MunicipalityFactory(code="2281", name="Sundsvall")
    evil = AreaFactory(municipality=municipality, name=EVIL, geometry=square(17.3, 62.39))
    AreaFactory(municipality=municipality, name="Haga", geometry=square(17.32, 62.39))
    group = SafetyGroupFactory(municipality=municipality)
    group.areas.add(evil)
    ObservationFactory(area=evil, group=group)
    return {"municipality": municipality, "evil": evil, "user": user_in(municipality)}


def _tooltips_are_text(page, url: str) -> list[dict]:
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_function(MAP_READY, timeout=10000)
    tips = page.evaluate(TOOLTIPS)
    page.wait_for_timeout(300)  # an injected image would have failed to load by now
    assert any(EVIL in tip["text"] for tip in tips), (url, tips)
    assert all(tip["images"] == 0 for tip in tips), (url, tips)
    assert page.evaluate("typeof window.__pwned") == "undefined", url
    return tips


def test_an_area_named_as_html_shows_as_text_on_every_map(page, live_server, world):
    from trygg.analysis.situation import week_of

    code = world["municipality"].code
    # The residents' public form, anonymously.
    _tooltips_are_text(page, f"{live_server.url}/trygghet/{code}/")
    sign_in(page, live_server.url, world["user"].username, PASSWORD)
    week = week_of(world["evil"].observations.get().observed_at)
    for path in (
        "/areas/",
        f"/areas/{world['evil'].pk}/",
        "/situation/report/",
        f"/situation/municipality/{code}/{week}/",
    ):
        _tooltips_are_text(page, f"{live_server.url}{path}")
    assert page.errors == [], page.errors


def test_the_role_of_the_user_does_not_matter_to_the_escaping(page, live_server, world):
    """A group member sees the same areas through the phone form's map."""
    member = user_in(world["municipality"], role=Role.GROUP_MEMBER)
    sign_in(page, live_server.url, member.username, PASSWORD)
    _tooltips_are_text(page, f"{live_server.url}/situation/report/")
