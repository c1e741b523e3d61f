"""The fault drill (issue 14): a task worker process is killed (SIGKILL) in the middle of a
crime import; another worker takes the task over when the lease has run out and completes it.
Afterwards nothing is half-imported and nothing imported twice.

Real processes on a database of their own (tests/deploy/throwaway.py): the workers run
`run_tasks` with tests/jobs/fault_drill_settings.py (a two-second lease).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import trygg
from tests.deploy.throwaway import connect, on_postgresql, throwaway_database
from trygg.areas.models import Municipality
from trygg.crime.models import ReportedCrime
from trygg.imports.models import ImportUpload
from trygg.jobs.models import Job, TaskRecord

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path(trygg.__file__).resolve().parents[1]
ROWS = 60_000
CRIMES = ReportedCrime._meta.db_table
TASKS = TaskRecord._meta.db_table
JOBS = Job._meta.db_table
UPLOADS = ImportUpload._meta.db_table
MUNICIPALITIES = Municipality._meta.db_table


def environment(work: Path, database_url: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TRYGG_", "DATABASE_", "PYTEST_"))
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "tests.jobs.fault_drill_settings",
        "PYTHONPATH": os.pathsep.join([str(SOURCE), str(REPO)]),
        "TRYGG_VAR_DIR": str(work / "var"),
        "DATABASE_URL": database_url,
    }


def start_worker(env: dict, work: Path, name: str) -> subprocess.Popen:
    log = (work / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "django", "run_tasks", "--poll", "0.2"],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def wait_for(what: str, check, seconds: float, worker=None, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker exited before {what}: {log.read_text()[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"no {what} within {seconds} s" + (f": {log.read_text()[-3000:]}" if log else ""))


def import_transaction_open(db, url: str, municipality: int) -> bool:
    """Whether the import's write transaction is open (it holds the municipality's lock on
    PostgreSQL, the database's write lock on SQLite)."""
    if on_postgresql():
        import psycopg

        try:
            with psycopg.connect(url) as probe:
                probe.execute(
                    f"SELECT 1 FROM {MUNICIPALITIES} WHERE id = %s FOR NO KEY UPDATE NOWAIT",  # noqa: S608
                    [municipality],
                )
        except psycopg.errors.LockNotAvailable:
            return True
        return False
    import sqlite3

    probe = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def test_a_worker_killed_mid_import_is_taken_over_and_the_import_is_whole_and_once(tmp_path):
    work = tmp_path
    with throwaway_database(work) as url:
        env = environment(work, url)
        prepared_file = work / "prepared.json"
        setup = subprocess.run(
            [sys.executable, "-m", "tests.jobs.fault_drill", str(prepared_file), str(ROWS)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            # Only against a hang: on a busy shared machine this takes minutes.
            timeout=1200,
        )
        assert setup.returncode == 0, setup.stderr[-4000:]
        prepared = json.loads(prepared_file.read_text())
        db = connect(url)
        workers = []
        try:

            def one(sql, *params):
                return db.execute(sql, params).fetchone()

            def task_state():
                return one(
                    f"SELECT status, attempts, claimed_by FROM {TASKS} WHERE id = %s",  # noqa: S608
                    prepared["task"],
                )

            # The first worker takes the import and is killed while its transaction is open.
            first = start_worker(env, work, "first")
            workers.append(first)
            wait_for(
                "storing step",
                lambda: (
                    one(f"SELECT step FROM {JOBS} WHERE id = %s", prepared["job"])[0]  # noqa: S608
                    == "store"
                ),
                120,
                first,
                work / "first.log",
            )
            wait_for(
                "open import transaction",
                lambda: (
                    import_transaction_open(db, url, prepared["municipality"])
                    and import_transaction_open(db, url, prepared["municipality"])
                ),
                120,
                first,
                work / "first.log",
            )
            kill(first)
            status, attempts, dead_worker = task_state()
            assert (status, attempts) == ("RUNNING", 1), "the import ended before the kill"
            # Nothing of the interrupted import is visible: it was one transaction.
            assert one(f"SELECT count(*) FROM {CRIMES}")[0] == 0  # noqa: S608

            # A second worker waits out the lease, takes the task over and completes it.
            second = start_worker(env, work, "second")
            workers.append(second)
            wait_for(
                "finished task",
                lambda: task_state()[0] in ("SUCCESSFUL", "FAILED"),
                180,
                second,
                work / "second.log",
            )
            status, attempts, _ = task_state()
            assert (status, attempts) == ("SUCCESSFUL", 2), (work / "second.log").read_text()
            errors = one(f"SELECT errors FROM {TASKS} WHERE id = %s", prepared["task"])[0]  # noqa: S608
            errors = json.loads(errors) if isinstance(errors, str) else errors
            assert [e["exception_class_path"].rsplit(".", 1)[1] for e in errors] == ["WorkerLost"]
            assert dead_worker in errors[0]["traceback"]
            job = one(f"SELECT status, lost_attempts FROM {JOBS} WHERE id = %s", prepared["job"])  # noqa: S608
            assert job == ("done", 1)
            upload = one(f"SELECT status FROM {UPLOADS} WHERE id = %s", prepared["upload"])  # noqa: S608
            assert upload == ("imported",)

            # Every row of the file once, none twice.
            total, distinct = one(
                f"SELECT count(*), count(DISTINCT source_id) FROM {CRIMES}"  # noqa: S608
            )
            assert (total, distinct) == (ROWS, ROWS)
            ids = {r[0] for r in db.execute(f"SELECT source_id FROM {CRIMES}", ()).fetchall()}  # noqa: S608
            assert ids == {f"drill-{i}" for i in range(ROWS)}
        finally:
            for worker in workers:
                kill(worker)
            db.close()
