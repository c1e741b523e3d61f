"""`trygg demo`, `serve`, `migrate`, `gallra` and `manage`: running the installation."""

from __future__ import annotations

import click

from .analysis import _StepBars
from .base import (
    DEMO_MARKER,
    DEMO_SETTINGS,
    _ensure_var_dir,
    _migrate,
    _setup,
    main,
)


@main.command()
@click.option("--serve/--no-serve", default=True, help="Start the web server afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--seed", default=2281, show_default=True, type=int, help="Random seed.")
@click.option("--scale", default=1.0, show_default=True, type=float, help="Population scale.")
def demo(serve: bool, host: str, port: int, seed: int, scale: float) -> None:
    """Build the synthetic demo municipality (again, without duplicates) and serve it."""
    _setup(DEMO_SETTINGS)
    from trygg.demo.services import demo_build

    click.echo("Preparing the database …")
    _migrate()
    click.echo("Building the demo municipality …")
    var_dir = _ensure_var_dir()
    result = demo_build(work_dir=var_dir / "demo", seed=seed, scale=scale)
    (var_dir / DEMO_MARKER).write_text(
        "Built by `trygg demo`: trygg commands on this folder use trygg.settings.demo.\n",
        encoding="utf-8",
    )
    click.echo(
        f"Municipality {result.municipality_code}: areas {result.areas}; "
        f"population {result.population}; survey answers {result.survey}; "
        f"reported crimes {result.crimes}; {result.organisations} organisations, "
        f"{result.safety_groups} safety groups."
    )
    _demo_analysis(result, seed=seed)
    click.echo("")
    click.echo(f"Mail sent by the demo is in {var_dir / 'mail'} (one file per message).")
    click.echo(f"Demo logins (synthetic data only), all with the password '{result.password}':")
    for username in result.users:
        click.echo(f"  {username}")
    click.echo("")
    if serve:
        _serve(host, port)


def _demo_analysis(result, *, seed: int = 2281) -> None:
    """Run (and publish) the analysis when the demo data changed or was never analysed."""
    from trygg.demo.cycle import demo_cycle_build, demo_department_link
    from trygg.demo.services import demo_analysis_refresh

    run, fresh = demo_analysis_refresh(result=result, progress=_StepBars())
    # What the groups and the operations did about the priorities (once; after the analysis).
    cycle = demo_cycle_build(run=run, seed=seed)
    if any((cycle.operations, cycle.promises, cycle.pictures)):
        click.echo(
            f"Cycle: {cycle.operations} operations, {cycle.promises} citizen promises, "
            f"{cycle.pictures} published weekly pictures (under /situation/ and /operations/)"
        )
    link = demo_department_link(run.municipality)
    if link:
        click.echo(f"A department's status link for a report in progress: {link}")
    if not fresh:
        click.echo(f"The analysis of {run.year} is up to date.")
        return
    top = ", ".join(f"{a['rank']}. {a['name']}" for a in run.summary[:3])
    click.echo(f"Analysis {run.year}: {top} (report under /reports/)")
    click.echo("Published on the public page /open/ (synthetic data).")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the site (development server; see docs/operations.md for production)."""
    _setup()
    _migrate()
    _serve(host, port)


def _serve(host: str, port: int) -> None:
    from django.core.management import call_command

    click.echo(f"Trygg is at http://{host}:{port}/  (Ctrl+C stops it)")
    call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=False)


@main.command()
@click.option("--once", is_flag=True, help="Run what is queued, then stop.")
@click.option("--poll", default=1.0, show_default=True, type=float, help="Seconds between polls.")
def worker(once: bool, poll: float) -> None:
    """Run background tasks (imports, analyses, letters) from the database queue.

    Start as many as the load needs, on any machine that reaches the database: each task runs
    once, and a task of a worker that dies is taken over when its lease runs out
    (docs/scale-out.md).
    """
    _setup()
    from django.core.management import call_command

    call_command("run_tasks", *(["--once"] if once else []), f"--poll={poll}")


@main.command()
def migrate() -> None:
    """Create or upgrade the database tables."""
    _setup()
    _migrate(verbosity=1)


@main.command()
@click.option("--simulate", is_flag=True, help="List what would be culled; change nothing.")
def gallra(simulate: bool) -> None:
    """Cull (gallra) closed cases, concerns and people whose retention period has run out.

    Closed cases are anonymised for statistics, the rest deleted; each removal is logged.
    Periods come from the settings (TRYGG_RETENTION_*), see docs/sspf.md. Uploaded import
    files never imported go after TRYGG_IMPORT_RETENTION_DAYS (30).
    """
    _setup()
    from django.core.management import call_command

    call_command("gallra", *(["--simulate"] if simulate else []))
    # Uploaded import files that were never imported go too (TRYGG_IMPORT_RETENTION_DAYS).
    call_command("imports_cleanup", *(["--simulate"] if simulate else []))


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def manage(ctx: click.Context) -> None:
    """Run any Django management command, e.g. `trygg manage check --deploy`."""
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["trygg manage", *ctx.args])
