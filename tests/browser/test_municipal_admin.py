"""A municipal administrator creates a user from a phone: every administration page fits
390 px and the one-time password can be read off the answer page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_menu, sign_in
from tests.factories import PASSWORD, AreaFactory, MunicipalityFactory, SafetyGroupFactory, user_in
from trygg.accounts.models import User
from trygg.accounts.roles import Role

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_administrator_manages_users_on_a_phone(browser, live_server, transactional_db, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    sundsvall = MunicipalityFactory(code="2281", name="Sundsvall")
    admin = user_in(sundsvall, role=Role.ADMINISTRATOR, username="admin-sundsvall")
    local = user_in(sundsvall, role=Role.CASE_WORKER, username="anna", email="anna@example.se")
    area = AreaFactory(municipality=sundsvall, name="Nacksta med ett mycket långt områdesnamn")
    group = SafetyGroupFactory(municipality=sundsvall, lead_organisation=local.organisation)
    context = browser.new_context(viewport=PHONE, locale="sv-SE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server.url, admin.username, PASSWORD)

    page.goto(f"{live_server.url}/")
    open_menu(page)
    page.click("text=Administration")
    assert page.url.endswith("/manage/")
    for path in (
        "/manage/",
        "/manage/users/",
        f"/manage/users/{local.pk}/",
        f"/manage/users/{local.pk}/password/",
        "/manage/organisations/",
        "/manage/organisations/new/",
        "/manage/areas/",
        f"/manage/areas/{area.pk}/",
        "/groups/new/",
        f"/groups/{group.pk}/edit/",
        f"/groups/{group.pk}/members/",
        "/manage/users/new/",
    ):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)

    page.fill("#id_username", "lisa")
    page.fill("#id_first_name", "Lisa")
    page.select_option("#id_organisation", str(local.organisation_id))
    page.select_option("#id_role", Role.GROUP_MEMBER)
    page.click("button.primary")
    password = page.inner_text("[data-testid=one-time-password]").strip()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert User.objects.get(username="lisa").check_password(password)
    assert errors == []
    context.close()
