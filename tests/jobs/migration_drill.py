"""The move of the job system out of trygg.imports, on a database that predates it (run as
its own process by tests/jobs/test_migration.py, on a throwaway database from DATABASE_URL):
migrate an empty database to the migrations before the move (every app at its latest, the
imports app at 0003, the jobs app not at all), store a job, a queued task and an upload that
points at the job, then migrate to the latest and read them back through the moved models.

    python -m tests.jobs.migration_drill OUT.json
"""

from __future__ import annotations

import json
import sys

BEFORE_THE_MOVE = ("imports", "0003_letters_job")


def main(out: str) -> None:
    import django

    django.setup()

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    before = [
        node for node in executor.loader.graph.leaf_nodes() if node[0] not in ("imports", "jobs")
    ] + [BEFORE_THE_MOVE]
    executor.migrate(before)
    applied = MigrationExecutor(connection).loader.applied_migrations
    report: dict = {"jobs_applied_before": any(app == "jobs" for app, _ in applied)}

    old = executor.loader.project_state(before).apps
    municipality = old.get_model("areas", "Municipality").objects.create(
        code="2281", name="Sundsvall"
    )
    job = old.get_model("imports", "Job").objects.create(
        kind="import",
        municipality=municipality,
        status="running",
        step="store",
        progress=0.5,
        result={"rows": 3},
        task_id="t" * 32,
        lost_attempts=1,
    )
    old.get_model("imports", "TaskRecord").objects.create(
        id="t" * 32,
        task_path="trygg.imports.tasks.upload_task",
        kwargs={"job_id": job.pk},
        status="RUNNING",
        enqueued_at=timezone.now(),
        attempts=1,
    )
    upload = old.get_model("imports", "ImportUpload").objects.create(
        municipality=municipality,
        kind="population",
        file_name="bef.csv",
        file_type="csv",
        status="importing",
        job=job,
    )
    report["before"] = {"job": job.pk, "job_public_id": str(job.public_id), "upload": upload.pk}

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from trygg.imports.models import ImportUpload
    from trygg.jobs.models import Job, TaskRecord

    moved = Job.objects.get(pk=job.pk)
    report["after"] = {
        "job_public_id": str(moved.public_id),
        "kind": moved.kind,
        "status": moved.status,
        "step": moved.step,
        "progress": moved.progress,
        "result": moved.result,
        "lost_attempts": moved.lost_attempts,
        "municipality": moved.municipality.code,
        "task_path": TaskRecord.objects.get(pk=moved.task_id).task_path,
        "upload_job_public_id": str(ImportUpload.objects.get(pk=upload.pk).job.public_id),
        "tables": [Job._meta.db_table, TaskRecord._meta.db_table],
        "all_tables": sorted(connection.introspection.table_names()),
    }
    # The moved models still write: a new job and its task.
    created = Job.objects.create(kind="analysis", municipality=moved.municipality)
    report["after"]["new_job"] = Job.objects.filter(pk=created.pk).exists()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main(sys.argv[1])
