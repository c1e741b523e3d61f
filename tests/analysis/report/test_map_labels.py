"""Area names on the static maps (issue 17, item 9): written where they fit, never on top
of each other, the larger areas first, and escaped."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from trygg.analysis.report import charts
from trygg.analysis.report.labels import LabelCandidate, labels_svg, place_labels


def _boxes(placed, font_size):
    out = []
    for label in placed:
        width = max(len(label.text), len(label.sub)) * font_size * 0.6
        height = font_size * 1.2 * (2 if label.sub else 1)
        out.append(
            (label.x - width / 2, label.y - height / 2, label.x + width / 2, label.y + height / 2)
        )
    return out


candidates = st.lists(
    st.builds(
        LabelCandidate,
        text=st.text(alphabet="abcåäö ", min_size=1, max_size=14),
        x=st.floats(0, 300),
        y=st.floats(0, 300),
        room_w=st.floats(0, 200),
        room_h=st.floats(0, 100),
        sub=st.sampled_from(["", "3", "12"]),
    ),
    max_size=30,
)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(candidates)
def test_placed_labels_fit_their_area_and_never_overlap(items):
    placed = place_labels(items, font_size=9)
    boxes = _boxes(placed, 9)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    rooms = {(c.text, c.x, c.y): c for c in items}
    for label in placed:
        c = rooms[(label.text, label.x, label.y)]
        assert len(label.text) * 9 * 0.6 <= c.room_w


def test_the_larger_area_keeps_its_name_where_two_would_overlap():
    small = LabelCandidate("Centrum", 100, 100, room_w=60, room_h=20)
    large = LabelCandidate("Landsbygden", 105, 102, room_w=200, room_h=150)
    assert [p.text for p in place_labels([small, large], font_size=9)] == ["Landsbygden"]


def test_labels_are_escaped_and_carry_their_second_line():
    svg = labels_svg(
        place_labels([LabelCandidate("<Torg & co>", 50, 50, 200, 100, sub="7")], font_size=9),
        font_size=9,
        font_family="DejaVu Sans",
    )
    assert "&lt;Torg &amp; co&gt;</text>" in svg and "<Torg" not in svg
    assert ">7</text>" in svg


def test_the_report_maps_name_their_areas():
    areas = [
        charts.MapArea(
            f"A{i}", box(17 + i * 0.1, 62, 17.1 + i * 0.1, 62.1), "1", name=f"Område {i}"
        )
        for i in range(3)
    ]
    classes = [charts.ColourClass("1", "#fdae61", "1")]
    svg = charts.choropleth(areas, classes, title="Karta")
    names = re.findall(r'<g class="area-labels".*?</g>', svg)
    assert names and all(f"Område {i}</text>" in names[0] for i in range(3))
