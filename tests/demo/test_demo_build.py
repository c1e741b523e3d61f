"""The demo municipality: every role has a user, and building it again changes nothing."""

from __future__ import annotations

import pytest

from trygg.accounts.models import SafetyGroup, User
from trygg.accounts.roles import Role
from trygg.areas.models import Area, PopulationCount
from trygg.demo.services import DEMO_PASSWORD, DEMO_USERS, demo_build

pytestmark = pytest.mark.django_db


def test_demo_build_is_complete_and_idempotent(tmp_path):
    first = demo_build(work_dir=tmp_path)
    assert first.municipality_code == "2281"
    assert first.areas.created == Area.objects.count() > 20
    assert first.safety_groups == SafetyGroup.objects.count() == 13
    counts = (Area.objects.count(), PopulationCount.objects.count(), User.objects.count())

    second = demo_build(work_dir=tmp_path)
    assert (second.areas.created, second.areas.updated) == (0, 0)
    assert (second.population.created, second.population.updated) == (0, 0)
    assert (Area.objects.count(), PopulationCount.objects.count(), User.objects.count()) == counts


def test_every_role_has_a_demo_user(tmp_path):
    demo_build(work_dir=tmp_path)
    users = {u.username: u for u in User.objects.all()}
    assert {u.username for u in DEMO_USERS} == set(users)
    assert {u.role for u in users.values()} == set(Role.values) - {Role.READ_ONLY}
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert users["admin"].is_staff and not users["samordnare"].is_staff
    assert users["polis"].organisation.kind == "police"


def test_demo_population_is_sundsvall_sized(tmp_path):
    demo_build(work_dir=tmp_path)
    from django.db.models import Max, Sum

    latest = PopulationCount.objects.aggregate(year=Max("year"))["year"]
    total = PopulationCount.objects.filter(year=latest).aggregate(n=Sum("count"))["n"]
    assert 96_000 <= total <= 102_000


def test_group_members_are_in_their_groups(tmp_path):
    demo_build(work_dir=tmp_path)
    nacksta = SafetyGroup.objects.get(key="tg-nacksta")
    assert {"samordnare", "polis", "skola", "fritid", "faltassistent"} <= set(
        nacksta.members.values_list("username", flat=True)
    )


def test_demo_analysis_runs_once_and_is_published(tmp_path, settings):
    from trygg.demo.services import demo_analysis_refresh
    from trygg.reports.models import AnalysisRun, Publication

    settings.VAR_DIR = tmp_path / "var"
    result = demo_build(work_dir=tmp_path)
    run, fresh = demo_analysis_refresh(result=result)
    assert fresh and run.summary[0]["name"] == "Nacksta"
    assert Publication.objects.filter(run=run, withdrawn_at=None).exists()
    again, fresh_again = demo_analysis_refresh(result=demo_build(work_dir=tmp_path))
    assert not fresh_again and again == run
    assert AnalysisRun.objects.count() == 1
