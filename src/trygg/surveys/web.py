"""The questionnaire as a resident sees it on the web, in the language the resident chose.

Item, scale and group texts come from the round's questionnaire YAML. The analysis parser
reads only ``sv`` and ``en``; other languages are extra keys next to them (``ar: ...``) that
it ignores, so this module reads them from the YAML itself and falls back to Swedish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings
from django.utils import translation

from trygg.analysis.questionnaire import Questionnaire, parse_questionnaire

# Languages Django does not describe, and the Swedish names used in the letter.
_EXTRA_INFO: dict[str, dict[str, Any]] = {
    "so": {"code": "so", "name": "Somali", "name_local": "Soomaali", "bidi": False},
    "ti": {"code": "ti", "name": "Tigrinya", "name_local": "ትግርኛ", "bidi": False},
}
SWEDISH_NAMES = {
    "sv": "svenska",
    "en": "engelska",
    "ar": "arabiska",
    "so": "somaliska",
    "fa": "persiska/dari",
    "ti": "tigrinska",
}


def survey_languages() -> list[str]:
    """The languages the answer page offers (TRYGG_SURVEY_LANGUAGES), Swedish first."""
    configured = [c for c in getattr(settings, "TRYGG_SURVEY_LANGUAGES", ["sv", "en"]) if c]
    return ["sv", *[c for c in configured if c != "sv"]]


def language_info(code: str) -> dict[str, Any]:
    if code in _EXTRA_INFO:
        return _EXTRA_INFO[code]
    try:
        return translation.get_language_info(code)
    except KeyError:
        return {"code": code, "name": code, "name_local": code, "bidi": False}


def swedish_name(code: str) -> str:
    if code in SWEDISH_NAMES:
        return SWEDISH_NAMES[code]
    with translation.override("sv"):
        return str(language_info(code).get("name_translated", code)).lower()


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    no_opinion: bool = False


@dataclass(frozen=True)
class WebItem:
    code: str
    text: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class WebSection:
    code: str
    title: str
    items: tuple[WebItem, ...]
    intro: str = ""


def _default_intros() -> dict[str, str]:
    """The question a standard scale answers, for questionnaires whose groups do not give a
    ``web_question`` of their own (the shipped one does not: it is written for analysis)."""
    from django.utils.translation import gettext as _

    return {
        "problem": _("How big a problem do you think the following are in your area?"),
        "yes_no": _("Has this happened to you in the last 12 months?"),
        "worry": _("Are you worried about the following?"),
        "unsafety": _("How safe or unsafe do you feel?"),
        "agreement": _("How well does the following statement fit your view?"),
    }


@dataclass(frozen=True)
class WebQuestionnaire:
    name: str
    sections: tuple[WebSection, ...]
    questionnaire: Questionnaire

    def clean(self, data) -> dict[str, int | None]:
        """The answers in a posted form (or a stored draft): item code -> a valid code of
        the item's scale (no-opinion codes included), None when not answered."""
        answers: dict[str, int | None] = {}
        for item in self.questionnaire.items:
            raw = data.get(item.code)
            try:
                value = int(raw) if raw not in (None, "") else None
            except (TypeError, ValueError):
                value = None
            valid = value is not None and (
                value in item.scale.values or value in item.scale.no_opinion
            )
            answers[item.code] = value if valid else None
        return answers

    def stored(self, answers: dict[str, int | None]) -> dict[str, int | None]:
        """As the analysis stores an answer: "no opinion" is null, never a scale value."""
        out: dict[str, int | None] = {}
        for item in self.questionnaire.items:
            value = answers.get(item.code)
            out[item.code] = value if value in item.scale.values else None
        return out


def _pick(raw: Any, lang: str, fallback: str) -> str:
    if isinstance(raw, dict):
        value = raw.get(lang)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return fallback


def web_questionnaire(yaml_text: str, *, lang: str) -> WebQuestionnaire:
    questionnaire = parse_questionnaire(yaml_text)
    raw = yaml.safe_load(yaml_text) or {}
    raw_items = {str(e.get("code")): e for e in raw.get("items", []) if isinstance(e, dict)}
    raw_scales = raw.get("scales") or {}
    raw_groups = raw.get("groups") or {}

    def base(text) -> str:
        return text.en if lang == "en" else text.sv

    sections = []
    intros = _default_intros()
    for group, title in questionnaire.groups.items():
        items = []
        for item in questionnaire.items_in(group):
            scale_raw = raw_scales.get(item.scale.code) or {}
            values_raw = scale_raw.get("values") or {}
            options = [
                Option(
                    value,
                    _pick(values_raw.get(value, values_raw.get(str(value))), lang, base(label)),
                )
                for value, label in sorted(item.scale.labels.items())
            ]
            no_label = _pick(
                scale_raw.get("no_opinion_label"), lang, base(item.scale.no_opinion_label)
            )
            options += [Option(v, no_label, True) for v in sorted(item.scale.no_opinion)]
            items.append(
                WebItem(
                    item.code,
                    _pick(raw_items.get(item.code), lang, base(item.text)),
                    tuple(options),
                )
            )
        group_raw = raw_groups.get(group) or {}
        first_scale = questionnaire.items_in(group)[0].scale.code
        intro = _pick(
            group_raw.get("web_question") if isinstance(group_raw, dict) else None,
            lang,
            intros.get(first_scale, ""),
        )
        sections.append(WebSection(group, _pick(group_raw, lang, base(title)), tuple(items), intro))
    return WebQuestionnaire(
        _pick(raw.get("name"), lang, base(questionnaire.name)), tuple(sections), questionnaire
    )
