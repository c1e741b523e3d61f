"""The menu comes from a registry the apps fill (trygg.core.navigation): each role sees
exactly the entries it saw when core built the menu itself, in the same order."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from trygg.accounts.models import User
from trygg.accounts.roles import Role
from trygg.core.navigation import menu_for, navigation_for

MENUS = {
    role: ["home", "areas", "groups", *names.split()]
    for role, names in {
        Role.ADMINISTRATOR: "dashboard reports surveys cases concern import api admin",
        Role.SAFETY_COORDINATOR: "dashboard reports surveys report situation residents walks "
        "operations concern import api",
        Role.ANALYST: "dashboard reports surveys report situation walks operations cases "
        "concern import api",
        # Who has nothing to fetch by machine sees no "API" (Capability.USE_API).
        Role.GROUP_MEMBER: "report situation walks operations concern",
        Role.CASE_WORKER: "cases concern",
        Role.SSPF_COORDINATOR: "cases concern",
        Role.MANAGEMENT: "dashboard reports surveys situation operations cases concern",
        Role.READ_ONLY: "dashboard reports surveys concern",
        Role.SURVEY_ADMINISTRATOR: "surveys concern",
    }.items()
}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_sees_its_menu_in_order(role):
    menu = navigation_for(User(username="x", role=role, is_active=True))
    assert [item["name"] for item in menu] == MENUS[role]


def test_every_role_is_pinned():
    assert set(MENUS) == set(Role.values)


@pytest.mark.parametrize(
    ("role", "url", "label"),
    [
        (Role.CASE_WORKER, "/cases/", "Cases"),
        (Role.ANALYST, "/cases/statistics/", "Case statistics"),
    ],
)
def test_cases_entry_is_the_cases_or_their_statistics(role, url, label):
    with translation.override("en"):
        menu = navigation_for(User(username="x", role=role, is_active=True))
        cases = [item for item in menu if item["name"] == "cases"]
        assert [(item["url"], str(item["label"])) for item in cases] == [(url, label)]


def test_labels_and_urls_of_the_full_menu():
    with translation.override("en"):
        menu = navigation_for(User(username="x", role=Role.SAFETY_COORDINATOR, is_active=True))
        assert [(item["url"], str(item["label"])) for item in menu] == [
            ("/", "Overview"),
            ("/areas/", "Areas"),
            ("/groups/", "Safety groups"),
            ("/reports/dashboard/", "Priorities"),
            ("/reports/", "Analyses"),
            ("/surveys/", "Surveys"),
            ("/situation/report/", "Report"),
            ("/situation/", "Situation"),
            ("/residents/", "Residents' reports"),
            ("/residents/walks/", "Safety walks"),
            ("/operations/", "Operations"),
            ("/cases/concerns/new/", "Report a concern"),
            ("/imports/", "Import"),
            ("/api/docs/", "API"),
        ]


def test_an_inactive_user_sees_what_needs_no_capability():
    menu = navigation_for(User(username="x", role=Role.ADMINISTRATOR, is_active=False))
    assert [item["name"] for item in menu] == ["home", "concern"]


def test_anonymous_sees_no_menu():
    assert navigation_for(AnonymousUser()) == []


def test_the_coordinators_long_menu_is_gathered_into_sections():
    """Fourteen entries would wrap to several lines: the coordinator gets seven, three of
    them headings that open their entries."""
    user = User(username="x", role=Role.SAFETY_COORDINATOR, is_active=True)
    menu = menu_for(user)
    assert [(item["name"], item.get("names")) for item in menu] == [
        ("home", None),
        ("places", ["areas", "groups"]),
        ("analysis", ["dashboard", "reports", "surveys", "import"]),
        ("report", None),
        ("situation", ["situation", "residents", "walks", "operations"]),
        ("concern", None),
        ("api", None),
    ]
    # Nothing is lost: the sections hold exactly the entries of the flat menu.
    flat = [entry["name"] for item in menu for entry in item.get("entries", [item])]
    assert sorted(flat) == sorted(item["name"] for item in navigation_for(user))


def test_a_section_with_one_entry_is_that_entry():
    # Survey administrators open one "analysis" entry (surveys): a plain link, not a
    # heading that opens one link.
    user = User(username="x", role=Role.SURVEY_ADMINISTRATOR, is_active=True)
    menu = menu_for(user)
    assert [item["name"] for item in menu] == ["home", "places", "surveys", "concern"]
    assert "entries" not in menu[2]
