"""The job system's move out of trygg.imports changes no data: on a database migrated to the
migrations before the move, a stored job, its task and the upload pointing at it are read
back through trygg.jobs after migrating (SQLite, and PostgreSQL in the suite's PostgreSQL
run). Real migrations on a throwaway database, in a process of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import trygg
from tests.deploy.throwaway import throwaway_database

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path(trygg.__file__).resolve().parents[1]


def test_the_move_keeps_the_jobs_tasks_and_uploads_of_an_existing_database(tmp_path):
    with throwaway_database(tmp_path) as url:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "TRYGG_", "DATABASE_", "PYTEST_"))
        } | {
            "DJANGO_SETTINGS_MODULE": "trygg.settings.test",
            "PYTHONPATH": os.pathsep.join([str(SOURCE), str(REPO)]),
            "TRYGG_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": url,
        }
        out = tmp_path / "report.json"
        drill = subprocess.run(
            [sys.executable, "-m", "tests.jobs.migration_drill", str(out)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,  # only against a hang: migrating everything is slow on a busy machine
        )
        assert drill.returncode == 0, drill.stderr[-4000:]
    report = json.loads(out.read_text())
    assert report["jobs_applied_before"] is False
    after = report["after"]
    assert after["job_public_id"] == report["before"]["job_public_id"]
    assert after["upload_job_public_id"] == report["before"]["job_public_id"]
    assert (after["kind"], after["status"], after["step"]) == ("import", "running", "store")
    assert after["progress"] == 0.5 and after["result"] == {"rows": 3}
    assert after["lost_attempts"] == 1 and after["municipality"] == "2281"
    assert after["task_path"] == "trygg.imports.tasks.upload_task"
    # The tables kept their names; no new table was made for the moved models.
    assert after["tables"] == ["imports_job", "imports_taskrecord"]
    assert not any(name.startswith("jobs_") for name in after["all_tables"])
    assert after["new_job"] is True
