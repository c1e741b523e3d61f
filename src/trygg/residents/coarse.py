"""Where the public map puts a report: never the marked point itself.

Two ways, chosen by ``TRYGG_RESIDENT_PUBLIC_POSITION``:

* ``grid`` (default): the centre of the square of ``TRYGG_RESIDENT_PUBLIC_GRID_METRES``
  (250 m) that holds the point. Every point of a square shows at the same place, so a
  public position tells the square and nothing finer.
* ``place``: the centre and name of the report's area (the nearest named place Trygg knows).

A report given by area alone always shows at its area's centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings

#: Metres in one degree of latitude (and of longitude at the equator).
METRES_PER_DEGREE = 111_320.0
GRID_DEFAULT = 250
MODES = ("grid", "place")


@dataclass(frozen=True)
class PublicPosition:
    lat: float
    lon: float
    place: str


def grid_metres() -> int:
    return max(int(getattr(settings, "TRYGG_RESIDENT_PUBLIC_GRID_METRES", GRID_DEFAULT)), 50)


def position_mode() -> str:
    mode = getattr(settings, "TRYGG_RESIDENT_PUBLIC_POSITION", "grid")
    return mode if mode in MODES else "grid"


def snap_to_grid(lat: float, lon: float, metres: float) -> tuple[float, float]:
    """The centre of the grid square of side ``metres`` that holds the point. Rows are
    ``metres`` of latitude; a row's squares are ``metres`` wide at the row's centre line."""
    step_lat = metres / METRES_PER_DEGREE
    row = math.floor(lat / step_lat)
    centre_lat = (row + 0.5) * step_lat
    step_lon = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(centre_lat)), 0.01))
    column = math.floor(lon / step_lon)
    return centre_lat, (column + 0.5) * step_lon


def public_position(report) -> PublicPosition | None:
    """The report's position as the public may see it, or None (no point and no area)."""
    area = report.area
    place = area.name if area is not None else ""
    if report.lat is not None and (position_mode() == "grid" or area is None):
        lat, lon = snap_to_grid(report.lat, report.lon, grid_metres())
        return PublicPosition(lat=round(lat, 6), lon=round(lon, 6), place=place)
    if area is not None:
        return PublicPosition(
            lat=round(area.centroid_lat, 6), lon=round(area.centroid_lon, 6), place=place
        )
    return None
