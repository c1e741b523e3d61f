"""`trygg audit ...`: verify and anchor the audit chain, and check the database grants."""

from __future__ import annotations

from pathlib import Path

import click

from .base import (
    _setup,
    main,
)


@main.group()
def audit() -> None:
    """The audit log."""


def _anchor_file(anchors: Path | None) -> Path | None:
    """The anchor file to compare with: the one given, else TRYGG_AUDIT_ANCHOR if a path."""
    from django.conf import settings

    if anchors is not None:
        return anchors
    target = settings.TRYGG_AUDIT_ANCHOR
    if target and not target.startswith(("https://", "http://")):
        return Path(target)
    return None


@audit.command()
@click.option(
    "--anchors",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Anchor file to compare with (default: TRYGG_AUDIT_ANCHOR when it is a file; give "
    "a copy of the anchors when they are sent to a URL).",
)
def verify(anchors: Path | None) -> None:
    """Prove the audit log's keyed hash chain intact and as long as every anchor recorded, or
    name the first broken entry and each anchor the chain no longer reaches."""
    _setup()
    from trygg.audit.anchors import anchors_read
    from trygg.audit.selectors import audit_verify_chain

    path = _anchor_file(anchors)
    found, file_problems = [], []
    if path is not None:
        if path.is_file():
            anchor_file = anchors_read(path.read_text(encoding="utf-8"))
            found, file_problems = anchor_file.anchors, anchor_file.problems
        elif anchors is not None:
            raise click.ClickException(f"There is no anchor file {path}.")
    report = audit_verify_chain(anchors=found)
    problems = [*file_problems, *report.anchor_problems]
    if report.first_broken_id is not None:
        problems.insert(
            0,
            f"The audit log is broken at entry {report.first_broken_id}: {report.reason} "
            f"({report.checked} entries before it are intact).",
        )
    if problems:
        raise click.ClickException("\n".join(problems))
    click.echo(f"The audit log is intact ({report.checked} entries checked).")
    if found:
        latest = max(found, key=lambda a: a.at)
        click.echo(
            f"It agrees with {len(found)} anchor(s); the latest, of "
            f"{latest.at:%Y-%m-%d %H:%M:%S} UTC, recorded {latest.count} entries."
        )
    elif path is not None:
        click.echo(
            f"Warning: no anchors in {path}: deleting the newest entries would not show.",
            err=True,
        )
    else:
        click.echo(
            "Warning: no anchors to compare with (TRYGG_AUDIT_ANCHOR is not a file; use "
            "--anchors): deleting the newest entries would not show.",
            err=True,
        )
    if report.unkeyed:
        click.echo(
            f"Note: the first {report.unkeyed} entries predate the keyed chain; only the "
            "anchors protect them from being rewritten.",
            err=True,
        )


@audit.command()
@click.option(
    "--to",
    "target",
    default=None,
    help="File path (appended to) or https URL (POSTed to); default TRYGG_AUDIT_ANCHOR.",
)
def anchor(target: str | None) -> None:
    """Write the audit log's head (entry count and last hash, signed) outside the database.

    Run it on a schedule (e.g. hourly); `trygg audit verify` then shows any entry deleted
    or rewritten since. Refuses when the log does not verify against the earlier anchors.
    """
    _setup()
    from django.conf import settings

    from trygg.audit.services import AnchorRefused, audit_anchor

    destination = target or settings.TRYGG_AUDIT_ANCHOR
    try:
        written = audit_anchor(target=destination)
    except AnchorRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(
        f"Anchored {written.count} entries (last hash {written.last_hash[:16]}…, key "
        f"{written.key_id}) to {destination}."
    )


@audit.command()
@click.option("--app-role", required=True, help="The role the web and worker processes use.")
def grants(app_role: str) -> None:
    """Print the PostgreSQL grants for the application role (run them as the owner role):
    the application may read and append to the audit log, never change it."""
    from trygg.audit.grants import audit_grants_sql

    try:
        click.echo(audit_grants_sql(app_role=app_role), nl=False)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--app-role") from None
