"""The municipal administrator's pages (issue 14, item 3): users, organisations, safety
groups and areas of the administrator's own municipality, every change audited, nothing of
another municipality reachable (404, the same as a missing object)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from tests.factories import (
    PASSWORD,
    AreaFactory,
    MunicipalityFactory,
    OrganisationFactory,
    SafetyGroupFactory,
    UserFactory,
    user_in,
)
from trygg.accounts import services
from trygg.accounts.models import Organisation, SafetyGroup, SafetyGroupMembership, User
from trygg.accounts.roles import Role
from trygg.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def sundsvall():
    return MunicipalityFactory(code="2281", name="Sundsvall")


@pytest.fixture
def timra():
    return MunicipalityFactory(code="2262", name="Timrå")


@pytest.fixture
def admin(two_factor_off, sundsvall):
    return user_in(sundsvall, role=Role.ADMINISTRATOR, username="admin-sundsvall")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def local_user(sundsvall):
    return user_in(sundsvall, role=Role.CASE_WORKER, username="anna", email="anna@example.se")


@pytest.fixture
def timra_user(timra):
    return user_in(timra, role=Role.CASE_WORKER, username="tim")


def with_second_factor(user: User) -> User:
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    return user


def edit_form(user: User, **changes) -> dict:
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "organisation": user.organisation_id,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def audit_count() -> int:
    return AuditEvent.objects.count()


# --- scoping ------------------------------------------------------------------------------


def test_another_municipalitys_user_is_404_for_every_read_and_write(admin_client, timra_user):
    with_second_factor(timra_user)
    before = audit_count()
    pk = timra_user.pk
    for name in ("manage:user", "manage:user-password", "manage:user-authenticators"):
        url = reverse(name, args=[pk])
        assert admin_client.get(url).status_code == 404, name
        assert admin_client.post(url, edit_form(timra_user, role=Role.READ_ONLY)).status_code == (
            404
        ), name
    timra_user.refresh_from_db()
    assert timra_user.role == Role.CASE_WORKER
    assert timra_user.check_password(PASSWORD)
    assert Authenticator.objects.filter(user=timra_user).count() == 2
    assert audit_count() == before
    listing = admin_client.get(reverse("manage:users")).content.decode()
    assert "tim" not in listing.split("<tbody>")[1]


def test_a_missing_user_looks_like_another_municipalitys(admin_client, timra_user):
    assert admin_client.get(reverse("manage:user", args=[10**9])).status_code == 404


def test_organisation_spanning_two_municipalities_is_the_operators(admin_client, sundsvall, timra):
    police = OrganisationFactory(name="Polisen LPO", municipalities=[sundsvall, timra])
    officer = UserFactory(organisation=police, role=Role.ANALYST)
    assert admin_client.get(reverse("manage:user", args=[officer.pk])).status_code == 404
    assert admin_client.get(reverse("manage:organisation", args=[police.pk])).status_code == 404
    response = admin_client.post(
        reverse("manage:organisation", args=[police.pk]), {"name": "X", "kind": "police"}
    )
    assert response.status_code == 404
    police.refresh_from_db()
    assert police.name == "Polisen LPO"


def test_superusers_are_out_of_reach(admin_client, sundsvall, admin):
    operator = UserFactory(organisation=admin.organisation, role=Role.READ_ONLY)
    User.objects.filter(pk=operator.pk).update(is_superuser=True)
    assert admin_client.get(reverse("manage:user", args=[operator.pk])).status_code == 404
    assert admin_client.post(reverse("manage:user-password", args=[operator.pk])).status_code == (
        404
    )


def test_other_municipalitys_organisation_area_and_group_are_404(admin_client, timra):
    organisation = OrganisationFactory(municipalities=[timra])
    area = AreaFactory(municipality=timra, name="Vivsta")
    group = SafetyGroupFactory(municipality=timra, lead_organisation=organisation)
    for url, data in (
        (reverse("manage:organisation", args=[organisation.pk]), {"name": "X", "kind": "school"}),
        (reverse("manage:area", args=[area.pk]), {"name": "X", "population": "1"}),
        (reverse("groups:edit", args=[group.pk]), {"name": "X"}),
        (reverse("groups:members", args=[group.pk]), {"action": "remove", "user": "1"}),
    ):
        assert admin_client.get(url).status_code == 404, url
        assert admin_client.post(url, data).status_code == 404, url
    area.refresh_from_db()
    assert area.name == "Vivsta"


def test_services_refuse_another_municipality_even_without_the_pages(admin, timra_user, timra):
    # A forged call (a future view that forgets its selector) is still refused.
    with pytest.raises(PermissionDenied):
        services.user_password_reset(actor=admin, user=timra_user)
    with pytest.raises(PermissionDenied):
        services.user_update(
            actor=admin,
            user=timra_user,
            first_name="",
            last_name="",
            email="",
            organisation=admin.organisation,
            role=Role.READ_ONLY,
            is_active=True,
        )
    with pytest.raises(PermissionDenied):
        services.organisation_create(
            actor=admin, name="Timrå skola", kind="school", municipalities=[timra]
        )


@pytest.mark.parametrize(
    "role", [r for r in Role.values if r != Role.ADMINISTRATOR], ids=lambda r: r
)
def test_non_administrators_get_404_for_reads_and_writes(client, two_factor_off, sundsvall, role):
    local = user_in(sundsvall, role=Role.READ_ONLY)
    client.force_login(user_in(sundsvall, role=role))
    for url in (
        reverse("manage:index"),
        reverse("manage:users"),
        reverse("manage:user-create"),
        reverse("manage:user", args=[local.pk]),
        reverse("manage:user-password", args=[local.pk]),
        reverse("manage:organisations"),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"username": "x", "role": Role.ADMINISTRATOR}).status_code == 404
    local.refresh_from_db()
    assert local.check_password(PASSWORD)
    assert not User.objects.filter(username="x").exists()


# --- creating users and roles -------------------------------------------------------------


def test_administrator_creates_a_user_and_sees_the_password_once(admin_client, admin, sundsvall):
    school = OrganisationFactory(name="Skolan", municipalities=[sundsvall])
    response = admin_client.post(
        reverse("manage:user-create"),
        {
            "username": "Lisa",
            "first_name": "Lisa",
            "last_name": "Lärare",
            "email": "lisa@example.se",
            "organisation": school.pk,
            "role": Role.GROUP_MEMBER,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    user = User.objects.get(username="Lisa")
    assert (user.organisation, user.role, user.email) == (
        school,
        Role.GROUP_MEMBER,
        "lisa@example.se",
    )
    assert not user.is_staff and not user.is_superuser
    assert user.check_password(password)
    assert password not in user.password
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.object_id) == ("create", "user", str(user.pk))
    assert event.actor == admin and event.municipality_code == "2281"
    # The page of the user never shows it again.
    assert password not in admin_client.get(reverse("manage:user", args=[user.pk])).content.decode()


def test_creating_in_another_municipalitys_organisation_is_refused(admin_client, timra):
    foreign = OrganisationFactory(municipalities=[timra])
    response = admin_client.post(
        reverse("manage:user-create"),
        {"username": "smuggled", "organisation": foreign.pk, "role": Role.READ_ONLY},
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not User.objects.filter(username="smuggled").exists()


def test_taken_user_name_is_refused_case_insensitively(admin_client, local_user):
    response = admin_client.post(
        reverse("manage:user-create"),
        {"username": "ANNA", "organisation": local_user.organisation_id, "role": "read_only"},
    )
    assert "username" in response.context["form"].errors
    assert User.objects.filter(username__iexact="anna").count() == 1


@pytest.mark.parametrize("role", ["superuser", "operator", "staff", ""])
def test_no_role_beyond_the_list_can_be_given(admin_client, local_user, role):
    before = audit_count()
    response = admin_client.post(
        reverse("manage:user", args=[local_user.pk]), edit_form(local_user, role=role)
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    local_user.refresh_from_db()
    assert local_user.role == Role.CASE_WORKER
    assert audit_count() == before


def test_superuser_and_staff_flags_in_a_forged_form_are_ignored(admin_client, local_user):
    admin_client.post(
        reverse("manage:user", args=[local_user.pk]),
        edit_form(local_user, is_superuser="on", is_staff="on", role=Role.ADMINISTRATOR),
    )
    local_user.refresh_from_db()
    assert local_user.role == Role.ADMINISTRATOR
    assert not local_user.is_superuser and not local_user.is_staff
    admin_client.post(
        reverse("manage:user-create"),
        {
            "username": "forged",
            "organisation": local_user.organisation_id,
            "role": Role.READ_ONLY,
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    forged = User.objects.get(username="forged")
    assert not forged.is_superuser and not forged.is_staff


# --- editing users ------------------------------------------------------------------------


def test_editing_role_organisation_and_active_is_audited_with_the_change(
    admin_client, admin, local_user, sundsvall
):
    other_org = OrganisationFactory(name="Fritid", municipalities=[sundsvall])
    response = admin_client.post(
        reverse("manage:user", args=[local_user.pk]),
        edit_form(local_user, role=Role.SSPF_COORDINATOR, organisation=other_org.pk, is_active=""),
    )
    assert response.status_code == 302
    local_user.refresh_from_db()
    assert (local_user.role, local_user.organisation, local_user.is_active) == (
        Role.SSPF_COORDINATOR,
        other_org,
        False,
    )
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.actor) == ("update", str(local_user.pk), admin)
    assert event.details["changed"]["role"] == [Role.CASE_WORKER, Role.SSPF_COORDINATOR]
    assert event.details["changed"]["is_active"] == [True, False]
    assert event.details["changed"]["organisation"][1] == other_org.key


def test_a_deactivated_user_is_signed_out(admin_client, local_user, two_factor_off):
    theirs = Client()
    assert (
        theirs.post(reverse("account_login"), {"login": "anna", "password": PASSWORD}).status_code
        == 302
    )
    assert theirs.get(reverse("home")).status_code == 200
    admin_client.post(
        reverse("manage:user", args=[local_user.pk]), edit_form(local_user, is_active="")
    )
    # Signed out: a staff page sends to the login form (/ is the public start page now).
    response = theirs.get(reverse("groups:list"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    "change", [{"is_active": ""}, {"role": Role.READ_ONLY}, {"organisation": "other"}]
)
def test_administrator_cannot_demote_move_or_deactivate_themselves(
    admin_client, admin, sundsvall, change
):
    if change.get("organisation") == "other":
        change = {"organisation": OrganisationFactory(municipalities=[sundsvall]).pk}
    response = admin_client.post(
        reverse("manage:user", args=[admin.pk]), edit_form(admin, **change)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    admin.refresh_from_db()
    assert admin.is_active and admin.role == Role.ADMINISTRATOR
    # Their own name they may change.
    response = admin_client.post(
        reverse("manage:user", args=[admin.pk]), edit_form(admin, first_name="Ada")
    )
    assert response.status_code == 302


def test_list_shows_last_login_and_filters(admin_client, local_user, sundsvall):
    import datetime

    User.objects.filter(pk=local_user.pk).update(
        last_login=datetime.datetime(2026, 3, 2, 8, 15, tzinfo=datetime.UTC)
    )
    user_in(sundsvall, role=Role.READ_ONLY, username="bertil", is_active=False)
    page = admin_client.get(reverse("manage:users")).content.decode()
    assert "2026-03-02" in page and "anna" in page and "bertil" in page

    def names(**query):
        response = admin_client.get(reverse("manage:users"), query)
        assert response.status_code == 200
        return {u.username for u in response.context["page"]}

    assert names(q="ANN") == {"anna"}
    assert names(role=Role.READ_ONLY) == {"bertil"}
    assert names(active="0") == {"bertil"}
    assert "anna" in names(organisation=local_user.organisation_id)
    assert "bertil" not in names(organisation=local_user.organisation_id)


@pytest.mark.parametrize(
    "query",
    [
        {"organisation": "99999999999999999999"},
        {"organisation": "x"},
        {"active": "maybe"},
        {"role": "superuser"},
        {"page": "0001"},
        {"page": "-1"},
        {"q": "a\x00b"},
        {"q": "x" * 5000},
    ],
)
def test_malformed_filters_do_not_break_the_list(admin_client, local_user, query):
    assert admin_client.get(reverse("manage:users"), query).status_code == 200


def test_another_municipalitys_organisation_is_no_filter_choice(admin_client, timra_user):
    response = admin_client.get(
        reverse("manage:users"), {"organisation": timra_user.organisation_id}
    )
    assert response.context["form"].errors
    assert "tim" not in {u.username for u in response.context["page"]}


# --- password and second factor -----------------------------------------------------------


def test_password_reset_shows_a_new_password_once_signs_out_and_is_audited(
    admin_client, admin, local_user, two_factor_off
):
    theirs = Client()
    theirs.post(reverse("account_login"), {"login": "anna", "password": PASSWORD})
    assert theirs.get(reverse("home")).status_code == 200
    url = reverse("manage:user-password", args=[local_user.pk])
    assert admin_client.get(url).status_code == 200
    local_user.refresh_from_db()
    assert local_user.check_password(PASSWORD), "a GET changes nothing"
    response = admin_client.post(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = response.context["password"]
    local_user.refresh_from_db()
    assert local_user.check_password(password) and not local_user.check_password(PASSWORD)
    assert theirs.get(reverse("groups:list")).status_code == 302  # signed out
    event = AuditEvent.objects.latest("id")
    assert event.actor == admin and event.object_id == str(local_user.pk)
    assert event.details["password_reset"] is True
    assert password not in str(event.details) + event.summary


def test_removing_a_users_second_factor_lets_them_enrol_again_and_is_audited(
    admin_client, admin, local_user
):
    with_second_factor(local_user)
    url = reverse("manage:user-authenticators", args=[local_user.pk])
    assert admin_client.get(url).status_code == 200
    assert Authenticator.objects.filter(user=local_user).count() == 2
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=local_user).exists()
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.actor) == ("delete", "authenticator", admin)
    assert event.details["removed"] == ["recovery_codes", "totp"]
    assert event.municipality_code == "2281"


def test_removing_second_factor_of_a_user_without_one_is_refused(admin_client, local_user):
    before = audit_count()
    response = admin_client.post(reverse("manage:user-authenticators", args=[local_user.pk]))
    assert response.status_code == 200 and response.context["error"]
    assert audit_count() == before


def test_administrator_cannot_reset_or_strip_their_own_login_here(admin_client, admin):
    with_second_factor(admin)
    password_page = admin_client.post(reverse("manage:user-password", args=[admin.pk]))
    assert password_page.status_code == 200 and password_page.context["error"]
    factors_page = admin_client.post(reverse("manage:user-authenticators", args=[admin.pk]))
    assert factors_page.status_code == 200 and factors_page.context["error"]
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    assert Authenticator.objects.filter(user=admin).count() == 2


# --- organisations, areas, groups ---------------------------------------------------------


def test_organisations_are_created_in_own_municipality_and_edited_with_audit(
    admin_client, admin, sundsvall, timra
):
    refused = admin_client.post(
        reverse("manage:organisation-create"),
        {"name": "Timrå skola", "kind": "school", "municipalities": [timra.pk]},
    )
    assert "municipalities" in refused.context["form"].errors
    assert not Organisation.objects.filter(name="Timrå skola").exists()
    admin_client.post(
        reverse("manage:organisation-create"),
        {"name": "Fältgruppen", "kind": "field_work", "municipalities": [sundsvall.pk]},
    )
    organisation = Organisation.objects.get(name="Fältgruppen")
    assert list(organisation.municipalities.all()) == [sundsvall]
    assert AuditEvent.objects.latest("id").object_type == "organisation"
    admin_client.post(
        reverse("manage:organisation", args=[organisation.pk]),
        {"name": "Fältgruppen city", "kind": "leisure"},
    )
    organisation.refresh_from_db()
    assert (organisation.name, organisation.kind) == ("Fältgruppen city", "leisure")
    event = AuditEvent.objects.latest("id")
    assert event.action == "update" and event.details["changed"]["name"][1] == "Fältgruppen city"
    listing = admin_client.get(reverse("manage:organisations")).content.decode()
    assert "Fältgruppen city" in listing


def test_area_rename_and_population_are_audited(admin_client, admin, sundsvall):
    area = AreaFactory(municipality=sundsvall, name="Nacksta", population=4000)
    assert "Nacksta" in admin_client.get(reverse("manage:areas")).content.decode()
    response = admin_client.post(
        reverse("manage:area", args=[area.pk]), {"name": "Nacksta C", "population": "4100"}
    )
    assert response.status_code == 302
    area.refresh_from_db()
    assert (area.name, area.population) == ("Nacksta C", 4100)
    event = AuditEvent.objects.latest("id")
    assert event.object_type == "area" and event.details["changed"]["population"] == [4000, 4100]
    bad = admin_client.post(
        reverse("manage:area", args=[area.pk]), {"name": "", "population": "-5"}
    )
    assert bad.status_code == 200 and set(bad.context["form"].errors) == {"name", "population"}


def test_coordinator_creates_edits_and_staffs_a_group_in_own_municipality(
    client, two_factor_off, sundsvall, timra
):
    coordinator = user_in(sundsvall, role=Role.SAFETY_COORDINATOR)
    client.force_login(coordinator)
    lead = OrganisationFactory(name="Socialtjänsten", municipalities=[sundsvall])
    area = AreaFactory(municipality=sundsvall)
    foreign_area = AreaFactory(municipality=timra)
    foreign_lead = OrganisationFactory(municipalities=[timra])
    refused = client.post(
        reverse("groups:create"),
        {
            "municipality": sundsvall.pk,
            "name": "Skogsvallen",
            "lead_organisation": foreign_lead.pk,
            "areas": [foreign_area.pk],
        },
    )
    assert set(refused.context["form"].errors) == {"lead_organisation", "areas"}
    response = client.post(
        reverse("groups:create"),
        {
            "municipality": sundsvall.pk,
            "name": "Skogsvallen",
            "lead_organisation": lead.pk,
            "areas": [area.pk],
        },
    )
    group = SafetyGroup.objects.get(name="Skogsvallen")
    assert response.url == reverse("groups:detail", args=[group.pk])
    assert list(group.areas.all()) == [area]
    client.post(
        reverse("groups:edit", args=[group.pk]),
        {"name": "Skogsvallen–Nacksta", "lead_organisation": lead.pk, "areas": []},
    )
    group.refresh_from_db()
    assert group.name == "Skogsvallen–Nacksta" and not group.areas.exists()

    member = user_in(sundsvall, role=Role.GROUP_MEMBER)
    outsider = user_in(timra, role=Role.GROUP_MEMBER)
    members_url = reverse("groups:members", args=[group.pk])
    refused = client.post(members_url, {"action": "add", "user": outsider.pk})
    assert "user" in refused.context["form"].errors
    client.post(members_url, {"action": "add", "user": member.pk, "is_convener": "on"})
    membership = SafetyGroupMembership.objects.get(group=group, user=member)
    assert membership.is_convener
    event = AuditEvent.objects.latest("id")
    assert event.object_type == "safety_group_membership" and event.actor == coordinator
    assert client.post(members_url, {"action": "remove", "user": outsider.pk}).status_code == 404
    client.post(members_url, {"action": "remove", "user": member.pk})
    assert not SafetyGroupMembership.objects.filter(group=group).exists()
    assert AuditEvent.objects.latest("id").action == "delete"
    actions = list(
        AuditEvent.objects.filter(actor=coordinator)
        .exclude(action="login")
        .values_list("object_type", "action")
    )
    assert actions == [
        ("safety_group", "create"),
        ("safety_group", "update"),
        ("safety_group_membership", "create"),
        ("safety_group_membership", "delete"),
    ]


def test_group_members_cannot_manage_groups(client, two_factor_off, sundsvall):
    group = SafetyGroupFactory(municipality=sundsvall)
    client.force_login(user_in(sundsvall, role=Role.GROUP_MEMBER))
    assert client.get(reverse("groups:edit", args=[group.pk])).status_code == 404
    assert "groups:create" not in client.get(reverse("groups:list")).content.decode()
    assert reverse("groups:create") not in client.get(reverse("groups:list")).content.decode()


def test_administrators_menu_leads_to_the_municipal_pages(admin_client):
    page = admin_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("manage:index")}"' in page
    assert 'href="/admin/"' not in page


def test_pages_are_swedish(admin_client, local_user):
    admin_client.cookies["django_language"] = "sv"
    page = admin_client.get(reverse("manage:user", args=[local_user.pk]), HTTP_ACCEPT_LANGUAGE="sv")
    text = page.content.decode()
    assert "Återställ lösenord" in text
    assert "Senaste inloggning" in text


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_pages_answer_only_get_and_post(admin_client, local_user, method):
    url = reverse("manage:user", args=[local_user.pk])
    assert getattr(admin_client, method)(url).status_code == 405
    local_user.refresh_from_db()
    assert local_user.is_active
