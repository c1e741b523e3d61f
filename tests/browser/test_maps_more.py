"""The maps of the areas pages, the priority dashboard and an area's hexagons on the shared
map kit (core/map-kit.js), in the demo municipality: the configured tiles, districts drawn
over the areas, the highlighted area, the hexagons opening on the area's outline, and the
dashboard's layer switch with its legends. The weekly picture's map is in test_situation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_maps import TILE

pytestmark = pytest.mark.browser

# The map's shapes in the order they are drawn (the last on top): level or fill, and width.
SHAPES = """(id) => {
    const map = document.getElementById(id).trygg.map;
    const shapes = [];
    map.eachLayer((layer) => { if (layer.feature && layer._path) { shapes.push(layer); } });
    const paths = [...document.querySelectorAll('#' + id + ' .leaflet-overlay-pane path')];
    shapes.sort((a, b) => paths.indexOf(a._path) - paths.indexOf(b._path));
    return shapes.map((s) => ({
        id: s.feature.properties.id, level: s.feature.properties.level,
        fill: s.options.fill === false ? null : s.options.fillColor, weight: s.options.weight,
        properties: s.feature.properties,
    }));
}"""

TILES = """(id) => {
    let tiles = 0;
    document.getElementById(id).trygg.map.eachLayer((l) => { if (l instanceof L.TileLayer) tiles++; });
    return tiles;
}"""


def test_the_areas_maps_the_dashboard_and_the_hexagons(page, live_server, demo, settings, tmp_path):
    from trygg.analysis.pipeline import AnalysisParams
    from trygg.areas.models import Area, Municipality
    from trygg.reports.services import analysis_run_create

    settings.VAR_DIR = tmp_path / "var"
    # The dashboard shows the latest analysis; the demo build leaves that to the command.
    analysis_run_create(
        municipality=Municipality.objects.get(code="2281"),
        params=AnalysisParams(pdf=False, draws=100),
    )
    settings.TRYGG_MAP_TILES = {
        "url": f"{live_server.url}/test-tiles/{{z}}/{{x}}/{{y}}.png",
        "attribution": "Testkartan",
        "max_zoom": 18,
    }
    page.route("**/test-tiles/**", lambda route: route.fulfill(body=TILE, content_type="image/png"))
    sign_in(page, live_server.url, "samordnare", demo.password)
    page.wait_for_url(f"{live_server.url}/")

    # The list of areas: every area drawn on the tiles, the districts' borders on top.
    page.goto(f"{live_server.url}/areas/")
    page.wait_for_selector("#area-map[data-ready='true']")
    assert page.evaluate(TILES, "area-map") == 1
    assert "Testkartan" in page.inner_text("#area-map .leaflet-control-attribution")
    shapes = page.evaluate(SHAPES, "area-map")
    assert len(shapes) == Area.objects.count()
    levels = [s["level"] for s in shapes]
    assert "district" in levels and "area" in levels
    assert levels == sorted(levels, key=lambda level: level != "area")
    assert {s["fill"] for s in shapes if s["level"] == "district"} == {None}

    # An area's page: the area highlighted and in view; the hexagons open on its outline.
    nacksta = Area.objects.get(name="Nacksta")
    page.goto(f"{live_server.url}/areas/{nacksta.id}/")
    page.wait_for_selector("#area-map[data-ready='true']")
    page.wait_for_selector("#cells-map[data-ready='true']")
    highlighted = [s for s in page.evaluate(SHAPES, "area-map") if s["fill"] == "#e76f51"]
    assert [s["id"] for s in highlighted] == [nacksta.id]
    *cells, outline = page.evaluate(SHAPES, "cells-map")
    assert int(page.get_attribute("#cells-map", "data-cell-count")) == len(cells) > 0
    assert {s["weight"] for s in cells} == {0.5}
    assert (outline["id"], outline["weight"], outline["fill"]) == (nacksta.id, 3, None)
    # Both maps open on the area.
    assert page.evaluate(
        """() => {
            const a = document.getElementById('area-map').trygg.map.getCenter();
            const c = document.getElementById('cells-map').trygg.map.getCenter();
            return Math.abs(a.lat - c.lat) < 1e-6 && Math.abs(a.lng - c.lng) < 1e-6;
        }"""
    )

    # The dashboard: each layer of the switch colours the areas and shows its own legend.
    page.goto(f"{live_server.url}/reports/dashboard/")
    page.wait_for_selector("#priority-map[data-ready='true']")
    assert page.evaluate(TILES, "priority-map") == 1
    layers = page.eval_on_selector_all("#map-layer option", "options => options.map(o => o.value)")
    assert len(layers) > 1
    for layer in layers:
        page.select_option("#map-layer", layer)
        assert page.get_attribute("#priority-map", "data-layer") == layer
        shapes = page.evaluate(SHAPES, "priority-map")
        assert shapes and all(
            s["fill"] == (s["properties"].get(f"fill_{layer}") or "#ececec") for s in shapes
        )
        shown = page.eval_on_selector_all(
            "[data-legend]", "legends => legends.filter(l => !l.hidden).map(l => l.dataset.legend)"
        )
        assert shown == [layer]
    # A click on an area opens its page.
    page.evaluate(
        """(id) => document.getElementById('priority-map').trygg.map.eachLayer((layer) => {
            if (layer.feature && layer.feature.properties.id === id) { layer.fire('click'); }
        })""",
        nacksta.id,
    )
    page.wait_for_url(f"{live_server.url}/areas/{nacksta.id}/")
    assert page.errors == []
