"""One size limit for every upload: refused with a message naming the file and the limit,
and no more of the file than the limit is kept."""

from __future__ import annotations

import html
import importlib
import io

import pytest
from django import forms
from django.apps import apps

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.core.uploads import validate_upload_size


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/areas/import/", {"kind": "areas"}),
        ("/situation/import/", {}),
        ("/imports/", {"kind": "crimes"}),
    ],
)
def test_an_upload_above_the_size_limit_is_refused_and_not_kept(client, settings, url, fields):
    settings.TRYGG_MAX_UPLOAD_MB = 1
    municipality = MunicipalityFactory()
    client.force_login(user_in(municipality, role=Role.SAFETY_COORDINATOR))
    upload = io.BytesIO(b"x" * (1024 * 1024 + 1))
    upload.name = "enorm.geojson"
    response = client.post(url, {"municipality": municipality.pk, "file": upload, **fields})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Filen enorm.geojson är större än 1 MB, det största som kan laddas upp." in page


def test_the_upload_handler_stops_keeping_a_file_past_the_limit(rf, settings):
    from django.core.files.uploadhandler import load_handler

    settings.TRYGG_MAX_UPLOAD_MB = 1
    handler = load_handler("trygg.core.uploads.SizeLimitUploadHandler", rf.post("/"))
    handler.new_file("file", "enorm.csv", "text/csv", None)
    chunk = b"x" * 65536
    passed = [handler.receive_data_chunk(chunk, i * len(chunk)) for i in range(20)]
    # 16 chunks fit in 1 MB; the rest never reach the handlers that store the file.
    assert sum(p is not None for p in passed) == 16
    stand_in = handler.file_complete(20 * len(chunk))
    assert stand_in.size == 20 * len(chunk) and stand_in.read() == b""
    # Within the limit the next handler's file stands.
    handler.new_file("file", "liten.csv", "text/csv", None)
    assert handler.receive_data_chunk(chunk, 0) == chunk
    assert handler.file_complete(len(chunk)) is None


def test_every_upload_form_of_the_project_has_the_limit():
    """A new upload form without the validator would accept any size."""
    file_fields = []
    for config in apps.get_app_configs():
        if not config.name.startswith("trygg."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for form in vars(module).values():
            if isinstance(form, type) and issubclass(form, forms.BaseForm):
                for name, field in form.base_fields.items():
                    if isinstance(field, forms.FileField):
                        file_fields.append((f"{form.__name__}.{name}", field))
    assert len(file_fields) >= 5
    for name, field in file_fields:
        assert validate_upload_size in field.validators, name


@pytest.mark.django_db
def test_a_json_body_above_the_data_limit_is_refused(client, settings):
    """The API reads JSON itself; a body above DATA_UPLOAD_MAX_MEMORY_SIZE is still refused."""
    from tests.factories import AreaFactory
    from trygg.situation.models import Observation

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    area = AreaFactory()
    client.force_login(user_in(area.municipality, role=Role.GROUP_MEMBER))
    # An unknown key is ignored by the serializer: only the size can refuse this body.
    body = {"category": "disorder", "severity": 1, "area": area.code, "padding": "x" * 200_000}
    response = client.post("/api/v1/observations/", body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert not Observation.objects.exists()
