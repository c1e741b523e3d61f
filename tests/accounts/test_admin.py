"""The Django admin is for the administrator role only, and never shows individual data."""

from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(two_factor_off):
    return user_in(MunicipalityFactory(), role=Role.ADMINISTRATOR)


def test_administrator_manages_users_areas_and_reads_the_log(client, administrator):
    client.force_login(administrator)
    index = client.get("/admin/").content.decode()
    for url in (
        "/admin/accounts/user/",
        "/admin/accounts/organisation/",
        "/admin/areas/area/",
        "/admin/accounts/safetygroup/",
        "/admin/audit/auditevent/",
    ):
        assert url in index
        assert client.get(url).status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


def test_staff_flag_without_the_role_is_not_enough(client, two_factor_off):
    coordinator = user_in(MunicipalityFactory(), role=Role.SAFETY_COORDINATOR, is_staff=True)
    client.force_login(coordinator)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/accounts/user/").status_code == 302


def test_other_roles_have_no_model_permissions(two_factor_off):
    analyst = user_in(MunicipalityFactory(), role=Role.ANALYST)
    assert not analyst.has_perm("accounts.change_user")
    assert not analyst.has_module_perms("areas")


def test_admin_changes_are_audited(client, administrator):
    from trygg.accounts.models import Organisation
    from trygg.audit.models import AuditEvent

    client.force_login(administrator)
    organisation = Organisation.objects.create(
        key="kyrkan", name="Svenska kyrkan", kind="civil_society"
    )
    municipality = administrator.organisation.municipalities.get()
    response = client.post(
        f"/admin/accounts/organisation/{organisation.pk}/change/",
        {
            "key": "kyrkan",
            "name": "Svenska kyrkan Sundsvall",
            "kind": "civil_society",
            "municipalities": [municipality.pk],
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="update", object_type="accounts.organisation")
    assert event.actor_username == administrator.username
    assert "Svenska kyrkan Sundsvall" in event.summary
    client.post(f"/admin/accounts/organisation/{organisation.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.filter(action="delete", object_id=str(organisation.pk)).exists()
