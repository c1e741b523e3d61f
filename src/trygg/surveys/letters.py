"""Invitation and reminder letters as one PDF: one A4 page per person, the address placed
for a window envelope, the code in large print and a QR code to the answer page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .models import SurveyRound
from .web import survey_languages, swedish_name

LETTER_CSS = Path(__file__).parent / "static" / "surveys" / "letters_pdf.css"


def qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def other_languages_line() -> str:
    """ "Svara på engelska, arabiska eller somaliska på webben." from the offered languages."""
    names = [swedish_name(code) for code in survey_languages() if code != "sv"]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} eller {names[-1]}"
    return f"Du kan också svara på {listed} på webben."


# Letters are laid out a batch at a time, so that a sample of thousands reports progress and
# never holds one huge HTML tree in memory.
LETTERS_PER_BATCH = 100


def letters_pdf(
    *,
    survey_round: SurveyRound,
    persons: list[dict],
    answer_url: str,
    reminder: bool,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    from weasyprint import CSS, HTML

    stylesheet = CSS(filename=str(LETTER_CSS))
    languages_line = other_languages_line()
    documents = []
    for start in range(0, len(persons), LETTERS_PER_BATCH):
        batch = persons[start : start + LETTERS_PER_BATCH]
        for person in batch:
            person["qr"] = qr_data_uri(f"{answer_url}#{person['raw_code']}")
        # The letter is always in Swedish; it names the other languages of the web page.
        with translation.override("sv"):
            html = render_to_string(
                "surveys/letters_pdf.html",
                {
                    "round": survey_round,
                    "persons": batch,
                    "answer_url": answer_url,
                    "reminder": reminder,
                    "languages_line": languages_line,
                    "controller_contact": settings.TRYGG_SURVEY_CONTROLLER_CONTACT,
                },
            )
        documents.append(HTML(string=html).render(stylesheets=[stylesheet]))
        if progress is not None:
            progress(min(1.0, (start + len(batch)) / len(persons)))
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf(pdf_tags=True, pdf_variant="pdf/ua-1")
