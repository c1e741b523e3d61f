"""What the demo municipality holds: a user for every role, people in their groups, and a
population the size of Sundsvall's. Building the demo again is tested in test_demo_build.py."""

from __future__ import annotations

import pytest

from tests.shared_db import module_transaction
from trygg.accounts.models import SafetyGroup, User
from trygg.accounts.roles import Role
from trygg.areas.models import PopulationCount
from trygg.demo.services import DEMO_PASSWORD, DEMO_USERS, demo_build

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def module_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, built once for the module: these tests only read it (tests/shared_db.py).
    The module is listed in SHARED_DATA_MODULES (tests/conftest.py)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            result = demo_build(work_dir=tmp_path_factory.mktemp("demo"))
        yield result


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
