"""A database of a test's own for the processes it starts (gunicorn, task workers): they
cannot see the test's own transaction. A SQLite file in the test's temporary folder, or on
PostgreSQL (the suite's PostgreSQL run) a database on the same server, dropped afterwards."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings


def on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@contextlib.contextmanager
def throwaway_database(folder: Path) -> Iterator[str]:
    """Yield the DATABASE_URL of an empty database."""
    if not on_postgresql():
        yield f"sqlite:///{folder / 'trygg.sqlite3'}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"trygg_throwaway_{secrets.token_hex(4)}"
    server = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    try:
        yield f"postgres://{auth}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(**server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def connect(url: str):
    """A plain DB-API connection (autocommit) to a throwaway database, to look from outside
    at what the processes wrote; ``%s`` placeholders on both databases."""
    if url.startswith("sqlite:///"):
        import sqlite3

        return _Sqlite(sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None))
    import psycopg

    return psycopg.connect(url, autocommit=True)


class _Sqlite:
    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql: str, params=()):
        return self.conn.execute(sql.replace("%s", "?"), params)

    def close(self):
        self.conn.close()
