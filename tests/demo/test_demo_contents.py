"""What the demo municipality holds: a user for every role, people in their groups, a
population the size of Sundsvall's, and the EST cycle built on its analysis (operations with
evaluations, citizen promises, weekly pictures with reviewed actions, residents' reports in
every state). Building the demo again is tested in test_demo_build.py; the cycle here."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.shared_db import module_transaction
from trygg.accounts.models import SafetyGroup, User
from trygg.accounts.roles import Role
from trygg.areas.models import PopulationCount
from trygg.demo.services import DEMO_PASSWORD, DEMO_USERS, demo_build

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def module_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo with its analysis (no PDF) and the cycle, built once for the module: these
    tests only read it (tests/shared_db.py). The module is listed in SHARED_DATA_MODULES
    (tests/conftest.py)."""
    from django.test import override_settings

    from trygg.analysis.pipeline import AnalysisParams
    from trygg.areas.models import Municipality
    from trygg.demo.cycle import demo_cycle_build
    from trygg.reports.services import analysis_run_create

    work = tmp_path_factory.mktemp("demo")
    with override_settings(VAR_DIR=work / "var"), module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            result = demo_build(work_dir=work / "demo")
            run = analysis_run_create(
                municipality=Municipality.objects.get(code="2281"),
                params=AnalysisParams(pdf=False),
            )
            cycle = demo_cycle_build(run=run)
        yield SimpleNamespace(result=result, run=run, cycle=cycle)


@pytest.fixture
def demo(db, module_demo):
    return module_demo


def test_every_role_has_a_demo_user(demo):
    users = {u.username: u for u in User.objects.all()}
    assert {u.username for u in DEMO_USERS} == set(users)
    assert {u.role for u in users.values()} == set(Role.values) - {Role.READ_ONLY}
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert users["admin"].is_staff and not users["samordnare"].is_staff
    assert users["polis"].organisation.kind == "police"


def test_demo_population_is_sundsvall_sized(demo):
    from django.db.models import Max, Sum

    latest = PopulationCount.objects.aggregate(year=Max("year"))["year"]
    total = PopulationCount.objects.filter(year=latest).aggregate(n=Sum("count"))["n"]
    assert 96_000 <= total <= 102_000


def test_group_members_are_in_their_groups(demo):
    nacksta = SafetyGroup.objects.get(key="tg-nacksta")
    assert {"samordnare", "polis", "skola", "fritid", "faltassistent"} <= set(
        nacksta.members.values_list("username", flat=True)
    )


# --------------------------------------------------------------------------- the cycle


def test_demo_members_have_example_addresses(demo):
    emails = list(User.objects.values_list("email", flat=True))
    assert emails and all(e.endswith("@example.se") for e in emails)


def test_demo_settings_send_mail_to_the_local_mailbox(monkeypatch):
    import importlib

    monkeypatch.delenv("TRYGG_MAIL_BACKEND", raising=False)
    demo_settings = importlib.import_module("trygg.settings.demo")
    mailer = importlib.reload(demo_settings).MAILERS["default"]
    assert mailer["BACKEND"].endswith("filebased.EmailBackend")
    assert mailer["OPTIONS"]["file_path"] == str(demo_settings.VAR_DIR / "mail")


def test_demo_operations_are_in_the_top_priority_areas_with_evaluations(demo):
    from trygg.demo.cycle import EXPECTED_TOP_AREAS, OPERATION_TOP
    from trygg.interventions.evaluation import operation_evaluation
    from trygg.interventions.models import Operation

    top = [row["name"] for row in demo.run.summary[:OPERATION_TOP]]
    # The planted fall (demo_operations_effect) lies where the operations are.
    assert tuple(top) == EXPECTED_TOP_AREAS
    operations = list(Operation.objects.filter(decided_action=None))
    assert sorted(a.name for o in operations for a in o.areas.all()) == sorted(top)
    thin = "Too thin to tell"
    told = 0
    for operation in operations:
        assert operation.actions.count() >= 3 and operation.organisations.exists()
        evaluation = operation_evaluation(operation)
        assert evaluation.periods.before and evaluation.periods.during
        assert evaluation.periods.after
        observations = evaluation.outcomes[0]
        totals = {t["period"]: t["treated"] for t in observations.totals}
        assert totals["before"] > totals["during"] > 0
        texts = [o.during_text for o in evaluation.outcomes] + [
            o.after_text for o in evaluation.outcomes
        ]
        assert all(texts)
        told += any(not t.startswith(thin) for t in texts)
    assert told >= len(operations) - 1


def test_demo_promises_are_public_and_linked_to_operations(demo):
    from trygg.interventions.models import CitizenPromise

    promises = list(CitizenPromise.objects.all())
    assert len(promises) >= 2
    assert all(p.is_public and p.operations.exists() for p in promises)


def test_demo_weekly_pictures_are_published_with_reviewed_actions(demo):
    from trygg.analysis.situation import week_of_date
    from trygg.demo.cycle import PICTURE_WEEKS
    from trygg.situation.models import (
        ActionStatus,
        DecidedActionReview,
        GroupMeeting,
        GroupMemberRole,
        WeeklyPicture,
    )

    groups = SafetyGroup.objects.filter(areas__isnull=False).distinct()
    this_week = week_of_date(timezone.localdate())
    for group in groups:
        published = WeeklyPicture.objects.filter(group=group, status="published")
        assert published.count() == PICTURE_WEEKS
        assert all(p.assessment and p.snapshot["actions"] for p in published)
        draft = WeeklyPicture.objects.get(
            group=group, iso_year=this_week.year, iso_week=this_week.week
        )
        assert not draft.is_published
        meeting = GroupMeeting.objects.get(group=group)
        assert meeting.weekday and meeting.time and meeting.contact_person
        assert GroupMemberRole.objects.filter(membership__group=group).count() == (
            group.memberships.count()
        )
    reviewed = set(DecidedActionReview.objects.values_list("status", flat=True))
    assert {ActionStatus.DONE, ActionStatus.NOT_DONE, ActionStatus.POSTPONED} <= reviewed


def test_one_decided_action_became_an_operation(demo):
    from trygg.interventions.models import Operation

    operation = Operation.objects.get(decided_action__isnull=False)
    assert operation.weekly_pictures.filter(pk=operation.decided_action.picture_id).exists()
    assert operation.decided_action.picture.is_published


def test_demo_resident_reports_are_in_every_state(demo):
    from trygg.residents.models import ReportStatus, ResidentReport

    reports = ResidentReport.objects.all()
    assert set(reports.values_list("status", flat=True)) == set(ReportStatus.values)
    in_progress = reports.get(status=ReportStatus.IN_PROGRESS)
    assert in_progress.dispatches.exists()
    assert reports.filter(text_public=True).exists()


def test_the_department_link_of_the_report_in_progress_opens(demo, client):
    from trygg.demo.cycle import demo_department_link
    from trygg.residents.models import ResidentReport

    link = demo_department_link(ResidentReport.objects.first().municipality)
    assert "/trygghet/status/" in link
    assert client.get(link[link.index("/trygghet/") :]).status_code == 200


def test_building_the_cycle_again_changes_nothing(demo):
    from trygg.demo.cycle import demo_cycle_build
    from trygg.interventions.models import CitizenPromise, Operation, OperationAction
    from trygg.situation.models import (
        DecidedAction,
        DecidedActionReview,
        GroupMeeting,
        GroupMemberRole,
        WeeklyPicture,
    )

    models = (
        Operation,
        OperationAction,
        CitizenPromise,
        WeeklyPicture,
        DecidedAction,
        DecidedActionReview,
        GroupMeeting,
        GroupMemberRole,
    )
    counts = [m.objects.count() for m in models]
    again = demo_cycle_build(run=demo.run)
    assert (again.operations, again.promises, again.pictures, again.actions) == (0, 0, 0, 0)
    assert [m.objects.count() for m in models] == counts


def test_demo_pages_show_the_cycle(demo, client):
    """The coordinator opens an operation (its evaluation) and a group's last published
    week (its assessment and actions)."""
    from django.urls import reverse

    from trygg.analysis.situation import week_of_date
    from trygg.interventions.models import Operation
    from trygg.situation.models import WeeklyPicture

    client.force_login(User.objects.get(username="samordnare"))
    operation = Operation.objects.filter(decided_action=None).first()
    page = client.get(reverse("interventions:detail", args=[operation.pk]))
    assert page.status_code == 200
    assert operation.title in page.content.decode()
    week = week_of_date(timezone.localdate()).shifted(-1)
    group = SafetyGroup.objects.get(key="tg-nacksta")
    picture = WeeklyPicture.objects.get(group=group, iso_year=week.year, iso_week=week.week)
    page = client.get(reverse("situation:week-group", args=[group.pk, str(week)]))
    assert page.status_code == 200
    text = page.content.decode()
    assert picture.assessment in text
    assert picture.actions_decided.first().what in text
