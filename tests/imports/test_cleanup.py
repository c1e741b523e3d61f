"""The clean-up of uploaded files: an imported file is removed at once, abandoned uploads
after the retention (moved from tests/jobs/test_worker.py, whose queue they use)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.imports.test_imports import POPULATION, upload
from tests.jobs.test_worker import queued_import, world  # noqa: F401 (fixture)
from trygg.audit.models import AuditEvent
from trygg.imports.models import ImportUpload, UploadStatus
from trygg.imports.services import imports_cleanup
from trygg.jobs.backend import run_pending_tasks

pytestmark = pytest.mark.django_db


def test_imported_file_is_removed_and_abandoned_uploads_are_cleaned_up(client, world, settings):  # noqa: F811
    up = queued_import(client, world)
    assert run_pending_tasks() == 1
    up.refresh_from_db()
    assert up.status == UploadStatus.IMPORTED and not up.directory.exists()
    page = client.get(f"/imports/{up.public_id}/")
    assert page.status_code == 200
    # an upload nobody imported, 40 days old, and one from yesterday
    old = upload(client, world, "population", "gammal.csv", POPULATION)
    new = upload(client, world, "population", "ny.csv", POPULATION)
    ImportUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    assert old.directory.exists()
    plan = imports_cleanup(older_than_days=30, simulate=True)
    assert [u.pk for u in plan.uploads] == [old.pk] and old.directory.exists()
    call_command("imports_cleanup", "--days", "30")
    assert not ImportUpload.objects.filter(pk=old.pk).exists() and not old.directory.exists()
    assert ImportUpload.objects.filter(pk=new.pk).exists() and new.directory.exists()
    assert ImportUpload.objects.filter(pk=up.pk).exists()  # the record of an import stays
    assert AuditEvent.objects.filter(action="cull", object_type="import_upload").count() == 1


def test_gallra_also_cleans_up_uploads(client, world, settings):  # noqa: F811
    from click.testing import CliRunner

    from trygg.cli import main

    old = upload(client, world, "population", "gammal.csv", POPULATION)
    ImportUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )
    result = CliRunner().invoke(main, ["gallra", "--simulate"])
    assert result.exit_code == 0, result.output
    assert "gammal.csv" in result.output and ImportUpload.objects.filter(pk=old.pk).exists()
