"""Decided actions: what, who, by when; carried into the next week until a meeting marks
them; frozen with the published picture; in its PDF and e-mail; overdue lists; an
operation made of one; the group's meeting and roles (issue 17, items 6 and 7)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import (
    AreaFactory,
    MunicipalityFactory,
    SafetyGroupFactory,
    user_in,
)
from trygg.accounts.models import SafetyGroupMembership
from trygg.accounts.roles import Role
from trygg.analysis.situation import IsoWeek
from trygg.audit.models import AuditEvent
from trygg.situation.models import DecidedAction, GroupMemberRole
from trygg.situation.selectors import (
    PictureScope,
    actions_overdue,
    overdue_actions_for,
    picture_actions,
    picture_get,
)
from trygg.situation.services import (
    action_create,
    action_delete,
    action_update,
    action_update_status,
    group_meeting_save,
    group_member_role_set,
    weekly_picture_publish,
    weekly_picture_send_digest,
)

pytestmark = pytest.mark.django_db

W10, W11, W12 = IsoWeek(2026, 10), IsoWeek(2026, 11), IsoWeek(2026, 12)


@pytest.fixture
def world():
    m = MunicipalityFactory()
    area = AreaFactory(municipality=m)
    group = SafetyGroupFactory(municipality=m)
    group.areas.add(area)
    coordinator = user_in(m, email="samordnare@example.org")
    member = user_in(m, role=Role.GROUP_MEMBER, email="member@example.org", first_name="Eva")
    SafetyGroupMembership.objects.create(group=group, user=member)
    return {
        "m": m,
        "area": area,
        "group": group,
        "scope": PictureScope(m, group),
        "coordinator": coordinator,
        "member": member,
    }


def _add(world, week=W10, what="Belysning vid gångtunneln", due=None, **kwargs):
    return action_create(
        actor=world["coordinator"],
        scope=world["scope"],
        week=week,
        what=what,
        due_on=due or week.monday + timedelta(days=7),
        **kwargs,
    )


def test_an_action_has_what_who_by_when_and_is_audited(world):
    member = world["member"]
    action = _add(world, responsible_user=member)
    assert action.status == "open" and action.decided_week == 202610
    # The person's organisation answers for it when none is named.
    assert action.responsible_organisation == member.organisation
    assert "Eva" in action.responsible
    assert AuditEvent.objects.filter(object_type="decidedaction", object_id=str(action.pk)).exists()


def test_refuses_personal_numbers_people_outside_and_dates_before_the_week(world):
    with pytest.raises(ValidationError) as refused:
        _add(world, what="Prata med 19121212-1212")
    assert "what" in refused.value.message_dict
    outsider = user_in(MunicipalityFactory())
    with pytest.raises(ValidationError) as refused:
        _add(world, responsible_user=outsider)
    assert "responsible_user" in refused.value.message_dict
    with pytest.raises(ValidationError):
        _add(world, due=W10.monday - timedelta(days=1))
    with pytest.raises(PermissionDenied):
        action_create(
            actor=world["member"],
            scope=world["scope"],
            week=W10,
            what="x",
            due_on=W10.monday,
        )


def test_open_actions_are_carried_into_next_week_until_marked(world):
    action = _add(world)
    weekly_picture_publish(actor=world["coordinator"], scope=world["scope"], week=W10)
    carried = picture_actions(world["scope"], W11, None)["carried"]
    assert [r["what"] for r in carried] == [action.what]
    assert picture_actions(world["scope"], W11, None)["decided"] == []

    action_update_status(actor=world["coordinator"], action=action, week=W11, status="done")
    action.refresh_from_db()
    assert action.status == "done" and action.closed_week == 202611
    # The meeting that closed it still shows it, marked; the week after does not.
    rows = picture_actions(world["scope"], W11, picture_get(world["scope"], W11))["carried"]
    assert [(r["what"], r["status"]) for r in rows] == [(action.what, "done")]
    assert picture_actions(world["scope"], W12, None)["carried"] == []
    assert action.reviews.get().status == "done"


def test_postponed_moves_the_date_and_stays_open(world):
    action = _add(world)
    new_date = W11.monday + timedelta(days=14)
    with pytest.raises(ValidationError):
        action_update_status(
            actor=world["coordinator"], action=action, week=W11, status="postponed"
        )
    action_update_status(
        actor=world["coordinator"], action=action, week=W11, status="postponed", due_on=new_date
    )
    action.refresh_from_db()
    assert action.status == "postponed" and action.due_on == new_date
    assert [r["id"] for r in picture_actions(world["scope"], W12, None)["carried"]] == [action.pk]


def test_the_meeting_of_its_own_week_cannot_mark_it(world):
    action = _add(world)
    with pytest.raises(ValidationError):
        action_update_status(actor=world["coordinator"], action=action, week=W10, status="done")


def test_publishing_freezes_the_actions_with_the_picture(world):
    action = _add(world)
    picture = weekly_picture_publish(actor=world["coordinator"], scope=world["scope"], week=W10)
    assert picture.snapshot["actions"]["decided"][0]["what"] == action.what
    with pytest.raises(ValidationError):
        _add(world, what="Efter publicering")
    with pytest.raises(ValidationError):
        action_update(
            actor=world["coordinator"], action=action, what="Ändrad", due_on=action.due_on
        )
    with pytest.raises(ValidationError):
        action_delete(actor=world["coordinator"], action=action)
    # A later meeting marks it; the published week still shows it as it was decided.
    action_update_status(actor=world["coordinator"], action=action, week=W11, status="not_done")
    picture.refresh_from_db()
    frozen = picture_actions(world["scope"], W10, picture)["decided"]
    assert frozen[0]["status"] == "open" and frozen[0]["due_on"] == action.due_on
    # And the closing meeting, once published, can no longer change its word.
    weekly_picture_publish(actor=world["coordinator"], scope=world["scope"], week=W11)
    with pytest.raises(ValidationError):
        action_update_status(actor=world["coordinator"], action=action, week=W11, status="done")


def test_the_digest_lists_the_actions_and_reaches_the_groups_list(world):
    _add(world, what="Klipp buskarna vid skolan", responsible_name="Fastighetsskötaren")
    group_meeting_save(
        actor=world["coordinator"],
        group=world["group"],
        weekday=2,
        time=time(9, 0),
        contact_person=world["member"],
        mailing_list="partner@example.org\nvard@example.org",
    )
    picture = weekly_picture_publish(actor=world["coordinator"], scope=world["scope"], week=W10)
    sent = weekly_picture_send_digest(actor=world["coordinator"], picture=picture)
    assert sent == 3
    message = mail.outbox[-1]
    assert set(message.bcc) == {"member@example.org", "partner@example.org", "vard@example.org"}
    assert "Klipp buskarna vid skolan" in message.body
    assert "Fastighetsskötaren" in message.body


def test_overdue_per_group_and_for_the_coordinator(world):
    late = _add(world, what="Sent", due=W10.monday + timedelta(days=1))
    _add(world, what="I tid", due=W10.monday + timedelta(days=30))
    today = W10.monday + timedelta(days=5)
    assert list(actions_overdue(world["scope"], today=today)) == [late]
    assert list(overdue_actions_for(world["coordinator"], today=today)) == [late]
    assert list(overdue_actions_for(world["member"], today=today)) == [late]
    # Another municipality's coordinator sees nothing of it.
    assert not overdue_actions_for(user_in(MunicipalityFactory()), today=today).exists()
    # Done is not overdue.
    action_update_status(actor=world["coordinator"], action=late, week=W11, status="done")
    assert not overdue_actions_for(world["coordinator"], today=today).exists()


def test_group_meeting_and_roles_are_audited_and_checked(world):
    coordinator, group, member = world["coordinator"], world["group"], world["member"]
    with pytest.raises(ValidationError):
        group_meeting_save(
            actor=coordinator,
            group=group,
            weekday=1,
            time=None,
            contact_person=None,
            mailing_list="inte en adress",
        )
    with pytest.raises(ValidationError):
        group_meeting_save(
            actor=coordinator,
            group=group,
            weekday=1,
            time=None,
            contact_person=coordinator,  # not a member
            mailing_list="",
        )
    meeting = group_meeting_save(
        actor=coordinator,
        group=group,
        weekday=3,
        time=time(14, 30),
        contact_person=member,
        mailing_list="A@Example.org, b@example.org;a@example.org",
    )
    assert meeting.addresses == ["a@example.org", "b@example.org"]
    group_member_role_set(actor=coordinator, group=group, user=member, role="police")
    assert GroupMemberRole.objects.get().role == "police"
    assert AuditEvent.objects.filter(object_type="groupmeeting").exists()
    assert AuditEvent.objects.filter(object_type="safetygroupmembership").exists()
    outsider = user_in(MunicipalityFactory())
    with pytest.raises(PermissionDenied):
        group_member_role_set(actor=outsider, group=group, user=member, role="school")
    with pytest.raises(PermissionDenied):
        group_member_role_set(actor=member, group=group, user=member, role="school")


# --- pages -------------------------------------------------------------------------------


def _week_url(world, week):
    return reverse("situation:week-group", args=[world["group"].pk, str(week)])


def test_the_meeting_types_an_action_and_marks_it_next_week(client, world):
    client.force_login(world["coordinator"])
    url = _week_url(world, W10)
    response = client.post(
        url,
        {
            "action": "action_add",
            "action-what": "Städa parken",
            "action-responsible_user": world["member"].pk,
            "action-due_on": "2026-03-13",
        },
    )
    assert response.status_code == 302
    action = DecidedAction.objects.get()
    page = client.get(url).content.decode()
    assert "Städa parken" in page
    client.post(url, {"action": "publish", "assessment": "", "decided_actions": ""})
    next_page = client.get(_week_url(world, W11)).content.decode()
    assert "Städa parken" in next_page and 'value="done"' in next_page
    client.post(
        _week_url(world, W11),
        {"action": "action_status", "action_id": action.pk, "status": "done"},
    )
    action.refresh_from_db()
    assert action.status == "done"


def test_a_member_cannot_add_or_mark(client, world):
    client.force_login(world["member"])
    response = client.post(
        _week_url(world, W10),
        {"action": "action_add", "action-what": "x", "action-due_on": "2026-03-13"},
    )
    assert response.status_code == 404
    assert not DecidedAction.objects.exists()


def test_another_groups_action_cannot_be_marked_through_this_picture(client, world):
    other_group = SafetyGroupFactory(municipality=world["m"])
    action = action_create(
        actor=world["coordinator"],
        scope=PictureScope(world["m"], other_group),
        week=W10,
        what="Annan grupp",
        due_on=date(2026, 3, 20),
    )
    client.force_login(world["coordinator"])
    response = client.post(
        _week_url(world, W11),
        {"action": "action_status", "action_id": action.pk, "status": "done"},
    )
    assert response.status_code == 404


def test_pdf_of_the_week_lists_the_actions(client, world, monkeypatch):
    from trygg.situation import exports

    seen = {}
    monkeypatch.setattr(exports, "render_pdf", lambda html, **kw: seen.setdefault("html", html))
    monkeypatch.setattr(
        exports,
        "pdf_response",
        lambda pdf, filename: __import__("django.http").http.HttpResponse(pdf),
    )
    _add(world, what="Trygghetsvandring i centrum")
    client.force_login(world["coordinator"])
    client.get(_week_url(world, W10) + "?export=pdf")
    assert "Trygghetsvandring i centrum" in seen["html"]


def test_make_an_operation_of_an_action(client, world):
    action = _add(world, what="Extra patrullering fredagar", due=date(2026, 4, 30))
    client.force_login(world["coordinator"])
    create = reverse("interventions:create") + f"?action={action.pk}"
    form_page = client.get(create).content.decode()
    assert "Extra patrullering fredagar" in form_page
    response = client.post(
        create,
        {
            "municipality": world["m"].pk,
            "title": "Extra patrullering fredagar",
            "areas": [world["area"].pk],
            "starts_on": "2026-03-02",
            "ends_on": "2026-04-30",
            "lead_organisation": world["coordinator"].organisation_id,
            "status": "planned",
        },
    )
    assert response.status_code == 302
    operation = action.operations.get()
    assert operation.weekly_pictures.get() == action.picture
    page = client.get(reverse("situation:action", args=[action.pk])).content.decode()
    assert operation.title in page
    # Another municipality's coordinator cannot reach the action at all.
    client.force_login(user_in(MunicipalityFactory()))
    assert client.get(create).status_code == 404


def test_group_page_links_pictures_and_lists_overdue(client, world):
    late = _add(world, what="Försenad åtgärd", due=W10.monday + timedelta(days=1))
    weekly_picture_publish(actor=world["coordinator"], scope=world["scope"], week=W10)
    client.force_login(world["member"])
    page = client.get(reverse("situation:group", args=[world["group"].pk])).content.decode()
    assert late.what in page
    assert _week_url(world, W10) in page
    # Members do not set the meeting.
    settings_url = reverse("situation:group-settings", args=[world["group"].pk])
    assert settings_url not in page
    assert client.get(settings_url).status_code == 404


def test_coordinator_sets_meeting_and_role_another_municipality_gets_404(client, world):
    url = reverse("situation:group-settings", args=[world["group"].pk])
    client.force_login(world["coordinator"])
    response = client.post(
        url,
        {
            "action": "meeting",
            "weekday": "2",
            "time": "09:30",
            "contact_person": world["member"].pk,
            "mailing_list": "lista@example.org",
        },
    )
    assert response.status_code == 302
    response = client.post(url, {"action": "role", "user": world["member"].pk, "role": "convener"})
    assert response.status_code == 302
    page = client.get(reverse("situation:group", args=[world["group"].pk])).content.decode()
    assert "09:30" in page
    client.force_login(user_in(MunicipalityFactory()))
    assert client.get(url).status_code == 404
    assert client.get(reverse("situation:group", args=[world["group"].pk])).status_code == 404


def test_overdue_page_for_the_coordinator(client, world):
    _add(world, what="Gammal åtgärd", due=date(2026, 3, 3))
    client.force_login(world["coordinator"])
    page = client.get(reverse("situation:overdue")).content.decode()
    assert "Gammal åtgärd" in page


def test_a_group_goes_with_its_pictures_and_actions(world):
    _add(world)
    world["group"].delete()
    assert not DecidedAction.objects.exists()


def test_the_start_page_lists_overdue_actions(client, world):
    late = _add(world, what="Byt lampan vid tunneln", due=W10.monday + timedelta(days=1))
    for user in (world["coordinator"], world["member"]):
        client.force_login(user)
        page = client.get("/").content.decode()
        block = page.split('id="start-situation-overdue-heading"')[1].split("</section>")[0]
        assert late.what in block
        assert reverse("situation:action", args=[late.pk]) in block
    # Another municipality's coordinator sees nothing of it.
    client.force_login(user_in(MunicipalityFactory(), role="safety_coordinator"))
    page = client.get("/").content.decode()
    assert late.what not in page


@pytest.mark.parametrize("weekday", [0, 8, -1])
def test_a_meeting_day_outside_the_week_is_a_clear_error(world, weekday):
    with pytest.raises(ValidationError) as raised:
        group_meeting_save(
            actor=world["coordinator"],
            group=world["group"],
            weekday=weekday,
            time=None,
            contact_person=None,
            mailing_list="",
        )
    assert "weekday" in raised.value.message_dict
