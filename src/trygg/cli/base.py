"""What every command shares: the settings, the data folder, the way a rejected file is
reported, and the `trygg` group the commands are added to."""

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


def _existing_municipality(code: str):
    from trygg.areas.models import Municipality

    try:
        return Municipality.objects.get(code=code)
    except Municipality.DoesNotExist:
        raise click.ClickException(
            f"Municipality {code} has no areas yet; import areas first."
        ) from None
