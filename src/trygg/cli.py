"""The `trygg` command: friendly wrappers around the services and Django's management commands.

Commands stay thin: they parse options, call a service and print what it did.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

DEFAULT_SETTINGS = "trygg.settings.base"
# Every command that reads a file takes it the same way.
INPUT_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


DEMO_SETTINGS = "trygg.settings.demo"
# Left in the data folder by `trygg demo`: later commands on that folder (`trygg serve`) run
# with the demo's settings, as `make demo` does, unless DJANGO_SETTINGS_MODULE says otherwise.
DEMO_MARKER = ".demo-install"


def default_settings_module(environ: os._Environ | dict = os.environ) -> str:
    """The settings when DJANGO_SETTINGS_MODULE is not set: the demo's for a data folder that
    `trygg demo` built, otherwise the base settings."""
    var_dir = Path(environ.get("TRYGG_VAR_DIR") or Path.cwd() / "var")
    return DEMO_SETTINGS if (var_dir / DEMO_MARKER).is_file() else DEFAULT_SETTINGS


def _setup(settings_module: str | None = None) -> None:
    if settings_module:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    if "DJANGO_SETTINGS_MODULE" not in os.environ:
        os.environ["DJANGO_SETTINGS_MODULE"] = default_settings_module()
        if os.environ["DJANGO_SETTINGS_MODULE"] == DEMO_SETTINGS:
            click.echo(
                "This data folder was built by `trygg demo`: the demo settings apply "
                "(two-factor login relaxed, synthetic data). Set DJANGO_SETTINGS_MODULE to "
                "choose others.",
                err=True,
            )
    import django

    django.setup()


def _ensure_var_dir() -> Path:
    from django.conf import settings

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WhiteNoise expects the collected-static folder to exist, even when it is empty.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    return settings.VAR_DIR


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    _ensure_var_dir()
    call_command("migrate", interactive=False, verbosity=verbosity)


class InputFailure(click.ClickException):
    """Print every problem of a rejected file, one per line, and exit with status 2."""

    exit_code = 2

    def __init__(self, error):
        self.error = error
        super().__init__(str(error))

    def show(self, file=None):
        out = file or sys.stderr
        count = len(self.error.problems)
        click.echo(f"Error: the file was not imported ({count} problem(s)):", file=out)
        for problem in self.error.problems[:200]:
            click.echo(f"  {problem}", file=out)
        if count > 200:
            click.echo(f"  … and {count - 200} more", file=out)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="trygg")
def main() -> None:
    """Trygg: the joint crime-prevention work of a municipality and its police.

    Settings come from the environment (DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, ...);
    see docs/configuration.md.
    """


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
    _demo_analysis(result)
    click.echo("")
    click.echo(f"Demo logins (synthetic data only), all with the password '{result.password}':")
    for username in result.users:
        click.echo(f"  {username}")
    click.echo("")
    if serve:
        _serve(host, port)


def _demo_analysis(result) -> None:
    """Run (and publish) the analysis when the demo data changed or was never analysed."""
    from trygg.demo.services import demo_analysis_refresh

    run, fresh = demo_analysis_refresh(result=result, progress=_StepBars())
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
def migrate() -> None:
    """Create or upgrade the database tables."""
    _setup()
    _migrate(verbosity=1)


@main.group(name="import")
def import_group() -> None:
    """Import data files (atomic: a file with any error imports nothing)."""


def _municipality(code: str, name: str | None):
    from trygg.areas.services import municipality_get_or_create

    return municipality_get_or_create(code=code, name=name)


@import_group.command(name="areas")
@click.argument("file", type=INPUT_FILE)
@click.option("--municipality", "code", required=True, help="Four-digit municipality code.")
@click.option("--name", default=None, help="Municipality name (when it is new).")
def import_areas(file: Path, code: str, name: str | None) -> None:
    """Import areas from a GeoJSON FeatureCollection (WGS84)."""
    _setup()
    from trygg.analysis.errors import InputError
    from trygg.areas.services import areas_import_geojson

    try:
        result = areas_import_geojson(municipality=_municipality(code, name), path=file)
    except InputError as exc:
        raise InputFailure(exc) from exc
    click.echo(f"{file.name}: {result}")


@import_group.command(name="population")
@click.argument("file", type=INPUT_FILE)
@click.option("--municipality", "code", required=True, help="Four-digit municipality code.")
def import_population(file: Path, code: str) -> None:
    """Import population by area, year, sex and age group (CSV)."""
    _setup()
    from trygg.analysis.errors import InputError
    from trygg.areas.services import population_import_csv

    municipality = _existing_municipality(code)
    try:
        result = population_import_csv(municipality=municipality, path=file)
    except InputError as exc:
        raise InputFailure(exc) from exc
    click.echo(f"{file.name}: {result}")


def _write_rejects(source: Path, problems) -> Path | None:
    """With --skip-bad-rows, the rows left out go to a reject file beside the input."""
    from trygg.analysis.safe_csv import write_rows

    rows = list(problems)
    if not rows:
        return None
    target = source.with_name(source.name + ".rejected.csv")
    with target.open("w", newline="", encoding="utf-8") as handle:
        write_rows(
            handle,
            ["file", "line", "column", "reason"],
            (
                [
                    problem.file,
                    problem.line or problem.feature or "",
                    problem.column or "",
                    problem.reason,
                ]
                for problem in rows
            ),
        )
    return target


def _existing_municipality(code: str):
    from trygg.areas.models import Municipality

    try:
        return Municipality.objects.get(code=code)
    except Municipality.DoesNotExist:
        raise click.ClickException(
            f"Municipality {code} has no areas yet; import areas first."
        ) from None


@import_group.command(name="crimes")
@click.argument("file", type=INPUT_FILE)
@click.option("--municipality", "code", required=True, help="Four-digit municipality code.")
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Import the good rows; write the bad ones to FILE.rejected.csv.",
)
def import_crimes(file: Path, code: str, skip_bad_rows: bool) -> None:
    """Import reported crimes (CSV, Parquet or the police's events JSON)."""
    _setup()
    from trygg.analysis.errors import InputError
    from trygg.crime.services import crimes_import

    municipality = _existing_municipality(code)
    try:
        result = crimes_import(municipality=municipality, path=file, skip_bad_rows=skip_bad_rows)
    except InputError as exc:
        raise InputFailure(exc) from exc
    click.echo(
        f"{file.name}: {result}; {result.outside} outside every area, "
        f"{result.excluded} not crimes (e.g. traffic accidents)"
    )
    target = _write_rejects(file, result.rejected)
    if target:
        click.echo(f"{len(result.rejected)} bad rows were skipped and written to {target}")


@import_group.command(name="survey")
@click.argument("file", type=INPUT_FILE)
@click.option("--municipality", "code", required=True, help="Four-digit municipality code.")
@click.option(
    "--questionnaire",
    type=INPUT_FILE,
    help="Questionnaire YAML (default: the standard police question set).",
)
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Import the good rows; write the bad ones to FILE.rejected.csv.",
)
def import_survey(file: Path, code: str, questionnaire: Path | None, skip_bad_rows: bool) -> None:
    """Import survey responses (CSV, XLSX or SPSS .sav), one row per respondent."""
    _setup()
    from trygg.analysis.errors import InputError
    from trygg.surveys.services import survey_responses_import

    municipality = _existing_municipality(code)
    yaml_text = questionnaire.read_text(encoding="utf-8") if questionnaire else None
    try:
        result = survey_responses_import(
            municipality=municipality,
            path=file,
            questionnaire_yaml=yaml_text,
            skip_bad_rows=skip_bad_rows,
        )
    except InputError as exc:
        raise InputFailure(exc) from exc
    years = ", ".join(str(y) for y in result.years)
    click.echo(f"{file.name} ({years}): {result}")
    target = _write_rejects(file, result.rejected)
    if target:
        click.echo(f"{len(result.rejected)} bad rows were skipped and written to {target}")


@main.command()
@click.argument("username")
@click.option("--organisation", required=True, help="Organisation key.")
@click.option("--role", required=True, help="One of the roles (see --help of 'trygg roles').")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def createuser(username, organisation, role, first_name, last_name, password_stdin) -> None:
    """Create a user in an organisation with a role."""
    _setup()
    from django.core.exceptions import ValidationError

    from trygg.accounts.services import user_create

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = user_create(
            username=username,
            organisation_key=organisation,
            role=role,
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
    except ValidationError as exc:
        raise click.ClickException("; ".join(exc.messages)) from exc
    click.echo(f"Created {user.username} ({user.get_role_display()}, {user.organisation}).")


class _StepBars:
    """One progress bar per analysis step, drawn on standard error."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, step: str, fraction: float) -> None:
        from tqdm import tqdm

        if fraction <= 0.0:
            self.bar = tqdm(
                total=100,
                desc=f"{step:<24}",
                file=sys.stderr,
                leave=True,
                bar_format="{desc} {bar:20} {elapsed}",
            )
        elif self.bar is not None:
            self.bar.update(round(fraction * 100) - self.bar.n)
            if fraction >= 1.0:
                self.bar.close()
                self.bar = None


def _parse_pairs(text: str | None, option: str) -> dict[str, float] | None:
    if not text:
        return None
    pairs = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        try:
            pairs[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise click.BadParameter(f"'{part}' is not NAME=NUMBER", param_hint=option)
    return pairs


@main.command()
@click.option(
    "--areas",
    type=INPUT_FILE,
    help="Areas as GeoJSON (WGS84).",
)
@click.option(
    "--crimes",
    type=INPUT_FILE,
    help="Reported crimes: CSV, Parquet or the police's events JSON.",
)
@click.option(
    "--survey",
    type=INPUT_FILE,
    help="Survey responses: CSV, XLSX or SPSS .sav.",
)
@click.option(
    "--population",
    type=INPUT_FILE,
    help="Population by area, year, sex and age group (CSV or XLSX).",
)
@click.option(
    "--observations",
    type=INPUT_FILE,
    help="Observations from the situational picture (CSV), optional.",
)
@click.option(
    "--questionnaire",
    type=INPUT_FILE,
    help="Questionnaire YAML (default: the standard police question set).",
)
@click.option("--from-db", is_flag=True, help="Analyse what is imported instead of files.")
@click.option("--municipality", "code", help="With --from-db: the municipality code.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the results; written only if the whole run succeeds.",
)
@click.option("--year", type=int, help="The year to report (default: the latest with data).")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@click.option("--weights", help="Priority weights, e.g. problem_index=0.3,harm_rate=0.25.")
@click.option("--harm-weights", help="Harm weight per crime category, e.g. violence=8,theft=1.")
@click.option(
    "--permutations",
    type=int,
    help="Permutations for the hot-spot test (default: enough for the number of units).",
)
@click.option(
    "--alpha",
    type=float,
    default=0.05,
    show_default=True,
    help="False-discovery rate for hot spots.",
)
@click.option("--seed", type=int, help="Random seed (default: fixed, so runs repeat).")
@click.option(
    "--h3-resolution",
    type=click.IntRange(4, 12),
    help="Also find hot spots on an H3 grid of this resolution.",
)
@click.option("--no-pdf", is_flag=True, help="Write report.html but not report.pdf.")
def analyze(
    areas,
    crimes,
    survey,
    population,
    observations,
    questionnaire,
    from_db,
    code,
    out,
    year,
    lang,
    weights,
    harm_weights,
    permutations,
    alpha,
    seed,
    h3_resolution,
    no_pdf,
) -> None:
    """Survey indices, crime rates, hot spots, priorities and the annual report.

    Works on files alone (no database), or with --from-db on what has been imported.
    Writes survey_indices.csv, crime_rates.csv, hotspots.csv, priorities.csv, run.json,
    report.html and report.pdf into --out.
    """
    from trygg.analysis import pipeline
    from trygg.analysis.errors import InputError
    from trygg.analysis.priority import format_weights

    params = pipeline.AnalysisParams(
        year=year,
        lang=lang,
        weights=_parse_pairs(weights, "--weights"),
        harm_weights=_parse_pairs(harm_weights, "--harm-weights"),
        permutations=permutations,
        alpha=alpha,
        h3_resolution=h3_resolution,
        pdf=not no_pdf,
    )
    if seed is not None:
        params.seed = seed
    progress = _StepBars()
    try:
        if from_db:
            _setup()
            from trygg.reports.selectors import analysis_inputs_from_db

            municipality = _existing_municipality(code) if code else _only_municipality()
            params.municipality_name = municipality.name
            inputs = analysis_inputs_from_db(municipality=municipality)
            results = pipeline.run_analysis_on_tables(inputs, params=params, progress=progress)
            pipeline.write_outputs(results, out, progress=progress)
        else:
            missing = [
                name
                for name, value in (
                    ("--areas", areas),
                    ("--crimes", crimes),
                    ("--population", population),
                )
                if value is None
            ]
            if missing:
                raise click.UsageError(f"missing {', '.join(missing)} (or use --from-db)")
            results = pipeline.run_analysis(
                areas=areas,
                crimes=crimes,
                survey=survey,
                population=population,
                out=out,
                observations=observations,
                questionnaire=questionnaire,
                params=params,
                progress=progress,
            )
    except InputError as exc:
        raise InputFailure(exc) from exc
    click.echo(f"Weights: {format_weights(results.priorities.weights, lang=lang)}")
    # What the survey indices came from and which components are in the ranking (issue 16).
    from trygg.reports.render import coverage_lines

    labels = {code: text.get(lang) for code, text in results.questionnaire.groups.items()}
    for line in coverage_lines(results.survey_items, results.components, lang, labels):
        click.echo(f"  {line}")
    top = results.priorities.table.sort("rank").head(5)
    for row in top.iter_rows(named=True):
        click.echo(f"  {row['rank']:>3}. ({row['rank_low']}–{row['rank_high']}) {row['name']}")
    click.echo(f"Results in {out}/")


def _only_municipality():
    from trygg.areas.models import Municipality

    municipalities = list(Municipality.objects.all()[:2])
    if len(municipalities) != 1:
        raise click.UsageError("name the municipality with --municipality CODE")
    return municipalities[0]


@main.command()
def roles() -> None:
    """List the roles and what each may do."""
    _setup()
    from trygg.accounts.roles import ROLE_CAPABILITIES, Role

    for role in Role:
        caps = ", ".join(sorted(ROLE_CAPABILITIES[role])) or "-"
        click.echo(f"{role.value:20} {caps}")


@main.command()
@click.argument("username")
@click.option("--name", default="", help="What the new key is for.")
@click.option("--list", "show", is_flag=True, help="List the user's keys; create none.")
@click.option("--revoke", metavar="BEGINNING", help="Revoke the user's key that begins so.")
def token(username: str, name: str, show: bool, revoke: str | None) -> None:
    """Create a new API key for a user and print it (once: only its hash is kept).

    Keys expire after TRYGG_API_KEY_DAYS days. --list shows the user's keys by their first
    characters, --revoke BEGINNING revokes one of them.
    """
    _setup()
    from trygg.api.services import user_api_token

    if show or revoke:
        _token_list_or_revoke(username, revoke)
        return
    try:
        click.echo(user_api_token(username=username, name=name))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc


def _token_list_or_revoke(username: str, revoke: str | None) -> None:
    from trygg.accounts.models import User
    from trygg.api.selectors import api_keys_for_user
    from trygg.api.services import api_key_revoke

    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise click.ClickException(f"No user '{username}'.")
    keys = api_keys_for_user(user)
    if revoke:
        beginning = revoke.rstrip("…")
        matching = [k for k in keys if k.revoked_at is None and k.prefix.startswith(beginning)]
        if len(matching) != 1:
            raise click.ClickException(
                f"{len(matching)} keys of '{username}' begin with '{revoke}'; name exactly one."
            )
        api_key_revoke(api_key=matching[0], actor=None)
        click.echo(f"Revoked {matching[0].prefix}…")
        return
    for key in keys:
        state = "revoked" if key.revoked_at else ("valid" if key.is_usable else "expired")
        click.echo(
            f"{key.prefix}…  {state:8} created {key.created_at:%Y-%m-%d}  "
            f"expires {key.expires_at:%Y-%m-%d}  {key.name}"
        )


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


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def manage(ctx: click.Context) -> None:
    """Run any Django management command, e.g. `trygg manage check --deploy`."""
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["trygg manage", *ctx.args])


if __name__ == "__main__":
    main()
