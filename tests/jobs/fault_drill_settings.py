"""Settings of the fault drill's worker processes (tests/jobs/test_fault_drill.py): the
test settings, the database from DATABASE_URL, and a lease of two seconds so that a killed
worker's task is taken over quickly."""

from trygg.settings.test import *  # noqa: F403

TASKS = {
    "default": {
        "BACKEND": "trygg.jobs.backend.DatabaseBackend",
        "OPTIONS": {"EMBEDDED_WORKER": False, "LEASE_SECONDS": 2, "MAX_ATTEMPTS": 3},
    }
}
