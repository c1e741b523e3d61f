"""The map parts the page scripts share (core/map-kit.js) on the pages that use them: the
base map with a configured tile server, the area outlines and the first view, "Use my
position", a named place, and the marker of the picked place. The other browser tests tap
the maps; these cover what they do not: the phone's position, the maps of the moderation
queue and of one report, and a walk that opens on its areas."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.factories import (
    PASSWORD,
    AreaFactory,
    MunicipalityFactory,
    PlaceFactory,
    ResidentReportFactory,
    inside,
    square,
    user_in,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# A 1×1 transparent PNG: the tile server is the test's, not the internet's.
TILE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)

MARKERS = """(id) => {
    const map = document.getElementById(id).trygg.map;
    const found = [];
    map.eachLayer((layer) => {
        if (layer instanceof L.Marker) { found.push([layer.getLatLng().lat, layer.getLatLng().lng]); }
    });
    return found;
}"""

SHOWS = (
    """([id, lat, lon]) => document.getElementById(id).trygg.map.getBounds().contains([lat, lon])"""
)


@pytest.fixture
def world(transactional_db, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    municipality = MunicipalityFactory(code="2281", name="Sundsvall")
    nacksta = AreaFactory(municipality=municipality, name="Nacksta", geometry=square(17.0, 62.0))
    # Far enough from Nacksta that a view fitted to one does not show the other.
    skonsberg = AreaFactory(
        municipality=municipality, name="Skönsberg", geometry=square(17.3, 62.2)
    )
    return {
        "municipality": municipality,
        "nacksta": nacksta,
        "skonsberg": skonsberg,
        "coordinator": user_in(municipality),
        "place": PlaceFactory(municipality=municipality, name="Torget", lat=62.205, lon=17.305),
        # The phone is in Nacksta.
        "here": inside(nacksta)[::-1],
    }


def _phone(browser, world, *, gps=True):
    lat, lon = world["here"]
    options = {"viewport": PHONE, "locale": "sv-SE"}
    if gps:
        options.update(geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"])
    context = browser.new_context(**options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return context, page, errors


def test_a_resident_uses_the_phones_position_then_picks_an_area(
    browser, live_server, world, settings
):
    settings.TRYGG_MAP_TILES = {
        "url": f"{live_server.url}/test-tiles/{{z}}/{{x}}/{{y}}.png",
        "attribution": "Testkartan",
        "max_zoom": 18,
    }
    context, page, errors = _phone(browser, world)
    page.route("**/test-tiles/**", lambda route: route.fulfill(body=TILE, content_type="image/png"))
    page.goto(f"{live_server.url}/trygghet/2281/")
    page.wait_for_selector("#resident-map[data-ready='true']")
    assert page.locator("#resident-map .leaflet-tile-pane img").count() > 0
    assert "Testkartan" in page.inner_text("#resident-map .leaflet-control-attribution")
    assert page.locator("#resident-map path.leaflet-interactive").count() == 2

    page.click("#use-position")
    page.wait_for_selector("#resident-status.ok")
    lat, lon = world["here"]
    assert page.input_value("#id_lat") == f"{lat:.6f}"
    assert page.input_value("#id_lon") == f"{lon:.6f}"
    assert page.evaluate(MARKERS, "resident-map") == [[lat, lon]]
    assert page.evaluate("document.getElementById('resident-map').trygg.map.getZoom()") >= 15

    # An area from the list replaces the marked point.
    page.select_option("#id_area", str(world["skonsberg"].pk))
    assert page.input_value("#id_lat") == "" and page.input_value("#id_lon") == ""
    assert page.evaluate(MARKERS, "resident-map") == []
    assert page.inner_text("#where-summary") == "Skönsberg"
    assert errors == [], errors
    context.close()


def test_an_observation_by_position_or_by_a_named_place(browser, live_server, world):
    context, page, errors = _phone(browser, world)
    sign_in(page, live_server.url, world["coordinator"].username, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/situation/report/")
    page.wait_for_selector("#report-map[data-ready='true']")
    # No tile server configured: the areas on a plain background.
    assert page.locator("#report-map .leaflet-tile-pane img").count() == 0

    page.click("#use-position")
    page.wait_for_selector("#report-status.ok")
    lat, lon = world["here"]
    assert page.inner_text("#where-summary") == f"{lat:.6f}, {lon:.6f}"
    assert page.evaluate(MARKERS, "report-map") == [[lat, lon]]

    # A named place is sent by its id: the fields empty, the one marker moves there.
    place = world["place"]
    page.select_option("#report-form [name=place]", str(place.pk))
    assert page.input_value("#report-form [name=lat]") == ""
    assert page.evaluate(MARKERS, "report-map") == [[place.lat, place.lon]]
    assert page.evaluate("document.getElementById('report-map').trygg.map.getZoom()") >= 14
    assert page.inner_text("#where-summary") == "Torget"
    assert errors == [], errors
    context.close()

    # Without the phone's position the form says so, and nothing is marked.
    context, page, errors = _phone(browser, world, gps=False)
    sign_in(page, live_server.url, world["coordinator"].username, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/situation/report/")
    page.wait_for_selector("#report-map[data-ready='true']")
    page.click("#use-position")
    page.wait_for_selector("#report-status.error")
    assert page.evaluate(MARKERS, "report-map") == []
    assert errors == [], errors
    context.close()


def test_the_moderation_maps_and_a_walk_that_opens_on_its_areas(browser, live_server, world):
    from trygg.residents.services import walk_create

    reports = [
        ResidentReportFactory(area=world["nacksta"]),
        ResidentReportFactory(area=world["skonsberg"]),
    ]
    walk = walk_create(
        actor=world["coordinator"], title="Kvällsvandring", areas=[world["skonsberg"]]
    )
    context, page, errors = _phone(browser, world)
    sign_in(page, live_server.url, world["coordinator"].username, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/residents/")
    page.wait_for_selector("#queue-map[data-ready='true']")
    assert sorted(page.evaluate(MARKERS, "queue-map")) == sorted([r.lat, r.lon] for r in reports)
    assert page.locator("#queue-map path.leaflet-interactive").count() == 2

    report = reports[0]
    page.goto(f"{live_server.url}/residents/reports/{report.public_id}/")
    page.wait_for_selector("#report-map[data-ready='true']")
    assert page.evaluate(MARKERS, "report-map") == [[report.lat, report.lon]]
    assert page.evaluate("document.getElementById('report-map').trygg.map.getZoom()") == 15

    # A new walk opens on its own area, not on the whole municipality.
    page.goto(f"{live_server.url}/residents/walks/{walk.public_id}/")
    page.wait_for_selector("#walk-map[data-ready='true']")
    skonsberg, nacksta = inside(world["skonsberg"]), inside(world["nacksta"])
    assert page.evaluate(SHOWS, ["walk-map", skonsberg[1], skonsberg[0]])
    assert not page.evaluate(SHOWS, ["walk-map", nacksta[1], nacksta[0]])
    # The place of a point from the phone's position.
    page.click("#point-here")
    lat, lon = world["here"]
    page.wait_for_function(
        "(text) => document.getElementById('point-where').textContent === text",
        arg=f"{lat:.6f}, {lon:.6f}",
    )
    assert page.evaluate(MARKERS, "walk-map") == [[lat, lon]]
    assert errors == [], errors
    context.close()
