"""Writers of SCB's population files as PX-Web gives them (JSON-stat 2.0 and its CSV
export), for the tests: synthetic counts, the documented layouts (docs/formats.md)."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

SEX_LABELS = {"1": "män", "2": "kvinnor"}


def jsonstat(
    path: Path,
    counts: dict[tuple[str, str, str, str], int | None],
    *,
    regions: list[str],
    ages: list[str],
    years: list[str],
    sparse: bool = False,
) -> Path:
    """A table "Folkmängden per region efter ålder och kön" with the dimensions in SCB's
    order (Region, Alder, Kon, ContentsCode, Tid); ``counts`` keyed (region, age, sex, year)."""
    sexes = ["1", "2"]
    values = [counts.get((r, a, s, y), 0) for r, a, s, y in product(regions, ages, sexes, years)]
    data = {
        "version": "2.0",
        "class": "dataset",
        "label": "Folkmängden per region efter ålder och kön. År 2024",
        "source": "SCB",
        "updated": "2025-03-20T08:00:00Z",
        "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
        "size": [len(regions), len(ages), 2, 1, len(years)],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "dimension": {
            "Region": {"label": "region", "category": {
                "index": {r: k for k, r in enumerate(regions)},
                "label": {r: r.split("_")[0] for r in regions}}},
            "Alder": {"label": "ålder", "category": {
                "index": {a: k for k, a in enumerate(ages)},
                "label": {a: f"{a} år" for a in ages}}},
            "Kon": {"label": "kön", "category": {
                "index": {"1": 0, "2": 1}, "label": SEX_LABELS}},
            "ContentsCode": {"label": "tabellinnehåll", "category": {
                "index": {"000007Y3": 0}, "label": {"000007Y3": "Folkmängd"},
                "unit": {"000007Y3": {"base": "antal", "decimals": 0}}}},
            "Tid": {"label": "år", "category": {
                "index": {y: k for k, y in enumerate(years)}, "label": {y: y for y in years}}},
        },
        "value": {str(k): v for k, v in enumerate(values) if v} if sparse else values,
    }  # fmt: skip
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def px_csv(
    path: Path,
    counts: dict[tuple[str, str, str, str], int | str],
    *,
    regions: list[str],
    ages: list[str],
    years: list[str],
    encoding: str = "latin-1",
    delimiter: str = ",",
) -> Path:
    """PX-Web's CSV export ("Kommaavgränsad med rubrikrad"): one row per region × age ×
    sex, a column per year; region as "code name", age as "N år", sex as "män"/"kvinnor"."""
    q = '"{}"'.format
    lines = [delimiter.join([q("region"), q("ålder"), q("kön"), *(q(y) for y in years)])]
    for r, a, s in product(regions, ages, ["1", "2"]):
        cells = [q(f"{r} Sundsvall"), q(f"{a} år"), q(SEX_LABELS[s])]
        cells += [str(counts.get((r, a, s, y), 0)) for y in years]
        lines.append(delimiter.join(cells))
    prefix = b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b""
    body = "\r\n".join(lines) + "\r\n"
    path.write_bytes(prefix + body.encode("utf-8" if encoding == "utf-8-sig" else encoding))
    return path
