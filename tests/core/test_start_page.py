"""The signed-in start page per role: each app registers its blocks (core.navigation), and
the page shows the blocks the user's capabilities allow, filled with what waits for them
(in Swedish, the default language)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import (
    AreaFactory,
    MunicipalityFactory,
    ObservationFactory,
    ResidentReportFactory,
    SafetyGroupFactory,
    user_in,
)
from trygg.accounts.models import SafetyGroupMembership, User
from trygg.accounts.roles import Role
from trygg.analysis.situation import week_of
from trygg.core.navigation import start_block_keys_for
from trygg.situation.models import WeeklyPicture

pytestmark = pytest.mark.django_db

BLOCKS = {
    Role.SAFETY_COORDINATOR: [
        "situation-rises",
        "residents-moderation",
        "situation-overdue",
        "situation-unpublished",
        "reports-analysis",
        "imports-latest",
    ],
    Role.GROUP_MEMBER: [
        "situation-report",
        "situation-overdue",
        "situation-pictures",
        "situation-own-reports",
    ],
    Role.ANALYST: [
        "situation-rises",
        "situation-overdue",
        "situation-unpublished",
        "reports-analysis",
        "imports-latest",
    ],
    Role.MANAGEMENT: ["reports-priorities", "situation-overdue", "situation-published"],
    Role.SSPF_COORDINATOR: ["cases-concerns", "cases-reminders"],
    Role.CASE_WORKER: ["cases-reminders"],
    Role.READ_ONLY: ["reports-priorities"],
    Role.ADMINISTRATOR: ["reports-priorities", "imports-latest"],
    Role.SURVEY_ADMINISTRATOR: [],
}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_gets_its_blocks_in_order(role):
    user = User(username="x", role=role, is_active=True)
    assert start_block_keys_for(user) == BLOCKS[role]


def test_every_role_is_pinned():
    assert set(BLOCKS) == set(Role.values)


@pytest.fixture
def world():
    municipality = MunicipalityFactory(code="2281", name="Sundsvall")
    area = AreaFactory(municipality=municipality, name="Nacksta")
    quiet = AreaFactory(municipality=municipality, name="Haga")
    group = SafetyGroupFactory(municipality=municipality, name="Trygghetsgrupp Nacksta")
    group.areas.add(area)
    other = SafetyGroupFactory(municipality=municipality, name="Trygghetsgrupp Haga")
    other.areas.add(quiet)
    return {
        "municipality": municipality,
        "area": area,
        "group": group,
        "other": other,
    }


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_field_member_gets_the_report_button_their_pictures_and_own_reports(client, world):
    member = user_in(world["municipality"], role=Role.GROUP_MEMBER)
    SafetyGroupMembership.objects.create(group=world["group"], user=member)
    ObservationFactory(area=world["area"], reporter=member, category="vandalism")
    ObservationFactory(area=world["area"], category="disorder")  # someone else's

    html = _home(client, member)

    assert 'class="button primary start-report" href="/situation/report/"' in html
    assert "Dina gruppers lägesbilder" in html
    assert "Trygghetsgrupp Nacksta" in html
    assert "Trygghetsgrupp Haga" not in html  # not their group
    assert "Dina senaste rapporter" in html
    own = html.split("Dina senaste rapporter")[1]
    assert own.count("/situation/observations/") == 2  # the one report and "All reports"
    assert "Verkliga ökningar" not in html
    assert "att granska" not in html


def test_coordinator_sees_rises_moderation_and_unpublished_pictures(client, world):
    coordinator = user_in(world["municipality"], role=Role.SAFETY_COORDINATOR)
    for _ in range(5):
        ObservationFactory(area=world["area"], category="vandalism")
    ResidentReportFactory(area=world["area"])
    ResidentReportFactory(area=world["area"])
    ResidentReportFactory(area=world["area"], status="assessed")
    last_week = week_of(timezone.now()).shifted(-1)
    WeeklyPicture.objects.create(
        municipality=world["municipality"],
        group=world["other"],
        iso_year=last_week.year,
        iso_week=last_week.week,
        status="published",
        published_at=timezone.now(),
    )

    html = _home(client, coordinator)

    rises = html.split('id="start-situation-rises"')[1].split("</section>")[0]
    # The group with the rise comes first, with the category and the area of the rise.
    assert rises.index("Trygghetsgrupp Nacksta") < rises.index("Trygghetsgrupp Haga")
    assert "Verklig ökning:" in rises
    assert "(Nacksta)" in rises
    # The groups without a rise share one line.
    calm = rises.split("Ingen verklig ökning:")[1]
    assert "Trygghetsgrupp Haga" in calm and "Trygghetsgrupp Nacksta" not in calm

    assert "2 rapporter väntar på granskning" in html

    unpublished = html.split('id="start-situation-unpublished"')[1].split("</section>")[0]
    assert str(last_week) in unpublished
    assert "Trygghetsgrupp Nacksta" in unpublished
    assert "Trygghetsgrupp Haga" not in unpublished  # published already
    assert "Rapportera en iakttagelse" not in html  # no big report button


def test_analyst_sees_the_latest_analysis_and_imports(client, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trygg.imports.models import ImportKind
    from trygg.imports.services import upload_create
    from trygg.reports.models import AnalysisRun

    settings.VAR_DIR = tmp_path
    analyst = user_in(world["municipality"], role=Role.ANALYST)
    AnalysisRun.objects.create(municipality=world["municipality"], year=2025)
    upload_create(
        municipality=world["municipality"],
        kind=ImportKind.POPULATION,
        uploaded_file=SimpleUploadedFile("befolkning.csv", b"area_code;year\nX;2026\n"),
    )
    other = MunicipalityFactory()
    AnalysisRun.objects.create(municipality=other, year=2019)

    html = _home(client, analyst)

    analysis = html.split('id="start-reports-analysis"')[1].split("</section>")[0]
    assert "Sundsvall 2025" in analysis
    assert "2019" not in analysis  # another municipality's run
    imports = html.split('id="start-imports-latest"')[1].split("</section>")[0]
    assert "befolkning.csv" in imports


def test_management_sees_priorities_and_published_pictures(client, world):
    boss = user_in(world["municipality"], role=Role.MANAGEMENT)
    week = week_of(timezone.now()).shifted(-1)
    WeeklyPicture.objects.create(
        municipality=world["municipality"],
        group=world["group"],
        iso_year=week.year,
        iso_week=week.week,
        status="published",
        published_at=timezone.now(),
    )
    WeeklyPicture.objects.create(
        municipality=world["municipality"],
        group=world["other"],
        iso_year=week.year,
        iso_week=week.week,
        status="draft",
    )

    html = _home(client, boss)

    assert "Ingen analys har körts ännu." in html
    published = html.split('id="start-situation-published"')[1].split("</section>")[0]
    assert f"Trygghetsgrupp Nacksta: {week}" in published
    assert "Trygghetsgrupp Haga" not in published  # a draft
    assert "Verkliga ökningar" not in html


def test_field_member_menu_has_no_api(client, world):
    member = user_in(world["municipality"], role=Role.GROUP_MEMBER)
    html = _home(client, member)
    assert "/api/docs/" not in html
    assert "/api-keys/" not in html
    analyst = user_in(world["municipality"], role=Role.ANALYST)
    html = _home(client, analyst)
    assert "/api/docs/" in html
    assert "/api-keys/" in html
