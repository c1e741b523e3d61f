"""The install and the tasks of the scale-out proof (tests/deploy/test_scaleout.py), run in
processes of their own with the settings the site runs with
(tests.deploy.scaleout_settings: production's, DATABASE_URL the primary):

    python -m tests.deploy.scaleout_site setup OUT.json  # migrate, a municipality, a user
    python -m tests.deploy.scaleout_site enqueue N SECONDS  # N quick tasks, then a slow one

The task workers import the tasks from here (the repository is on their PYTHONPATH). Each
run of a task adds a row to ``scaleout_runs`` (no unique key: a task run twice shows twice).
"""

from __future__ import annotations

import json
import os
import sys
import time

from django.tasks import task

RUNS_TABLE = "scaleout_runs"


def _record(n: int, phase: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO scaleout_runs (n, phase, pid) VALUES (%s, %s, %s)",
            [n, phase, os.getpid()],
        )


@task
def record(n: int) -> int:
    _record(n, "done")
    return n


@task
def slow_record(n: int, seconds: float) -> int:
    """Notes that it started (so the test knows which worker to kill), sleeps, notes the end.
    Run again after its worker was killed, it does not sleep: the test waits for the lease,
    not for the task."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scaleout_runs WHERE n = %s", [n])
        again = cursor.fetchone()[0] > 0
    _record(n, "started")
    if not again:
        time.sleep(seconds)
    _record(n, "done")
    return n


def setup(out: str) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.management import call_command
    from django.db import connection

    from tests.factories import PASSWORD, AreaFactory, MunicipalityFactory, user_in
    from trygg.accounts.roles import Role

    call_command("migrate", interactive=False, verbosity=0)
    municipality = MunicipalityFactory(code="2281", name="Sundsvall")
    area = AreaFactory(municipality=municipality, name="Stenstan")
    user = user_in(municipality, role=Role.SAFETY_COORDINATOR, username="scaleout-coordinator")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {RUNS_TABLE} (n integer NOT NULL, phase text NOT NULL,"
            " pid integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
    _dump(
        out,
        {
            "username": user.username,
            "password": PASSWORD,
            "totp_secret": secret,
            "municipality": municipality.code,
            "area": area.pk,
        },
    )


def enqueue(count: int, seconds: float) -> None:
    """``count`` quick tasks numbered from 0, then one slow task numbered -1 (the queue runs
    the oldest first, so the slow one starts when the quick ones are taken)."""
    # By the module's name, not __main__'s: the workers import the tasks by their path.
    from tests.deploy import scaleout_site

    for n in range(count):
        scaleout_site.record.enqueue(n)
    scaleout_site.slow_record.enqueue(-1, seconds)


def _dump(out: str, value) -> None:
    with open(out, "w", encoding="utf-8") as f:
        json.dump(value, f)


def main(argv: list[str]) -> None:
    import django

    django.setup()
    command, *args = argv
    if command == "setup":
        setup(*args)
    elif command == "enqueue":
        enqueue(int(args[0]), float(args[1]))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
