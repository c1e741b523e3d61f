"""Reports: who sees what, personal numbers refused, retries harmless, CSV import, API."""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import (
    AreaFactory,
    MunicipalityFactory,
    ObservationFactory,
    OrganisationFactory,
    PlaceFactory,
    SafetyGroupFactory,
    UserFactory,
    inside,
)
from trygg.accounts.models import OrganisationKind, SafetyGroupMembership
from trygg.accounts.roles import Role
from trygg.analysis.errors import InputError
from trygg.audit.models import AuditEvent
from trygg.situation.models import Observation
from trygg.situation.privacy import find_personal_numbers, luhn_valid
from trygg.situation.selectors import observations_filtered, observations_for_user
from trygg.situation.services import (
    observation_create,
    observation_update,
    observations_import_csv,
)

pytestmark = pytest.mark.django_db


def _invalid_checksum(valid: str) -> str:
    """The same number with its check digit changed: never a real person's number."""
    last = int(valid[-1])
    return valid[:-1] + str((last + 1) % 10)


# Skatteverket's published test number (Tolvan Tolvansson), and generated invalid ones.
TEST_NUMBERS = ["19121212-1212", "121212-1212", "191212121212", "1212121212", "121212+1212"]


@pytest.mark.parametrize("number", TEST_NUMBERS)
def test_personal_numbers_are_found(number):
    assert find_personal_numbers(f"Han heter inget men har {number} enligt ryktet") == [number]


@pytest.mark.parametrize(
    "text",
    [
        _invalid_checksum("19121212-1212"),
        _invalid_checksum("121212-1212"),
        "Ordernummer 20261399-0000",  # month 13
        "Ring 070-1234567",
        "Buss 1212 kl 21.30",
        "Område 2281C1010",
    ],
)
def test_other_numbers_pass(text):
    assert find_personal_numbers(text) == []


def test_luhn():
    assert luhn_valid("1212121212")
    assert not luhn_valid("1212121213")


@pytest.fixture
def world():
    """Two groups in one municipality, a police member and a school member in group A,
    a member of group B, a coordinator, and a municipality the users do not work in."""
    m = MunicipalityFactory()
    area_a, area_b = AreaFactory(municipality=m), AreaFactory(municipality=m)
    group_a = SafetyGroupFactory(municipality=m)
    group_b = SafetyGroupFactory(municipality=m)
    group_a.areas.add(area_a)
    group_b.areas.add(area_b)
    police = OrganisationFactory(municipalities=[m], kind=OrganisationKind.POLICE)
    school = OrganisationFactory(municipalities=[m], kind=OrganisationKind.SCHOOL)
    users = {
        "police_a": UserFactory(organisation=police, role=Role.GROUP_MEMBER),
        "school_a": UserFactory(organisation=school, role=Role.GROUP_MEMBER),
        "school_b": UserFactory(organisation=school, role=Role.GROUP_MEMBER),
        "coordinator": UserFactory(organisation=school, role=Role.SAFETY_COORDINATOR),
        "police_analyst": UserFactory(organisation=police, role=Role.ANALYST),
        "management": UserFactory(organisation=school, role=Role.MANAGEMENT),
    }
    for key, group in (("police_a", group_a), ("school_a", group_a), ("school_b", group_b)):
        SafetyGroupMembership.objects.create(group=group, user=users[key])
    other = MunicipalityFactory()
    return {
        "m": m,
        "area_a": area_a,
        "area_b": area_b,
        "group_a": group_a,
        "group_b": group_b,
        "other_area": AreaFactory(municipality=other),
        **users,
    }


def report(actor, area, **kwargs):
    lon, lat = inside(area)
    defaults = {"category": "disorder", "severity": 2, "lat": lat, "lon": lon}
    observation, _ = observation_create(actor=actor, **(defaults | kwargs))
    return observation


def visible(user) -> set[int]:
    return set(observations_for_user(user).values_list("id", flat=True))


def test_who_sees_which_report(world):
    w = world
    a_open = report(w["school_a"], w["area_a"])
    a_police = report(w["police_a"], w["area_a"], restricted=True, text="Polisiär uppgift")
    b_open = report(w["school_b"], w["area_b"])
    b_own_restricted = report(w["school_b"], w["area_b"], restricted=True)
    elsewhere = ObservationFactory(area=w["other_area"])

    # Members see their group's reports, never group B's, never police-only ones.
    assert visible(w["school_a"]) == {a_open.id}
    # A police member of A sees A's police-only report too, still not B's.
    assert visible(w["police_a"]) == {a_open.id, a_police.id}
    # The reporter always sees their own restricted report.
    assert visible(w["school_b"]) == {b_open.id, b_own_restricted.id}
    # Coordinators see every unrestricted report in their municipality, not other ones.
    assert visible(w["coordinator"]) == {a_open.id, b_open.id}
    # A police analyst sees everything in the municipality.
    assert visible(w["police_analyst"]) == {a_open.id, a_police.id, b_open.id, b_own_restricted.id}
    # Management reads no reports (it sees the aggregated picture).
    assert visible(w["management"]) == set()
    assert elsewhere.id not in visible(w["police_a"]) | visible(w["coordinator"])


def test_a_report_in_a_groups_area_belongs_to_the_group(world):
    w = world
    # The coordinator reports without naming a group; the point lies in group B's area.
    observation = report(w["coordinator"], w["area_b"])
    assert observation.area == w["area_b"] and observation.group is None
    assert observation.id in visible(w["school_b"]) and observation.id not in visible(w["school_a"])
    # A member's report defaults to the group covering the place.
    mine = report(w["school_a"], w["area_a"])
    assert mine.group == w["group_a"]


def test_personal_number_in_text_is_refused_with_a_reason(world):
    with pytest.raises(ValidationError) as caught:
        report(world["school_a"], world["area_a"], text="Pojken 19121212-1212 syntes")
    assert "personnummer" in str(caught.value)  # Swedish by default
    assert Observation.objects.count() == 0


def test_a_retry_with_the_same_key_saves_once(world):
    first, created = observation_create(
        actor=world["school_a"],
        category="vandalism",
        severity=1,
        area=world["area_a"],
        source_id="key-1",
    )
    again, created_again = observation_create(
        actor=world["school_a"],
        category="vandalism",
        severity=1,
        area=world["area_a"],
        source_id="key-1",
    )
    assert created and not created_again and first == again
    assert Observation.objects.count() == 1
    # A key is the reporter's own: the same key from someone else is their own new report,
    # never a way to fetch another reporter's.
    theirs, created_theirs = observation_create(
        actor=world["school_b"],
        category="other",
        severity=1,
        area=world["area_b"],
        source_id="key-1",
    )
    assert created_theirs and theirs != first and theirs.reporter == world["school_b"]


def test_validation_rules(world):
    w = world
    with pytest.raises(ValidationError):
        report(w["school_a"], w["area_a"], category="nonsense")
    with pytest.raises(ValidationError):
        report(w["school_a"], w["area_a"], severity=4)
    with pytest.raises(ValidationError):
        report(w["school_a"], w["area_a"], observed_at=timezone.now() + timedelta(hours=2))
    with pytest.raises(ValidationError):  # nowhere
        observation_create(actor=w["school_a"], category="other", severity=1)
    with pytest.raises(ValidationError):  # outside every area
        report(w["school_a"], w["area_a"], lat=10.0, lon=10.0)
    with pytest.raises(ValidationError):  # not their group
        report(w["school_a"], w["area_a"], group=w["group_b"])
    with pytest.raises(ValidationError):  # not their municipality
        report(w["school_a"], w["other_area"])
    with pytest.raises(PermissionDenied):
        report(w["management"], w["area_a"])


def test_named_place_gives_the_point(world):
    lon, lat = inside(world["area_a"])
    place = PlaceFactory(municipality=world["m"], lat=lat, lon=lon)
    observation, _ = observation_create(
        actor=world["school_a"], category="unsafe_place", severity=1, place=place
    )
    assert observation.area == world["area_a"] and observation.place_name == place.name


def test_only_the_reporter_edits_and_every_write_is_audited(world):
    observation = report(world["school_a"], world["area_a"])
    observation_update(
        actor=world["school_a"], observation=observation, severity=3, text="Lugnt nu"
    )
    observation.refresh_from_db()
    assert observation.severity == 3
    with pytest.raises(PermissionDenied):
        observation_update(actor=world["police_a"], observation=observation, severity=1)
    with pytest.raises(ValidationError):
        observation_update(
            actor=world["school_a"], observation=observation, text="121212-1212 var där"
        )
    actions = list(
        AuditEvent.objects.filter(object_type="observation").values_list("action", flat=True)
    )
    assert actions == ["create", "update"]


def test_filters(world):
    w = world
    early = report(w["coordinator"], w["area_a"], observed_at=datetime(2026, 1, 10, 20, tzinfo=UTC))
    late = report(
        w["coordinator"],
        w["area_b"],
        category="vandalism",
        observed_at=datetime(2026, 2, 10, tzinfo=UTC),
    )
    base = observations_for_user(w["coordinator"])
    assert list(observations_filtered(base, group=w["group_a"].pk)) == [early]
    assert list(observations_filtered(base, area=w["area_b"].pk)) == [late]
    assert list(observations_filtered(base, category="vandalism")) == [late]
    assert list(observations_filtered(base, since=datetime(2026, 2, 1, tzinfo=UTC))) == [late]
    assert list(observations_filtered(base, until=datetime(2026, 2, 1, tzinfo=UTC))) == [early]


# ------------------------------------------------------------------------------- CSV


def _csv(tmp_path, text: str):
    path = tmp_path / "obs.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_import_is_idempotent_and_places_rows(world, tmp_path):
    w = world
    a = w["area_a"]
    lon, lat = inside(a)
    path = _csv(
        tmp_path,
        "id;observed_at;category;severity;lat;lon;area_code;place;group;text\n"
        f"r1;2026-03-14T21:30;disorder;2;{lat};{lon};;;;Bråk vid kiosken\n"
        f"r2;2026-03-15 22:00;youth_gathering;1;;;{w['area_b'].code};;{w['group_b'].key};\n",
    )
    result = observations_import_csv(actor=w["coordinator"], municipality=w["m"], path=path)
    assert (result.created, result.unchanged) == (2, 0)
    again = observations_import_csv(actor=w["police_analyst"], municipality=w["m"], path=path)
    assert (again.created, again.unchanged) == (0, 2)
    r1 = Observation.objects.get(source_id="r1")
    assert r1.area == a and r1.observed_at == datetime(2026, 3, 14, 20, 30, tzinfo=UTC)
    assert Observation.objects.get(source_id="r2").group == w["group_b"]


def test_csv_bad_rows_import_nothing_and_name_line_and_column(world, tmp_path):
    w = world
    path = _csv(
        tmp_path,
        "id,observed_at,category,severity,area_code,text\n"
        f"ok,2026-03-14T21:30,disorder,2,{w['area_a'].code},\n"
        f"b1,2026-03-14T21:30,knark,2,{w['area_a'].code},\n"
        f"b2,igår,disorder,5,{w['area_a'].code},\n"
        f"b3,2026-03-14T21:30,disorder,2,NOPE,\n"
        f"b4,2026-03-14T21:30,disorder,2,{w['area_a'].code},Personen 19121212-1212\n"
        f"ok,2026-03-14T21:30,disorder,2,{w['area_a'].code},\n",
    )
    with pytest.raises(InputError) as caught:
        observations_import_csv(actor=w["coordinator"], municipality=w["m"], path=path)
    where = {(p.line, p.column) for p in caught.value.problems}
    assert {(3, "category"), (4, "observed_at"), (4, "severity"), (5, "area_code")} <= where
    assert (6, "text") in where and (7, "id") in where
    assert Observation.objects.count() == 0
    result = observations_import_csv(
        actor=w["coordinator"], municipality=w["m"], path=path, skip_bad_rows=True
    )
    assert result.created == 1 and len(result.rejected) >= 6


def test_csv_import_needs_the_right(world, tmp_path):
    path = _csv(tmp_path, "id,observed_at,category,severity\n")
    with pytest.raises(PermissionDenied):
        observations_import_csv(actor=world["school_a"], municipality=world["m"], path=path)


# -------------------------------------------------------------------- pages and API


def test_phone_form_saves_in_one_request_and_answers_json(client, world):
    w = world
    client.force_login(w["school_a"])
    page = client.get("/situation/report/")
    assert page.status_code == 200
    assert "personnummer" in page.content.decode()  # the form says why names don't belong
    lon, lat = inside(w["area_a"])
    data = {
        "category": "youth_gathering",
        "severity": "2",
        "observed_at": "2026-03-14T21:30",
        "lat": str(lat),
        "lon": str(lon),
        "text": "Ett tjugotal ungdomar vid skolan",
        "client_key": "b9d1c2a8-0000-4000-8000-000000000001",
    }
    first = client.post("/situation/report/", data, HTTP_X_TRYGG_ASYNC="1")
    assert first.status_code == 201 and first.json()["saved"]
    retry = client.post("/situation/report/", data, HTTP_X_TRYGG_ASYNC="1")
    assert retry.status_code == 200 and not retry.json()["created"]
    assert Observation.objects.count() == 1
    bad = client.post(
        "/situation/report/",
        data | {"text": "Han med 121212-1212", "client_key": "other"},
        HTTP_X_TRYGG_ASYNC="1",
    )
    assert bad.status_code == 400 and "text" in bad.json()["errors"]
    # Without JavaScript: an ordinary post-redirect.
    plain = client.post("/situation/report/", data | {"client_key": "plain-1"})
    assert plain.status_code == 302


def test_list_and_csv_export_honour_rights_and_filters(client, world):
    w = world
    mine = report(w["school_a"], w["area_a"], text="Synlig")
    report(w["school_b"], w["area_b"], text="Grupp B:s")
    report(w["police_a"], w["area_a"], text="Hemlig", restricted=True)
    client.force_login(w["school_a"])
    page = client.get("/situation/observations/").content.decode()
    assert "Synlig" in page and "Grupp B:s" not in page and "Hemlig" not in page
    exported = client.get("/situation/observations/?export=csv")
    text = exported.content.decode()
    assert text.count("\n") == 2 and "Synlig" in text and str(mine.public_id) in text
    assert AuditEvent.objects.filter(action="export", object_type="observations").exists()
    client.force_login(w["coordinator"])
    filtered = client.get(f"/situation/observations/?export=csv&group={w['group_b'].pk}")
    assert "Grupp B:s" in filtered.content.decode() and "Synlig" not in filtered.content.decode()


def test_reporter_edits_on_the_page_others_get_404(client, world):
    w = world
    observation = report(w["school_a"], w["area_a"])
    url = f"/situation/observations/{observation.public_id}/"
    client.force_login(w["police_a"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"severity": "1"}).status_code == 404
    client.force_login(w["school_b"])
    assert client.get(url).status_code == 404


def test_api_create_list_filter_and_scope(client, world):
    w = world
    client.force_login(w["school_a"])
    body = {
        "category": "vandalism",
        "severity": 1,
        "area": w["area_a"].code,
        "text": "Klotter på gavel",
        "client_key": "api-1",
    }
    created = client.post("/api/v1/observations/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    again = client.post("/api/v1/observations/", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    refused = client.post(
        "/api/v1/observations/",
        body | {"client_key": "api-2", "text": "191212121212"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    report(w["school_b"], w["area_b"])
    listed = client.get("/api/v1/observations/").json()
    assert [r["id"] for r in listed["results"]] == [created.json()["id"]]
    assert client.get("/api/v1/observations/?category=disorder").json()["count"] == 0
    assert client.get(f"/api/v1/observations/?area={w['area_a'].code}").json()["count"] == 1
    assert client.get("/api/v1/observations/?since=2099-01-01").json()["count"] == 0
    patched = client.patch(
        f"/api/v1/observations/{created.json()['id']}/",
        {"severity": 3},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["severity"] == 3
    client.force_login(w["police_a"])
    assert (
        client.patch(
            f"/api/v1/observations/{created.json()['id']}/",
            {"severity": 1},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_api_refuses_an_area_group_or_place_the_reporter_cannot_use(client, world):
    """Each refusal names the field and says what to use instead, in the reader's language."""
    w = world
    client.force_login(w["school_a"])
    body = {"category": "vandalism", "severity": 1, "area": w["area_a"].code}

    def refused(**change) -> dict:
        response = client.post(
            "/api/v1/observations/", body | change, content_type="application/json"
        )
        assert response.status_code == 400, response.content
        return response.json()

    assert "Okänd områdeskod" in refused(area=w["other_area"].code)["area"]
    assert "Okänd plats" in refused(place=999_999)["place"]
    assert refused(group=w["group_b"].pk)["group"].startswith("Du rapporterar inte")
    assert not Observation.objects.filter(reporter=w["school_a"]).exists()


def test_the_lists_count_follows_new_reports_and_changed_rights_at_once(client, world):
    """The list's count is reused between identical requests, never past a change."""
    w = world
    report(w["school_b"], w["area_b"], text="Grupp B:s iakttagelse")
    report(w["police_a"], w["area_a"])
    client.force_login(w["school_a"])

    def count():
        return client.get("/api/v1/observations/").json()["count"]

    assert count() == 1
    assert count() == 1
    report(w["police_a"], w["area_a"])  # a new report in the municipality
    assert count() == 2
    SafetyGroupMembership.objects.create(group=w["group_b"], user=w["school_a"])
    assert count() == 3  # what the user may read changed, the reports did not
    SafetyGroupMembership.objects.filter(group=w["group_b"], user=w["school_a"]).delete()
    assert count() == 2
    client.force_login(w["school_b"])
    assert count() == 1  # another user never gets this user's count


def test_csv_import_page(client, world):
    client.force_login(world["coordinator"])
    form = html.unescape(client.get("/situation/import/").content.decode())
    # One municipality: already chosen; the button says what it does.
    assert f'<option value="{world["m"].pk}" selected>' in form and ">Importera</button>" in form
    upload = io.BytesIO(b"id,observed_at,category,severity,area_code\nx,2026-01-01,bad,1,Z\n")
    upload.name = "obs.csv"
    response = client.post("/situation/import/", {"municipality": world["m"].pk, "file": upload})
    # The reason is in the reader's language, the value from the file as it was.
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "okänd kategori 'bad'" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    upload.seek(0)
    response = client.post("/situation/import/", {"municipality": world["m"].pk, "file": upload})
    assert "unknown category 'bad'" in html.unescape(response.content.decode())


def test_a_groups_list_read_along_the_indexes_matches_the_plain_order(client):
    """The API's group pages merge one index branch per group and area; the result must be
    the plain newest-first order, with no report twice and none missing."""
    from tests.factories import user_in
    from trygg.situation.selectors import group_branches, observations_slice

    m = MunicipalityFactory()
    a, b, outside = (AreaFactory(municipality=m) for _ in range(3))
    group = SafetyGroupFactory(municipality=m)
    group.areas.add(a, b)
    now = timezone.now()
    for i in range(21):
        area = (a, b, outside)[i % 3]
        # Every third report outside the areas is reported to the group; some share a time.
        ObservationFactory(
            area=area,
            group=group if area == outside or i % 4 == 0 else None,
            observed_at=now - timedelta(minutes=i // 2),
        )
    ObservationFactory(area=outside)  # neither: never listed
    scoped = Observation.objects.filter(municipality=m).filter(
        pk__in=[o.pk for o in Observation.objects.all() if o.group_id or o.area_id in (a.id, b.id)]
    )
    plain = list(scoped.order_by("-observed_at", "-id").values_list("id", flat=True))
    assert len(plain) == 21
    for start, stop in ((0, 5), (5, 10), (0, 21), (18, 30), (30, 40)):
        merged = observations_slice(
            scoped, start=start, stop=stop, branches=group_branches(group.pk)
        )
        assert [o.id for o in merged] == plain[start:stop]
    # Through the API, with its count.
    client.force_login(user_in(m, role=Role.SAFETY_COORDINATOR))
    page = client.get(f"/api/v1/observations/?group={group.pk}&limit=8&offset=8").json()
    assert page["count"] == 21
    assert [r["id"] for r in page["results"]] == [
        str(Observation.objects.get(pk=pk).public_id) for pk in plain[8:16]
    ]
