"""Error pages speak the user's language, fit a phone and say what to do (issue 17, defect 3)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings
from django.views.defaults import server_error

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_not_found_is_a_styled_swedish_page_with_a_way_on(client, signed_in):
    if signed_in:
        client.force_login(user_in(MunicipalityFactory(), role=Role.GROUP_MEMBER))
    # Signed in: an area that does not exist; anonymous: a page that does not exist.
    path = "/areas/999999/" if signed_in else "/trygghet/no-such-page/at-all/"
    response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert '<meta name="viewport"' in page and 'lang="sv"' in page
    assert "Sidan kan inte visas" in page and "Not Found" not in page
    assert 'href="/"' in page  # the start page
    if signed_in:
        assert "Be samordnaren" in page
    else:
        assert 'href="/accounts/login/"' in page


@pytest.mark.django_db
def test_not_found_in_english_when_english_is_chosen(client):
    client.cookies["django_language"] = "en"
    page = client.get("/trygghet/no-such-page/at-all/").content.decode()
    assert "The page cannot be shown" in page


@pytest.mark.django_db
def test_a_refused_form_post_is_explained():
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_in(MunicipalityFactory(), role=Role.SAFETY_COORDINATOR))
    response = client.post("/situation/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Begäran avvisades" in page and "kakor" in page


@override_settings(LANGUAGE_CODE="sv")
def test_server_error_page_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/whatever/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Något gick fel" in page and '<meta name="viewport"' in page
    assert "Server Error" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_menu_link_opens_for_the_role_that_sees_it(client, settings, role):
    """No role's menu leads to a page that role cannot open (the survey administrator's once
    did, to the import page)."""
    from trygg.core.navigation import navigation_for

    settings.TRYGG_REQUIRE_TWO_FACTOR = False  # the menu, not the second factor, is tested
    user = user_in(MunicipalityFactory(), role=role)
    client.force_login(user)
    for item in navigation_for(user):
        response = client.get(item["url"])
        assert response.status_code == 200, f"{role}: {item['url']} -> {response.status_code}"


@pytest.mark.django_db
def test_a_forbidden_object_and_a_missing_one_get_the_same_bytes(client):
    """The styled page must not tell a forbidden object from a missing one (no path, no form
    token, nothing that differs between the two answers)."""
    from tests.factories import AreaFactory

    own, other = MunicipalityFactory(), MunicipalityFactory()
    client.force_login(user_in(own, role=Role.GROUP_MEMBER))
    forbidden = client.get(f"/areas/{AreaFactory(municipality=other).id}/")
    missing = client.get("/areas/987654321/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content
