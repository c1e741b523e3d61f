"""Swedish by default, English on request, and the Swedish catalogue is complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.factories import MunicipalityFactory, user_in

LOCALE = Path(__file__).resolve().parents[2] / "src" / "trygg" / "locale"
pytestmark = pytest.mark.django_db


def test_interface_is_swedish_by_default(client):
    client.force_login(user_in(MunicipalityFactory()))
    text = client.get("/").content.decode()
    assert '<html lang="sv"' in text
    assert "Översikt" in text and "Områden" in text


def test_switching_to_english(client):
    client.force_login(user_in(MunicipalityFactory()))
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    text = client.get("/").content.decode()
    assert '<html lang="en"' in text
    assert "Overview" in text and "Översikt" not in text


def test_dates_are_swedish_style():
    import datetime

    from django.utils import formats, translation

    with translation.override("sv"):
        assert formats.date_format(datetime.date(2026, 11, 28), "SHORT_DATE_FORMAT") == "2026-11-28"


def test_swedish_catalogue_has_every_string_translated(tmp_path):
    """Extract the strings from the code as it is now (not from the committed catalogue),
    so a new string without a Swedish translation fails here."""
    import shutil
    import subprocess
    import sys

    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (apt-get install gettext) is needed to extract strings")
    tree = tmp_path / "trygg"
    shutil.copytree(LOCALE.parent, tree, ignore=shutil.ignore_patterns("static", "__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "sv",
            "--no-obsolete",
            "--ignore=locale/*",
            "--no-location",
        ],
        cwd=tree,
        check=True,
        capture_output=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "trygg.settings.test"},
    )
    with (tree / "locale" / "sv" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalogue = read_po(handle)
    missing = [
        m.id
        for m in catalogue
        if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert missing == []


def test_an_english_browser_still_gets_swedish_until_the_user_chooses(client):
    client.force_login(user_in(MunicipalityFactory()))
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Översikt" in response.content.decode()
    assert response.headers["Content-Language"] == "sv"


def test_numbers_are_grouped_the_swedish_way(client):
    from tests.factories import AreaFactory

    municipality = MunicipalityFactory()
    AreaFactory(municipality=municipality, population=98_993)
    client.force_login(user_in(municipality))
    assert "98\xa0993" in client.get("/").content.decode()


def test_djangos_own_blank_choice_is_swedish():
    """Django 6.1's "- Select an option -" is not in its Swedish catalogue; ours has it."""
    from django.db.models.fields import BLANK_CHOICE_LABEL
    from django.utils import translation

    with translation.override("sv"):
        assert str(BLANK_CHOICE_LABEL) == "- Välj -"
