"""The weekly picture's printed map names its areas (issue 17, item 9)."""

from __future__ import annotations

from tests.factories import square
from trygg.situation.static_map import picture_map_svg


def test_the_printed_map_names_each_area_with_its_count_under_it():
    areas = [
        {"geometry": square(17.0, 62.0), "name": "Lugnt", "count": 0, "rise": False,
         "label_at": (17.005, 62.005)},
        {"geometry": square(17.01, 62.0), "name": "Torget", "count": 7, "rise": True,
         "label_at": (17.015, 62.005)},
        # Too small beside the others to carry a name: its name stays in the tooltip.
        {"geometry": square(17.02, 62.0, 0.0005), "name": "Gränden", "count": 1,
         "rise": False, "label_at": (17.02025, 62.00025)},
    ]  # fmt: skip
    svg = picture_map_svg(areas, [], title="Karta")
    labels = svg.split('class="area-labels"')[1]
    assert ">Lugnt</text>" in labels and ">Torget</text>" in labels and ">7</text>" in labels
    assert "Gränden" not in labels and "<title>Gränden: 1</title>" in svg
