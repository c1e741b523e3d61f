from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from trygg.jobs.backend import run_pending_tasks, worker_loop


class Command(BaseCommand):
    help = "Run background tasks (imports, analyses) from the database queue."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is queued, then stop.")
        parser.add_argument("--poll", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args, once=False, poll=1.0, **options):
        worker_id = f"worker-{get_random_string(8)}"
        if once:
            count = run_pending_tasks(worker_id)
            self.stdout.write(f"{count} task(s) run")
            return
        self.stdout.write(f"Worker {worker_id} is waiting for tasks (Ctrl+C stops it)")
        worker_loop(worker_id=worker_id, poll_seconds=poll)
