"""`trygg gallra [--simulate]`: cull individual data whose retention has run out."""

from django.core.management.base import BaseCommand

from trygg.cases.culling import cull, cull_plan


class Command(BaseCommand):
    help = "Cull closed cases, concerns and people whose retention period has run out."

    def add_arguments(self, parser):
        parser.add_argument(
            "--simulate", action="store_true", help="List what would go; change nothing."
        )

    def handle(self, *args, simulate: bool = False, **options):
        plan = cull_plan() if simulate else cull()
        verb = "would cull" if simulate else "culled"
        for case in plan.cases:
            self.stdout.write(
                f"case {case.public_id} ({case.programme}, closed {case.closed_at:%Y-%m-%d}, "
                f"last entry {case.last_entry_at:%Y-%m-%d})"
            )
        for concern in plan.concerns:
            self.stdout.write(f"concern {concern.public_id} (closed {concern.handled_at:%Y-%m-%d})")
        for person in plan.people:
            self.stdout.write(f"person {person.public_id}")
        self.stdout.write(
            f"{verb}: {len(plan.cases)} cases, {len(plan.concerns)} concerns, "
            f"{len(plan.people)} people."
        )
