"""The database task queue runs the guided import's tasks in the worker, and records a
failing task and goes on."""

from __future__ import annotations

import pytest
from django.tasks import task_backends

from tests.imports.test_imports import POPULATION, mapping_post, upload, world  # noqa: F401
from trygg.imports.models import UploadStatus
from trygg.imports.tasks import upload_task
from trygg.jobs.backend import run_pending_tasks
from trygg.jobs.models import TaskRecord

pytestmark = pytest.mark.django_db


def test_database_queue_runs_tasks_in_the_worker(client, world, settings):  # noqa: F811
    """With the database backend the request only queues; the worker does the work."""
    settings.TASKS = {
        "default": {
            "BACKEND": "trygg.jobs.backend.DatabaseBackend",
            "OPTIONS": {"EMBEDDED_WORKER": False},
        }
    }
    municipality, _, _ = world
    up = upload(client, municipality, "population", "bef.csv", POPULATION)
    client.post(f"/imports/{up.public_id}/", mapping_post(up, area_code="omr"))
    up.refresh_from_db()
    assert up.status == UploadStatus.VALIDATING
    record = TaskRecord.objects.get()
    assert record.status == "READY"
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    assert "data-job-status-url" in page and "<progress" in page
    status = client.get(f"/imports/jobs/{up.job.public_id}/").json()
    assert status["status"] == "queued" and not status["finished"]
    assert run_pending_tasks() == 1
    record.refresh_from_db()
    up.refresh_from_db()
    assert record.status == "SUCCESSFUL" and up.status == UploadStatus.VALID
    result = task_backends["default"].get_result(record.id)
    assert result.return_value == {"valid": True}
    assert client.get(f"/imports/jobs/{up.job.public_id}/").json()["finished"]


def test_a_failing_task_is_recorded_and_the_worker_goes_on(world, settings):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "trygg.jobs.backend.DatabaseBackend"}}
    upload_task.enqueue(upload_id=999999, job_id=999999, mode="validate")
    assert run_pending_tasks() == 1
    record = TaskRecord.objects.get()
    assert record.status == "FAILED" and "DoesNotExist" in record.errors[0]["traceback"]
