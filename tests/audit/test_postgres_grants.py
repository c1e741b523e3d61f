"""On PostgreSQL, an application role set up as docs/operations.md says (the SQL that
`trygg audit grants` prints) can read and append to the audit log and nothing more: it
cannot change or delete entries, disable or drop the append-only trigger, or drop the
table. The roles and the database are made for the test and dropped after it."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from trygg.cli import main

from . import pg

pytestmark = pytest.mark.postgres

INSERT = """
INSERT INTO audit_auditevent (occurred_at, actor_username, actor_organisation, actor_role,
    action, object_type, object_id, municipality_code, summary, details, purpose,
    previous_hash, entry_hash, key_id)
VALUES (now(), 'intruder', '', '', 'read', '', '', '', '', '{}', '', %s, %s, '')
"""

FORBIDDEN = {
    "update": "UPDATE audit_auditevent SET summary = 'nothing happened'",
    "delete": "DELETE FROM audit_auditevent",
    "truncate": "TRUNCATE audit_auditevent",
    "disable the trigger": (
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only"
    ),
    "disable all triggers": "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
    "drop the trigger": "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
    "replace the trigger's function": (
        "CREATE OR REPLACE FUNCTION trygg_audit_refuse_change() RETURNS trigger AS "
        "$$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql"
    ),
    "drop the function": "DROP FUNCTION trygg_audit_refuse_change() CASCADE",
    "drop the table": "DROP TABLE audit_auditevent",
    "rename the table": "ALTER TABLE audit_auditevent RENAME TO audit_old",
    "take ownership": "ALTER TABLE audit_auditevent OWNER TO CURRENT_USER",
    "skip triggers for the session": "SET session_replication_role = replica",
    "add its own trigger": (
        "CREATE TRIGGER t BEFORE INSERT ON audit_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION trygg_audit_refuse_change()"
    ),
}


@pytest.fixture(scope="module")
def granted(tmp_path_factory):
    owner, app = pg.unique("trygg_audit_t_owner"), pg.unique("trygg_audit_t_app")
    name = pg.unique("trygg_audit_grants")
    var = tmp_path_factory.mktemp("var")
    with pg.throwaway_roles(owner, app), pg.throwaway_database(name, owner=owner):
        # The owner runs the migrations, then the grants the documentation gives.
        pg.trygg(
            "manage",
            "migrate",
            "--noinput",
            database_url=pg.url(name, owner),
            settings_module="trygg.settings.test",
            var_dir=var,
        )
        grants = CliRunner().invoke(main, ["audit", "grants", "--app-role", app])
        assert grants.exit_code == 0, grants.output
        with pg.connect(name, owner) as conn:
            conn.execute(grants.output)
        yield {"name": name, "owner": owner, "app": app, "var": var}
        with pg.connect(name) as admin:
            # Owned objects go with the database; privileges on it would keep the roles.
            admin.execute(f'DROP OWNED BY "{app}"')


def test_the_app_role_runs_trygg_and_appends_to_the_log(granted):
    """The grants leave the application working: it writes entries (with the chain's
    advisory lock and the sequence) and verifies the chain."""
    code = (
        "import django; django.setup();"
        "from trygg.audit.services import audit_record;"
        "from trygg.audit.selectors import audit_verify_chain;"
        "[audit_record(actor=None, action='read', summary=str(i)) for i in range(3)];"
        "r = audit_verify_chain(); print(r.intact, r.checked)"
    )
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "trygg.settings.test",
            "DATABASE_URL": pg.url(granted["name"], granted["app"]),
            "TRYGG_VAR_DIR": str(granted["var"]),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "3"]
    with pg.connect(granted["name"], granted["app"]) as conn:
        conn.execute(INSERT, ["0" * 64, "f" * 64])
        assert conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] >= 1
        # Other tables stay writable: the application needs them.
        conn.execute("UPDATE accounts_user SET first_name = first_name")


@pytest.mark.parametrize("what", list(FORBIDDEN))
def test_the_app_role_cannot_change_the_log_or_its_protection(granted, what):
    with pg.connect(granted["name"], granted["app"]) as conn:
        conn.execute(INSERT, ["0" * 64, f"{abs(hash(what)):064d}"[:64]])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(FORBIDDEN[what])
    with pg.connect(granted["name"]) as admin:
        # The trigger is still there and enabled ('O': fires in origin mode).
        enabled = admin.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_auditevent_append_only'"
        ).fetchone()
        assert enabled == ("O",)


def test_the_owner_role_is_held_back_by_the_trigger_too(granted):
    with (
        pg.connect(granted["name"], granted["owner"]) as conn,
        pytest.raises(psycopg.errors.RaiseException, match="append-only"),
    ):
        conn.execute("DELETE FROM audit_auditevent")


def test_grants_refuse_a_role_name_that_is_not_an_identifier():
    result = CliRunner().invoke(main, ["audit", "grants", "--app-role", "app; DROP TABLE x"])
    assert result.exit_code == 2
