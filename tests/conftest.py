"""Shared fixtures. In CI (CI=true) a skipped test is a failure: nothing CI is meant to run
may silently drop out (a missing browser, a missing database)."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI") == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, where it must run: {reason}"


@pytest.fixture
def two_factor_off(settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    return settings


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` test PostgreSQL-only features; on another database they are
    deselected (the PostgreSQL run of `make test` runs them), not skipped. Tests marked
    `markup` check the pages' HTML (accessibility, keyboard), which is the same on every
    database: the PostgreSQL run deselects them, the SQLite run has them."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    unwanted = "markup" if on_postgres else "postgres"
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker(unwanted) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="module")
def module_demo_run(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo municipality and one analysis run, built once per module (tests/shared_db.py);
    tests use `demo_run`."""
    from tests.shared_db import demo_run_for_module

    yield from demo_run_for_module(django_db_blocker, tmp_path_factory)


@pytest.fixture
def demo_run(db, module_demo_run):
    """The module's shared demo run, read afresh so that nothing one test caches on the object
    carries over to the next; what a test changes in the database is rolled back after it."""
    from trygg.reports.models import AnalysisRun

    return AnalysisRun.objects.get(pk=module_demo_run.pk)


# Modules whose tests share data built once per module (tests/shared_db.py). pytest-xdist's
# `load` hands out tests one by one, which would build that data once on each worker; these
# modules go to one worker as a whole, every other test is handed out on its own as before.
# (xdist's own `--dist loadgroup` does not group under pytest 9.2: it renames items through
# `item._nodeid`, which pytest no longer reads.)
SHARED_DATA_MODULES = frozenset(
    {
        "tests/cases/test_no_store.py",
        "tests/demo/test_demo_contents.py",
        "tests/deploy/test_production.py",
        "tests/public/test_public.py",
        "tests/reports/test_area_page.py",
        "tests/reports/test_emerging.py",
        "tests/reports/test_gis_exports.py",
        "tests/reports/test_runs.py",
        "tests/reports/test_statistics.py",
    }
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedModulesTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in SHARED_DATA_MODULES else nodeid

    return SharedModulesTogether(config, log)
