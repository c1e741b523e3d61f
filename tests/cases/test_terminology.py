"""The intake is "oro" in Swedish, never "orosanmälan": that is the Social Services Act's
report to social services, which this form is not (issue 17)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
WORD = "orosanmäl"  # orosanmälan, orosanmälningar, orosanmäla


def test_no_template_doc_or_code_uses_the_social_services_term():
    places = [ROOT / "src" / "trygg", ROOT / "docs"]
    offenders = [
        str(path.relative_to(ROOT))
        for base in places
        for path in base.rglob("*")
        if path.suffix in {".html", ".txt", ".py", ".md"}
        and WORD in path.read_text(encoding="utf-8", errors="ignore").lower()
    ]
    assert offenders == []


def test_no_swedish_translation_uses_it():
    po = ROOT / "src" / "trygg" / "locale" / "sv" / "LC_MESSAGES" / "django.po"
    catalog = read_po(po.open("rb"))
    offenders = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(WORD in (s or "").lower() for s in strings):
            offenders.append(message.id)
    assert offenders == []


def test_the_concern_pages_say_oro():
    po = ROOT / "src" / "trygg" / "locale" / "sv" / "LC_MESSAGES" / "django.po"
    catalog = read_po(po.open("rb"))
    assert catalog["Report a concern"].string == "Anmäl oro"
    assert "oro" in catalog["Concerns"].string.lower()
    assert "oro" in catalog["Your concern has been received by the SSPF coordinator."].string
