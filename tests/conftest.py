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
    deselected (the PostgreSQL run of `make test` runs them), not skipped."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
