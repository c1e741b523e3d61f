"""`trygg manage consent_expiry_mail [--simulate]`: mail coordinators about consents that
run out within TRYGG_CONSENT_EXPIRY_WARNING_DAYS. Run it daily (cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from trygg.cases.services.reminders import consent_expiry_notify


class Command(BaseCommand):
    help = "Mail each coordinator once about a consent on their case that runs out soon."

    def add_arguments(self, parser):
        parser.add_argument(
            "--simulate", action="store_true", help="List what would be mailed; send nothing."
        )

    def handle(self, *args, simulate: bool = False, **options):
        done = consent_expiry_notify(simulate=simulate)
        for case, warning in done:
            self.stdout.write(
                f"case {case.public_id}: consent runs out {warning.expires_on:%Y-%m-%d} "
                f"({warning.days_left} days), coordinator {case.coordinator.username}"
            )
        verb = "would mail" if simulate else "mailed"
        self.stdout.write(f"{verb}: {len(done)} coordinators' cases.")
