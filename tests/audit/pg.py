"""Throwaway PostgreSQL databases and roles for the tests that need a cluster of their own:
the database grants and the backup round trip. Named after the process so that parallel
runs never collide."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql


def server() -> dict:
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
    }


def url(dbname: str, user: str | None = None) -> str:
    s = server()
    who = user or s["user"]
    secret = f":{s['password']}" if s["password"] and user is None else ""
    return f"postgres://{who}{secret}@{s['host']}:{s['port']}/{dbname}"


def connect(dbname: str = "postgres", user: str | None = None) -> psycopg.Connection:
    s = server()
    return psycopg.connect(
        host=s["host"],
        port=s["port"],
        user=user or s["user"],
        password=s["password"] if user is None else None,
        dbname=dbname,
        autocommit=True,
    )


def unique(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}"


@contextmanager
def throwaway_database(name: str, owner: str | None = None):
    with connect() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if owner:
            query += sql.SQL(" OWNER {}").format(sql.Identifier(owner))
        admin.execute(query)
    try:
        yield name
    finally:
        with connect() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def throwaway_roles(*names: str):
    with connect() as admin:
        for name in names:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    try:
        yield names
    finally:
        with connect() as admin:
            for name in names:
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def trygg(*args: str, database_url: str, settings_module: str, var_dir: Path, check=True, **env):
    """Run the `trygg` command against another database, as an operator would."""
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url,
        "TRYGG_VAR_DIR": str(var_dir),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "trygg.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=1200,
        check=check,
    )


def client_tool(name: str) -> str:
    """pg_dump or pg_restore of the server's major version (an older one refuses to dump)."""
    with connect() as admin:
        major = int(admin.execute("SHOW server_version_num").fetchone()[0]) // 10000
    for candidate in (Path(f"/usr/lib/postgresql/{major}/bin/{name}"), shutil.which(name)):
        if candidate and Path(candidate).exists():
            version = subprocess.run(
                [str(candidate), "--version"], capture_output=True, text=True, check=True
            ).stdout
            if f" {major}." in version:
                return str(candidate)
    pytest.skip(f"no {name} of PostgreSQL {major} on this machine")
