"""What the guided import says, in Swedish: human field names, required fields marked in
words, the verb on the import button, one heading per list (issue 17, defect 5)."""

from __future__ import annotations

import re

import pytest

from tests.imports.test_imports import POPULATION, mapping_post, upload, world  # noqa: F401
from trygg.imports.models import UploadStatus

pytestmark = pytest.mark.django_db


def labels(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r"<label[^>]*>(.*?)</label>", page)
    ]


def test_the_mapping_names_fields_in_words_and_marks_the_required_ones(client, world):  # noqa: F811
    municipality, _, _ = world
    up = upload(client, municipality, "population", "bef.csv", POPULATION, source="SCB")
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    shown = labels(page)
    assert "Områdeskod (krävs)" in shown
    assert "Åldersgrupp (krävs)" in shown
    assert "Antal personer (krävs)" in shown
    assert not any(name in label for label in shown for name in ("area_code", "age_group"))
    assert "fetstil" not in page
    assert "Fält märkta ”krävs” måste ha en kolumn" in page
    # Checking without the area column says which field is missing, in words.
    response = client.post(f"/imports/{up.public_id}/", mapping_post(up), follow=True)
    assert "Välj kolumn för: Områdeskod." in response.content.decode()
    assert "area_code" not in response.content.decode().split('class="messages"')[1][:300]


def test_a_checked_file_is_imported_with_a_verb_and_listed_as_importerad(client, world):  # noqa: F811
    municipality, _, _ = world
    up = upload(client, municipality, "population", "bef.csv", POPULATION, source="SCB")
    client.post(f"/imports/{up.public_id}/", mapping_post(up, area_code="omr"))
    up.refresh_from_db()
    assert up.status == UploadStatus.VALID
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    assert re.search(r'id="start-import">Importera</button>', page)
    client.post(f"/imports/{up.public_id}/", {"action": "import"})
    listing = client.get("/imports/").content.decode()
    assert "<td>importerad</td>" in listing
    assert "importerade" not in listing
    assert listing.count("Senaste filer") == 1
    assert '<th scope="col">Fil</th>' in listing
