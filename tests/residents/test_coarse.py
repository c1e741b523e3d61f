"""The public map never shows a marked point: positions snap to the centre of a grid square
(or the area's centre). Generated points check that a shown position is always a square's
centre, the same for every point of the square, and never farther than half its diagonal."""

from __future__ import annotations

import math
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from trygg.residents.coarse import METRES_PER_DEGREE, public_position, snap_to_grid
from trygg.residents.geo import distance_metres

# Sweden, and a margin.
lats = st.floats(min_value=54.0, max_value=70.0, allow_nan=False)
lons = st.floats(min_value=10.0, max_value=25.0, allow_nan=False)
sizes = st.sampled_from([100, 250, 500, 1000])
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)


@SETTINGS
@given(lat=lats, lon=lons, metres=sizes)
def test_a_shown_position_is_always_the_centre_of_a_grid_square(lat, lon, metres):
    slat, slon = snap_to_grid(lat, lon, metres)
    step_lat = metres / METRES_PER_DEGREE
    row = slat / step_lat - 0.5
    assert abs(row - round(row)) < 1e-6
    step_lon = metres / (METRES_PER_DEGREE * math.cos(math.radians(slat)))
    column = slon / step_lon - 0.5
    assert abs(column - round(column)) < 1e-6
    # Snapping the shown position again gives itself: it holds no trace of the marked point.
    assert snap_to_grid(slat, slon, metres) == (slat, slon)


@SETTINGS
@given(lat=lats, lon=lons, metres=sizes)
def test_a_shown_position_lies_within_half_a_square_diagonal(lat, lon, metres):
    slat, slon = snap_to_grid(lat, lon, metres)
    # Half the diagonal, and 1 % for the sphere.
    assert distance_metres(lat, lon, slat, slon) <= metres * math.sqrt(2) / 2 * 1.01


@SETTINGS
@given(
    lat=lats,
    lon=lons,
    metres=sizes,
    dx=st.floats(min_value=0.05, max_value=0.95),
    dy=st.floats(min_value=0.05, max_value=0.95),
)
def test_every_point_of_a_square_shows_at_the_same_place(lat, lon, metres, dx, dy):
    slat, slon = snap_to_grid(lat, lon, metres)
    step_lat = metres / METRES_PER_DEGREE
    step_lon = metres / (METRES_PER_DEGREE * math.cos(math.radians(slat)))
    # Another point of the same square, anywhere inside it.
    other = (slat - step_lat / 2 + dy * step_lat, slon - step_lon / 2 + dx * step_lon)
    assert snap_to_grid(*other, metres) == (slat, slon)


def test_the_place_setting_shows_the_area_centre_and_name(settings):
    area = SimpleNamespace(name="Nacksta", centroid_lat=62.38, centroid_lon=17.25)
    report = SimpleNamespace(lat=62.391234, lon=17.301234, area=area)
    settings.TRYGG_RESIDENT_PUBLIC_POSITION = "place"
    shown = public_position(report)
    assert (shown.lat, shown.lon, shown.place) == (62.38, 17.25, "Nacksta")
    settings.TRYGG_RESIDENT_PUBLIC_POSITION = "grid"
    settings.TRYGG_RESIDENT_PUBLIC_GRID_METRES = 250
    shown = public_position(report)
    assert (shown.lat, shown.lon) != (report.lat, report.lon)
    assert shown.place == "Nacksta"
    # A report given by area alone shows at the area's centre in either setting.
    assert public_position(SimpleNamespace(lat=None, lon=None, area=area)).lat == 62.38
