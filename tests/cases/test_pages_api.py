"""The coordinator's flow through the pages, the consent form PDF, and the API document."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from trygg.cases.models import Case, Consent, Person

from .world import new_pin

pytestmark = pytest.mark.django_db


def test_coordinator_flow_concern_person_consent_case_team(world, client):
    client.force_login(world.users["group_member"])
    client.post("/cases/concerns/new/", {"subject_name": "Kim", "description": "Oro"})
    coordinator = world.users["coordinator"]
    client.force_login(coordinator)
    concern = world.municipality.concerns.get(subject_name="Kim")
    assert "Kim" in client.get("/cases/concerns/").text
    number = new_pin(14)
    found = client.post("/cases/people/", {"pin": number})
    assert found.status_code == 200 and 'id="person-create"' in found.text
    created = client.post("/cases/people/", {"pin": number, "first_name": "Kim", "last_name": "Ny"})
    person = Person.objects.get(first_name="Kim")
    assert created.url == f"/cases/people/{person.public_id}/"
    assert client.post("/cases/people/", {"pin": number}).url == created.url
    client.post(
        f"/cases/people/{person.public_id}/guardians/", {"name": "Mamma", "has_custody": "on"}
    )
    guardian = person.guardians.get()
    today = timezone.localdate()
    for giver in ("person", f"guardian:{guardian.public_id}"):
        response = client.post(
            f"/cases/people/{person.public_id}/consents/new/",
            {
                "giver": giver,
                "parties": [world.orgs["police"].pk],
                "information": ["school", "police"],
                "purpose": "Stöd",
                "valid_from": today,
                "valid_to": today + timedelta(days=90),
            },
        )
        assert response.status_code == 302, response.content
    consent = Consent.objects.filter(person=person).first()
    pdf = client.get(f"/cases/consents/{consent.public_id}/form.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    for c in person.consents.all():
        client.post(f"/cases/consents/{c.public_id}/received/")
    response = client.post(
        f"/cases/people/{person.public_id}/cases/new/",
        {"programme": "sspf", "level": "individual", "concern": concern.public_id},
    )
    case = Case.objects.get(person=person)
    assert response.url == f"/cases/{case.public_id}/" and case.coordinator == coordinator
    concern.refresh_from_db()
    assert concern.status == "case_opened"
    police = world.users["police"]
    client.post(f"/cases/{case.public_id}/members/", {"user": police.pk})
    client.force_login(police)
    assert client.get(f"/cases/{case.public_id}/").status_code == 200
    client.force_login(world.users["police_outside"])
    assert client.get(f"/cases/{case.public_id}/").status_code == 404


def test_openapi_documents_the_cases_api_with_403_and_404():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = {
        p: ops
        for p, ops in schema["paths"].items()
        if p.split("/")[3] in ("cases", "people", "consents", "concerns")
    }
    assert len(ours) == 9
    for path, operations in ours.items():
        for method, operation in operations.items():
            if method == "post" and path.endswith("/concerns/"):
                continue  # anyone signed in may send a concern
            assert "404" in operation["responses"], (method, path)
    assert "403" in ours["/api/v1/cases/"]["post"]["responses"]


def test_api_case_fields_follow_the_field_rules(world):
    api = APIClient()
    api.force_authenticate(world.users["school"])
    data = api.get(f"/api/v1/cases/{world.cases['own_team'].public_id}/").json()
    assert "plan" in data and "police_notes" not in data and "id" not in data["person"]
    api.force_authenticate(world.users["coordinator"])
    data = api.get(f"/api/v1/cases/{world.cases['own_team'].public_id}/").json()
    assert data["police_notes"] and data["person"]["personal_identity_number"].endswith("****")


def test_api_search_or_create_never_duplicates(world):
    api = APIClient()
    api.force_authenticate(world.users["coordinator"])
    body = {"personal_identity_number": new_pin(), "first_name": "A", "last_name": "B"}
    first = api.post("/api/v1/people/", body, format="json")
    second = api.post("/api/v1/people/", body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


def test_demo_cases_are_synthetic_and_cover_the_states(world):
    from tests.factories import UserFactory
    from trygg.accounts.roles import Role
    from trygg.cases.demo import demo_cases_build
    from trygg.cases.pin import luhn_valid
    from trygg.cases.services import person_pin

    UserFactory(
        username="sspfkoordinator",
        role=Role.SSPF_COORDINATOR,
        organisation=world.orgs["social_services"],
    )
    UserFactory(
        username="socialsekreterare",
        role=Role.CASE_WORKER,
        organisation=world.orgs["social_services"],
    )
    Case.objects.all().delete()
    count = demo_cases_build(municipality=world.municipality)
    assert count >= 30 and demo_cases_build(municipality=world.municipality) == count
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {"open", "closed"}
    for person in Person.objects.filter(cases__isnull=False).distinct():
        assert not luhn_valid(person_pin(person)[2:])
    assert (
        len(cull_candidates := __import__("trygg.cases.culling", fromlist=["x"]).cull_plan().cases)
        == 3
    ), cull_candidates
