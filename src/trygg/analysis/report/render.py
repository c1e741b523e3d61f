"""The annual report as HTML and PDF, from :class:`trygg.analysis.pipeline.AnalysisResults`.

Plain Python (``string.Template`` for the page, functions for the sections), no Django: the
report is made by ``trygg analyze`` on files, outside any Django process, and runs outside
Django's i18n, so the texts are in :data:`TEXTS` (Swedish default, English complete). Charts
are inline SVG from :mod:`trygg.analysis.report.charts`; the CSS is inlined so the HTML file is
self-contained and WeasyPrint needs no base URL or network.

The sections are in :mod:`.sections`, the texts in :mod:`.texts`. Contents: title page, summary of the top priority areas with rank intervals and
explanations and the weights used, maps (problem index, crime rate, hot spots), emerging hot
spots over the years, trends, the change since the year before with its test
(:mod:`.changes`), the
ranked table with components, the survey results per area (suppressed cells "–" with a
footnote), and the method in plain language.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from importlib import resources
from string import Template
from typing import Any

from .changes import changes_chapter
from .emerging import emerging_section
from .sections import (
    _coverage,
    _maps,
    _method,
    _ranking,
    _summary,
    _survey_table,
    _title_page,
    _trends,
    coverage_lines,
)
from .texts import TEXTS, _t

__all__ = ["TEXTS", "coverage_lines", "render_report_html", "render_report_pdf"]


def _template() -> Template:
    ref = resources.files(__package__).joinpath("report.html")
    return Template(ref.read_text(encoding="utf-8"))


def _css() -> str:
    ref = resources.files(__package__).joinpath("report.css")
    return ref.read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def render_report_html(results: Any, *, lang: str = "sv", today: dt.date | None = None) -> str:
    """The whole report as one self-contained HTML page (inline CSS and SVG)."""
    if lang not in TEXTS:
        raise ValueError("lang must be 'sv' or 'en'")
    date = (today or dt.date.today()).isoformat()  # Swedish style: YYYY-MM-DD
    body = "".join(
        [
            _title_page(results, lang, date),
            _summary(results, lang),
            _maps(results, lang),
            emerging_section(results, lang),
            _trends(results, lang),
            changes_chapter(results, lang),
            _ranking(results, lang),
            _survey_table(results, lang),
            _method(lang, _coverage(results, lang)),
        ]
    )
    return _template().substitute(
        lang=lang,
        title=escape(_t(lang, "title", year=results.year) + " – " + results.municipality),
        date=date,
        css=_css(),
        body=body,
    )


def render_report_pdf(html: str) -> bytes:
    """Render the HTML report to PDF with WeasyPrint (no network: everything is inline)."""
    # Imported here: WeasyPrint takes about a second to load and only the PDF needs it.
    from weasyprint import HTML

    # Tagged PDF/UA-1: headings, tables and reading order reach screen readers (DOS-lagen).
    return HTML(string=html, base_url=None).write_pdf(pdf_tags=True, pdf_variant="pdf/ua-1")
