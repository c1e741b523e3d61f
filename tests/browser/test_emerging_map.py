"""In Chromium: the dashboard's hexagon layers (hot spots and emerging hot spots on the H3
grid) over the areas' outlines, with their legends, labels as text and the table view."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_maps_more import SHAPES

pytestmark = pytest.mark.browser


def test_the_dashboard_draws_the_grid_layers_over_the_areas(
    page, live_server, demo, settings, tmp_path
):
    from trygg.analysis.pipeline import AnalysisParams
    from trygg.areas.models import Municipality
    from trygg.demo.services import DEMO_H3_RESOLUTION
    from trygg.reports.services import analysis_run_create

    settings.VAR_DIR = tmp_path / "var"
    analysis_run_create(
        municipality=Municipality.objects.get(code="2281"),
        params=AnalysisParams(pdf=False, draws=100, h3_resolution=DEMO_H3_RESOLUTION),
    )
    sign_in(page, live_server.url, "samordnare", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/reports/dashboard/")
    page.wait_for_selector("#priority-map[data-ready='true']")
    layers = page.eval_on_selector_all("#map-layer option", "options => options.map(o => o.value)")
    assert {"emerging", "h3_hotspots", "h3_emerging"} <= set(layers)

    for layer in ("h3_hotspots", "h3_emerging"):
        page.select_option("#map-layer", layer)
        shapes = page.evaluate(SHAPES, "priority-map")
        cells = [s for s in shapes if "cell" in s["properties"]]
        areas = [s for s in shapes if "cell" not in s["properties"]]
        drawn = [s for s in cells if s["fill"] is not None]
        assert drawn, layer
        assert all(s["fill"] == s["properties"][f"fill_{layer}"] for s in drawn)
        # The hexagons lie on top of the areas, which keep only a faint fill.
        assert shapes.index(drawn[0]) > shapes.index(areas[-1])
        shown = page.eval_on_selector_all(
            "[data-legend]", "legends => legends.filter(l => !l.hidden).map(l => l.dataset.legend)"
        )
        assert shown == [layer]
        # Hovering a hexagon names its area and class in words (not only a colour).
        label = drawn[0]["properties"][f"label_{layer}"]
        tip = page.evaluate(
            """([cell, layer]) => {
                let text = null;
                document.getElementById('priority-map').trygg.map.eachLayer((l) => {
                    if (l.feature && l.feature.properties.cell === cell) {
                        l.openTooltip(); text = l.getTooltip().getElement().textContent;
                    }
                });
                return text;
            }""",
            [drawn[0]["properties"]["cell"], layer],
        )
        assert tip == label

    # Back to an area layer: the hexagons go away.
    page.select_option("#map-layer", "rank")
    assert not [s for s in page.evaluate(SHAPES, "priority-map") if "cell" in s["properties"]]
    page.click("text=Sexkantsrutnätet som tabell")
    assert page.locator("table.cells-table tbody tr").count() > 0
    assert page.errors == []
