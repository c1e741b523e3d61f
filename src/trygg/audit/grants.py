"""The PostgreSQL grants that keep the audit log out of the application's reach.

The tables belong to an owner role that runs the migrations; the web and worker processes
connect as an application role that may read and write the other tables but only read and
append to the audit log. Not owning the table, the application role cannot disable or drop
the append-only trigger, alter or drop the table, or replace the trigger's function.
``trygg audit grants`` prints this SQL for the owner to run (docs/operations.md).
"""

from __future__ import annotations

import re

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

_GRANTS = """-- Run as the owner role (the one that runs `trygg migrate`), in the Trygg database.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO APP_ROLE;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO APP_ROLE;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO APP_ROLE;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO APP_ROLE;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO APP_ROLE;
-- The audit log: read and append, nothing else (no UPDATE, DELETE, TRUNCATE, TRIGGER).
REVOKE ALL ON audit_auditevent FROM PUBLIC;
REVOKE ALL ON audit_auditevent FROM APP_ROLE;
GRANT SELECT, INSERT ON audit_auditevent TO APP_ROLE;
"""


def audit_grants_sql(*, app_role: str) -> str:
    # Checked against _ROLE, so the name cannot carry anything else into the SQL.
    if not _ROLE.match(app_role):
        raise ValueError("The role name must be lower-case letters, digits and '_'.")
    return _GRANTS.replace("APP_ROLE", app_role)
