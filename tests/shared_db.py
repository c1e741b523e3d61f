"""Data built once per test module and shared by the module's tests.

Building the demo municipality and running an analysis on it takes seconds, and so does a
world of objects made for every one of hundreds of parametrised tests; building them once per
module keeps `make test` within its budget. The shared data is made inside a transaction that
stays open while the module's tests run. Each test's own transaction (pytest-django's `db`
fixture) is then a savepoint inside it, so whatever a test changes in the database is rolled
back after that test, and the shared data itself after the module: every test starts from the
same state whatever ran before it.

A module that uses this must not use `transactional_db` or `live_server` (they commit and
flush), and its tests must not change the files the shared data keeps on disk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import transaction


@contextlib.contextmanager
def module_transaction(django_db_blocker) -> Iterator[None]:
    """Keep a transaction open around a module's tests; roll it back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        # As Django's TestCase marks its own: a durable atomic block in the code under test
        # may then open inside it, as it may inside a test's transaction.
        atomic._from_testcase = True
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def demo_run_for_module(django_db_blocker, tmp_path_factory, *, params=None) -> Iterator:
    """The demo municipality with one analysis run (no PDF, or ``params``), its files under a
    directory of the module's own: the body of the module-scoped `module_demo_run` fixture."""
    from django.test import override_settings

    from trygg.analysis.pipeline import AnalysisParams
    from trygg.areas.models import Municipality
    from trygg.demo.services import demo_build
    from trygg.reports.services import analysis_run_create

    work = tmp_path_factory.mktemp("demo-run")
    with override_settings(VAR_DIR=work / "var"), module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            demo_build(work_dir=work / "demo")
            run = analysis_run_create(
                municipality=Municipality.objects.get(code="2281"),
                params=params or AnalysisParams(pdf=False),
            )
        yield run
