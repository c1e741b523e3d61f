"""Plain-language explanations of an area's rank (sv, en), and the weights as text."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .defaults import COMPONENTS, ComponentData

__all__ = ["format_weights"]


_PHRASES = {
    "sv": {
        "rank": "{name} hamnar på plats {rank} (intervall {low}–{high}).",
        "unranked": "{name} rangordnas inte: för lite underlag.",
        "up": "Drar upp: {items}.",
        "down": "Drar ned: {items}.",
        "average": "Ligger nära genomsnittet i allt.",
        "missing": "Saknar underlag för {items}; värderas på resten.",
        "modelled": (
            "För få enkätsvar för {items}: modellskattning (stadsdelens eller kommunens "
            "nivå) med brett intervall."
        ),
        "driver": "främst {driver}",
        "and": " och ",
    },
    "en": {
        "rank": "{name} ranks {rank} (interval {low}–{high}).",
        "unranked": "{name} is not ranked: too little data.",
        "up": "Pulling it up: {items}.",
        "down": "Pulling it down: {items}.",
        "average": "Close to the average on everything.",
        "missing": "No data for {items}; scored on the rest.",
        "modelled": "Too few survey answers for {items}: a model-based estimate (the "
        "district's or municipality's level), with a wide interval.",
        "driver": "mostly {driver}",
        "and": " and ",
    },
}


def _num(value: float, lang: str, digits: int = 1, sign: bool = False) -> str:
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    text = text.replace(".", ",").replace("-", "−") if lang == "sv" else text.replace("-", "−")
    return text


def _lower_first(label: str) -> str:
    """A label inside a sentence ("främst kvinnor", not "främst Kvinnor"); acronyms such as
    "BRÅ" or "NTU" keep their capitals."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + _PHRASES[lang]["and"] + items[-1]


def _explain(
    i: int,
    *,
    name: str,
    rank: float,
    low: float,
    high: float,
    used: list[str],
    z: np.ndarray,
    contribution: np.ndarray,
    missing: list[str],
    components: Mapping[str, ComponentData],
    lang: str,
    modelled: list[str] | None = None,
) -> str:
    p = _PHRASES[lang]
    if not np.isfinite(rank):
        return p["unranked"].format(name=name)
    parts = [p["rank"].format(name=name, rank=int(rank), low=int(low), high=int(high))]

    def describe(k: int) -> str:
        code = used[k]
        text = f"{COMPONENTS[code][0].get(lang) if code in COMPONENTS else code}"
        text += f" ({_num(z[k], lang, 1, sign=True)} SD"
        driver = components[code].driver
        if driver is not None and driver[i] is not None and z[k] > 0:
            text += ", " + p["driver"].format(driver=_lower_first(driver[i].get(lang)))
        return text + ")"

    finite = [k for k in range(len(used)) if np.isfinite(contribution[k])]
    up = sorted(
        (k for k in finite if contribution[k] > 0 and z[k] >= 0.5),
        key=lambda k: -contribution[k],
    )[:3]
    down = sorted(
        (k for k in finite if contribution[k] < 0 and z[k] <= -0.5),
        key=lambda k: contribution[k],
    )[:2]
    if up:
        parts.append(p["up"].format(items=_join([describe(k) for k in up], lang)))
    if down:
        parts.append(p["down"].format(items=_join([describe(k) for k in down], lang)))
    if not up and not down:
        parts.append(p["average"])
    if missing:
        labels = [COMPONENTS[c][0].get(lang) if c in COMPONENTS else c for c in missing]
        parts.append(p["missing"].format(items=_join(labels, lang)))
    if modelled:
        labels = [COMPONENTS[c][0].get(lang) if c in COMPONENTS else c for c in modelled]
        parts.append(p["modelled"].format(items=_join(labels, lang)))
    return " ".join(parts)


def format_weights(weights: Mapping[str, float], *, lang: str = "sv") -> str:
    """The weights as one line of text, for printing with the result."""
    parts = []
    for code, w in weights.items():
        label = COMPONENTS[code][0].get(lang) if code in COMPONENTS else code
        parts.append(f"{label} {_num(w, lang, 2)}")
    return ", ".join(parts)
