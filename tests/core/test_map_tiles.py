"""The base map setting (TRYGG_MAP_TILES, docs/configuration.md "Base map"): the template
reaches the maps, its origin the content security policy, and the demo says on the map
when there is none (issue 17, item 9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.factories import MunicipalityFactory, user_in
from trygg.settings.base import tile_origin


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://karta.kommun.se/{z}/{x}/{y}.png", "https://karta.kommun.se"),
        ("https://{s}.tiles.example.se/topo/{z}/{x}/{y}.png", "https://*.tiles.example.se"),
        (
            "https://api.lantmateriet.se/open/topowebb-ccby/v1/wmts/token/K/1.0.0/topowebb/"
            "default/3857/{z}/{y}/{x}.png",
            "https://api.lantmateriet.se",
        ),
        ("/karta/{z}/{x}/{y}.png", None),  # served by Trygg's own host: 'self'
        ("", None),
        ("javascript:alert(1)", None),
    ],
)
def test_the_tile_origin_for_the_csp(url, origin):
    assert tile_origin(url) == origin


def test_the_configured_tile_host_is_allowed_for_images_only():
    env = {
        **os.environ,
        "TRYGG_MAP_TILE_URL": "https://karta.kommun.se/{z}/{x}/{y}.png",
        "TRYGG_MAP_TILE_MAX_ZOOM": "15",
    }
    code = (
        "import json; from trygg.settings import base as b; "
        "print(json.dumps({k: [str(v) for v in vs] for k, vs in b.SECURE_CSP.items()} "
        "| {'tiles': b.TRYGG_MAP_TILES}))"
    )
    out = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout
    )
    assert "https://karta.kommun.se" in out["img-src"]
    assert not any(
        "karta" in v for k, vs in out.items() if k not in ("img-src", "tiles") for v in vs
    )
    assert out["tiles"]["max_zoom"] == 15


@pytest.mark.django_db
def test_the_maps_get_the_tiles_or_the_demo_note(client, settings):
    client.force_login(user_in(MunicipalityFactory()))
    settings.TRYGG_MAP_TILES = {
        "url": "https://karta.kommun.se/{z}/{x}/{y}.png",
        "attribution": "© Kommunen",
        "max_zoom": 16,
    }
    html = client.get("/").content.decode()
    assert 'data-tile-url="https://karta.kommun.se/{z}/{x}/{y}.png"' in html
    assert 'data-tile-max-zoom="16"' in html and "data-no-tiles-note" not in html

    settings.TRYGG_MAP_TILES = {"url": "", "attribution": "", "max_zoom": 18}
    settings.TRYGG_DEMO_MODE = False
    html = client.get("/").content.decode()
    assert "data-tile-url" not in html and "data-no-tiles-note" not in html

    settings.TRYGG_DEMO_MODE = True
    html = client.get("/").content.decode()
    assert 'data-no-tiles-note="Ingen bakgrundskarta är inställd"' in html
    assert 'data-no-tiles-help="/static/core/docs/base-map.html"' in html
