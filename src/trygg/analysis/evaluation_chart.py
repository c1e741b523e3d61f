"""The evaluation chart: weekly lines of the operation areas and the comparison areas, with
the periods before, during and after shaded. A plain SVG string in the style of
:mod:`trygg.analysis.report.charts` (no JavaScript, prints in greyscale).

The texts (title, legend, period names) come from the caller, already translated; the
chart carries them as ``<title>``/``<desc>`` for screen readers, and the page shows the
same numbers as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

import numpy as np

from .report.charts import FONT, LINE_COLOURS, _empty_svg, _fmt, _nice_ticks

#: Shades of the periods: before unshaded, during darker than after.
PERIOD_FILL = {"before": None, "during": "#bdbdbd", "after": "#e5e5e5"}
DASHES = ("", "6 4")


@dataclass(frozen=True)
class PeriodBand:
    key: str  # before, during or after
    label: str
    first: date  # Monday of the first week
    last: date  # Monday of the last week


def period_chart(
    weeks: Sequence[date],
    lines: Sequence[tuple[str, Sequence[float | None]]],
    *,
    periods: Sequence[PeriodBand],
    title: str,
    description: str = "",
    y_label: str = "",
    no_data: str = "No data",
    lang: str = "sv",
    chart_id: str = "period-chart",
    width: int = 680,
    height: int = 300,
) -> str:
    """``lines``: ``(label, one value per week)``; None (or NaN) leaves a gap. ``chart_id``
    prefixes the ids of the title and description (unique per page)."""
    values = [float(v) for _, vs in lines for v in vs if v is not None and np.isfinite(float(v))]
    if not weeks or not values:
        return _empty_svg(width, height, no_data)
    ticks = _nice_ticks(0.0, max(values))
    lo, hi = ticks[0], ticks[-1]
    left, right, top, bottom = 56, 16, 40, 62
    pw, ph = width - left - right, height - top - bottom
    n = len(weeks)
    index = {w: i for i, w in enumerate(weeks)}
    step = pw / n

    def x(i: float) -> float:
        return left + (i + 0.5) * step

    def y(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart periods" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<text x="8" y="18" style="{FONT};font-size:14px;font-weight:bold">'
        f"{escape(title)}</text>"
    ]
    for band in periods:
        if band.first not in index and band.last not in index:
            continue
        i0 = index.get(band.first, 0)
        i1 = index.get(band.last, n - 1)
        fill = PERIOD_FILL.get(band.key)
        if fill:
            out.append(
                f'<rect x="{left + i0 * step:.1f}" y="{top}" width="{(i1 - i0 + 1) * step:.1f}" '
                f'height="{ph}" fill="{fill}" fill-opacity="0.6"/>'
            )
        out.append(
            f'<text x="{left + (i0 + i1 + 1) / 2 * step:.1f}" y="{top - 6}" '
            f'text-anchor="middle" style="{FONT};font-size:11px">{escape(band.label)}</text>'
            f'<text x="{left + i0 * step:.1f}" y="{top + ph + 16}" text-anchor="start" '
            f'style="{FONT};font-size:10px">{band.first.isoformat()}</text>'
        )
    for tv in ticks:
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y(tv):.1f}" y2="{y(tv):.1f}" '
            'stroke="#ccc" stroke-width="0.6"/>'
            f'<text x="{left - 6}" y="{y(tv) + 4:.1f}" text-anchor="end" '
            f'style="{FONT};font-size:11px">{_fmt(tv, lang, 0)}</text>'
        )
    if y_label:
        mid = top + ph / 2
        out.append(
            f'<text x="12" y="{mid:.1f}" transform="rotate(-90 12 {mid:.1f})" '
            f'text-anchor="middle" style="{FONT};font-size:11px">{escape(y_label)}</text>'
        )
    legend_y = height - 14
    for k, (label, vs) in enumerate(lines):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        dash = DASHES[k % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[str]] = [[]]
        for i, v in enumerate(vs):
            if v is None or not np.isfinite(float(v)):
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(float(v)):.1f}")
        for run in runs:
            if len(run) >= 2:
                out.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash_attr}/>'
                )
            elif len(run) == 1:
                cx, cy = run[0].split(",")
                out.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
        lx = left + k * 220
        out.append(
            f'<line x1="{lx}" x2="{lx + 24}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
            f'<text x="{lx + 30}" y="{legend_y}" style="{FONT};font-size:11px">'
            f"{escape(label)}</text>"
        )
    out.append("</svg>")
    return "".join(out)
