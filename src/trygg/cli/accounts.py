"""`trygg createuser`, `roles` and `token`: accounts and API keys."""

from __future__ import annotations

import sys

import click

from .base import (
    _setup,
    main,
)


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
