"""The clean-up of the guided import: abandoned uploads, leftover files, finished tasks."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.jobs.models import Job, JobStatus, TaskRecord

from ..models import ImportUpload, UploadStatus
from .uploads import upload_files_remove


@dataclass
class CleanupReport:
    uploads: list[ImportUpload] = field(default_factory=list)
    leftover_directories: list[Path] = field(default_factory=list)
    tasks: int = 0

    @property
    def empty(self) -> bool:
        return not (self.uploads or self.leftover_directories or self.tasks)


def imports_cleanup(
    *, older_than_days: int | None = None, simulate: bool = False, now=None
) -> CleanupReport:
    """Remove abandoned uploads (never imported, older than the retention) with their files,
    leftover files of imported uploads and of uploads no longer known, and finished tasks
    of the queue. ``simulate`` lists what would go and changes nothing."""
    days = older_than_days
    if days is None:
        days = getattr(settings, "TRYGG_IMPORT_RETENTION_DAYS", 30)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    busy_jobs = Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    abandoned = (
        ImportUpload.objects.filter(created_at__lt=cutoff)
        .exclude(status=UploadStatus.IMPORTED)
        .exclude(job__in=busy_jobs)
        .select_related("municipality")
    )
    report = CleanupReport(uploads=list(abandoned))
    known = set(ImportUpload.objects.values_list("public_id", flat=True))
    known -= {u.public_id for u in report.uploads}
    root = settings.VAR_DIR / "imports"
    imported = set(
        ImportUpload.objects.filter(status=UploadStatus.IMPORTED).values_list(
            "public_id", flat=True
        )
    )
    going = {u.public_id for u in report.uploads}
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        try:
            public_id = uuid.UUID(directory.name)
        except ValueError:
            continue
        old = dt.datetime.fromtimestamp(directory.stat().st_mtime, tz=dt.UTC) < cutoff
        unknown = public_id not in known and public_id not in going
        if (unknown and old) or public_id in imported:
            report.leftover_directories.append(directory)
    finished_tasks = TaskRecord.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff
    )
    report.tasks = finished_tasks.count()
    if simulate:
        return report
    for upload in report.uploads:
        with transaction.atomic():
            upload_files_remove(upload)
            audit_record(
                actor=None,
                action=AuditAction.CULL,
                object_type="import_upload",
                object_id=str(upload.public_id),
                municipality_code=upload.municipality.code,
                summary=f"Removed the abandoned upload {upload.file_name} ({upload.kind}, "
                f"{upload.get_status_display()}, uploaded {upload.created_at:%Y-%m-%d})",
            )
            upload.delete()
    for directory in report.leftover_directories:
        shutil.rmtree(directory, ignore_errors=True)
    finished_tasks.delete()
    return report
