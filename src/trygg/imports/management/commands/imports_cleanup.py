"""`trygg manage imports_cleanup [--days N] [--simulate]`: remove abandoned uploads."""

from django.core.management.base import BaseCommand

from trygg.imports.services import imports_cleanup


class Command(BaseCommand):
    help = (
        "Remove uploads that were never imported and are older than the retention "
        "(TRYGG_IMPORT_RETENTION_DAYS, default 30), leftover upload files and finished tasks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Older than this many days.")
        parser.add_argument(
            "--simulate", action="store_true", help="List what would go; change nothing."
        )

    def handle(self, *args, days=None, simulate=False, **options):
        report = imports_cleanup(older_than_days=days, simulate=simulate)
        verb = "would remove" if simulate else "removed"
        for upload in report.uploads:
            self.stdout.write(
                f"upload {upload.public_id} {upload.file_name} ({upload.kind}, {upload.status}, "
                f"uploaded {upload.created_at:%Y-%m-%d})"
            )
        for directory in report.leftover_directories:
            self.stdout.write(f"files {directory}")
        self.stdout.write(
            f"{verb}: {len(report.uploads)} abandoned uploads, "
            f"{len(report.leftover_directories)} leftover upload folders, "
            f"{report.tasks} finished tasks."
        )
