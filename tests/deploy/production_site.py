"""Prepare a production install for the smoke test, in the process and with the settings the
site will run with (DJANGO_SETTINGS_MODULE=trygg.settings.production, keys from the test):
collect the static files, migrate, build the route matrix's world (tests/test_routes.py)
and a safety coordinator with two-factor login set up, and write what the test needs to
the JSON file named on the command line.

    python -m tests.deploy.production_site OUT.json
"""

from __future__ import annotations

import json
import sys


def main(out: str) -> None:
    import django

    django.setup()

    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.management import call_command

    from tests.factories import PASSWORD, user_in
    from tests.test_routes import MATRIX, build_world, url_for
    from trygg.accounts.roles import Role

    # As docs/operations.md says to install (tests/core/test_settings.py runs check --deploy).
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)

    municipality, objects = build_world()
    user = user_in(municipality, role=Role.SAFETY_COORDINATOR, username="smoke-coordinator")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    routes = {name: url_for(name, objects["own"]) for name in MATRIX}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(
            {
                "username": user.username,
                "password": PASSWORD,
                "totp_secret": secret,
                "role": Role.SAFETY_COORDINATOR.value,
                "routes": routes,
            },
            f,
        )


if __name__ == "__main__":
    main(sys.argv[1])
