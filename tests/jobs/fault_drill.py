"""The fault drill's preparation (tests/jobs/test_fault_drill.py), run as its own process
with tests.jobs.fault_drill_settings: migrate a fresh database, upload a crime file of
``rows`` rows, check it, queue its import, and write the ids to the JSON file named.

    python -m tests.jobs.fault_drill OUT.json ROWS
"""

from __future__ import annotations

import json
import sys


def crime_file(rows: int) -> bytes:
    lines = ["id,occurred_at,category,area_code"]
    for i in range(rows):
        day, minute = 1 + i % 28, i % 1440
        lines.append(
            f"drill-{i},2026-03-{day:02d}T{minute // 60:02d}:{minute % 60:02d},"
            f"{('theft', 'violence', 'vandalism')[i % 3]},2281A00{1 + i % 2}"
        )
    return ("\n".join(lines) + "\n").encode()


def main(out: str, rows: int) -> None:
    import django

    django.setup()

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from tests.factories import AreaFactory, MunicipalityFactory, user_in
    from trygg.accounts.roles import Role
    from trygg.imports.models import ImportKind, UploadStatus
    from trygg.imports.services import upload_create, upload_start
    from trygg.jobs.backend import run_pending_tasks

    call_command("migrate", interactive=False, verbosity=0)
    municipality = MunicipalityFactory(code="2281")
    for i in (1, 2):
        AreaFactory(municipality=municipality, code=f"2281A00{i}")
    user = user_in(municipality, role=Role.ANALYST)
    upload = upload_create(
        municipality=municipality,
        kind=ImportKind.CRIMES,
        uploaded_file=SimpleUploadedFile("brott.csv", crime_file(rows)),
        actor=user,
    )
    upload_start(upload, mode="validate", actor=user)
    assert run_pending_tasks("drill-prepare") == 1
    upload.refresh_from_db()
    assert upload.status == UploadStatus.VALID, upload.problems[:5]
    job = upload_start(upload, mode="import", actor=user)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(
            {
                "upload": upload.pk,
                "job": job.pk,
                "task": job.task_id,
                "municipality": municipality.pk,
            },
            f,
        )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
