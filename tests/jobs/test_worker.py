"""The task queue survives a dead worker: leases, retries with a maximum, a per-task
timeout, and translated step names (the clean-up of uploaded files:
tests/imports/test_cleanup.py)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.tasks import task
from django.utils import timezone

from tests.factories import MunicipalityFactory, user_in
from tests.imports.test_imports import POPULATION, mapping_post, upload
from trygg.accounts.roles import Role
from trygg.areas.models import AreaLevel, PopulationCount
from trygg.imports.models import ImportUpload, UploadStatus
from trygg.jobs.backend import recover_expired_tasks, run_pending_tasks, task_heartbeat
from trygg.jobs.models import Job, JobStatus, TaskRecord

pytestmark = pytest.mark.django_db

QUEUE = {
    "default": {
        "BACKEND": "trygg.jobs.backend.DatabaseBackend",
        "OPTIONS": {"EMBEDDED_WORKER": False, "LEASE_SECONDS": 30, "MAX_ATTEMPTS": 3},
    }
}


@pytest.fixture
def world(tmp_path, settings, client, two_factor_off):
    from tests.factories import AreaFactory

    settings.VAR_DIR = tmp_path
    settings.TASKS = QUEUE
    municipality = MunicipalityFactory(code="2281")
    for i in (1, 2):
        AreaFactory(municipality=municipality, code=f"2281A00{i}", level=AreaLevel.AREA)
    client.force_login(user_in(municipality, role=Role.ANALYST))
    return municipality


def queued_import(client, municipality) -> ImportUpload:
    """A population file, validated by the worker, whose import is now queued."""
    up = upload(client, municipality, "population", "bef.csv", POPULATION)
    client.post(f"/imports/{up.public_id}/", mapping_post(up, area_code="omr"))
    assert run_pending_tasks() == 1
    client.post(f"/imports/{up.public_id}/", {"action": "import"})
    up.refresh_from_db()
    assert up.status == UploadStatus.IMPORTING
    return up


def die_while_running(record: TaskRecord, *, attempts: int) -> None:
    """What a worker that was killed mid-task leaves behind: RUNNING with a lease in the past."""
    past = timezone.now() - dt.timedelta(minutes=5)
    TaskRecord.objects.filter(pk=record.pk).update(
        status="RUNNING",
        claimed_by="worker-dead",
        claimed_at=past,
        started_at=past,
        lease_expires_at=past + dt.timedelta(seconds=30),
        deadline_at=past + dt.timedelta(hours=1),
        attempts=attempts,
    )
    Job.objects.filter(task_id=record.pk).update(status=JobStatus.RUNNING, step="store")


def test_a_task_whose_worker_died_is_retried_and_the_page_says_so(client, world):
    up = queued_import(client, world)
    record = TaskRecord.objects.get(pk=up.job.task_id)
    die_while_running(record, attempts=1)
    # before any worker looks, the page shows it running
    assert client.get(f"/imports/jobs/{up.job.public_id}/").json()["status"] == "running"
    assert recover_expired_tasks() == [(record.pk, "retried")]
    record.refresh_from_db()
    assert record.status == "READY" and "WorkerLost" in record.errors[-1]["exception_class_path"]
    status = client.get(f"/imports/jobs/{up.job.public_id}/").json()
    assert status["status"] == "queued" and not status["finished"]
    assert "retried" in status["notice"] or "försöker igen" in status["notice"]
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    assert status["notice"] in page
    # the next worker runs it: the import is done once, as if nothing had happened
    assert run_pending_tasks() == 1
    record.refresh_from_db()
    up.refresh_from_db()
    assert record.status == "SUCCESSFUL" and record.attempts == 2
    assert up.status == UploadStatus.IMPORTED and PopulationCount.objects.count() == 3


def test_after_the_maximum_of_attempts_the_task_fails(client, world):
    up = queued_import(client, world)
    record = TaskRecord.objects.get(pk=up.job.task_id)
    die_while_running(record, attempts=3)
    assert run_pending_tasks() == 0
    record.refresh_from_db()
    up.refresh_from_db()
    job = Job.objects.get(pk=up.job_id)
    assert record.status == "FAILED" and job.status == JobStatus.FAILED
    assert job.lost_attempts == 3 and up.status == UploadStatus.FAILED
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    assert "3" in job.notice and job.notice in page
    assert PopulationCount.objects.count() == 0
    # the user can check and import again
    client.post(f"/imports/{up.public_id}/", mapping_post(up, area_code="omr"))
    assert run_pending_tasks() == 1
    up.refresh_from_db()
    assert up.status == UploadStatus.VALID


def test_a_live_worker_renews_its_lease_and_is_left_alone(client, world):
    up = queued_import(client, world)
    record = TaskRecord.objects.get(pk=up.job.task_id)
    die_while_running(record, attempts=1)
    TaskRecord.objects.filter(pk=record.pk).update(claimed_by="worker-alive")
    options = {"LEASE_SECONDS": 30}
    assert task_heartbeat(record.pk, worker_id="worker-alive", attempt=1, options=options)
    assert not task_heartbeat(record.pk, worker_id="worker-other", attempt=1, options=options)
    assert recover_expired_tasks() == []
    record.refresh_from_db()
    assert record.status == "RUNNING" and record.lease_expires_at > timezone.now()


def test_a_task_past_its_deadline_fails_with_a_timeout(client, world):
    up = queued_import(client, world)
    record = TaskRecord.objects.get(pk=up.job.task_id)
    die_while_running(record, attempts=1)
    TaskRecord.objects.filter(pk=record.pk).update(
        lease_expires_at=timezone.now() + dt.timedelta(minutes=1),
        deadline_at=timezone.now() - dt.timedelta(seconds=1),
    )
    assert recover_expired_tasks() == [(record.pk, "timed out")]
    job = Job.objects.get(pk=up.job_id)
    assert job.status == JobStatus.FAILED and job.timed_out
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    assert job.notice in page


@task
def slow_task(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def test_the_worker_interrupts_a_task_at_its_timeout(world, settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "trygg.jobs.backend.DatabaseBackend",
            "OPTIONS": {
                "EMBEDDED_WORKER": False,
                "TIMEOUTS": {"tests.jobs.test_worker.slow_task": 1},
            },
        }
    }
    slow_task.enqueue(30)
    assert TaskRecord.objects.get().timeout_seconds == 1
    assert run_pending_tasks() == 1
    record = TaskRecord.objects.get()
    assert record.status == "FAILED"
    assert record.errors[-1]["exception_class_path"].endswith("TaskTimeout")


def test_progress_shows_translated_step_names(client, world):
    up = queued_import(client, world)
    Job.objects.filter(pk=up.job_id).update(status=JobStatus.RUNNING, step="store", progress=0.2)
    client.cookies["django_language"] = "sv"
    status = client.get(f"/imports/jobs/{up.job.public_id}/", HTTP_ACCEPT_LANGUAGE="sv").json()
    assert status["step_code"] == "store" and status["step"] != "store"
    job = Job.objects.create(
        kind="analysis", municipality=world, step="place crimes", status=JobStatus.RUNNING
    )
    assert job.step_label != "place crimes"
    unknown = Job.objects.create(kind="analysis", municipality=world, step="a new step")
    assert unknown.step_label == "a new step"


@task
def noted_task(note: str) -> str:
    return note


def test_the_worker_command_runs_what_is_queued(settings):
    from click.testing import CliRunner

    from trygg.cli import main

    settings.TASKS = QUEUE
    for note in ("a", "b"):
        noted_task.enqueue(note)
    result = CliRunner().invoke(main, ["worker", "--once"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2 task(s) run" in result.output
    assert set(TaskRecord.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
