"""Backup and restore on PostgreSQL lose nothing: the demo database is dumped with
`pg_dump -Fc`, restored with `pg_restore` into a second database, and the restored one has
an intact audit log that agrees with the anchor written before the dump, and every table
and sequence as it was (row counts and a checksum of the contents)."""

from __future__ import annotations

import subprocess

import pytest
from psycopg import sql

from . import pg

pytestmark = pytest.mark.postgres

KEY = "backup-test:" + "r" * 40


def snapshot(dbname: str) -> dict[str, tuple]:
    """Every table's row count and md5 of its rows in a fixed order, and every sequence's
    position (a restore that reset one would hand out ids twice)."""
    result: dict[str, tuple] = {}
    with pg.connect(dbname) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                "FROM {} AS t"
            ).format(sql.Identifier(table))
            result[table] = tuple(conn.execute(query).fetchone())
        sequences = [
            row[0]
            for row in conn.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for sequence in sequences:
            query = sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(sequence))
            result[f"sequence {sequence}"] = tuple(conn.execute(query).fetchone())
    return result


def test_backup_and_restore_lose_nothing(tmp_path):
    pg_dump, pg_restore = pg.client_tool("pg_dump"), pg.client_tool("pg_restore")
    source, restored = pg.unique("trygg_audit_backup_src"), pg.unique("trygg_audit_backup_dst")
    anchors = tmp_path / "anchors.jsonl"
    run = {"var_dir": tmp_path / "var", "TRYGG_AUDIT_KEY": KEY}
    with pg.throwaway_database(source), pg.throwaway_database(restored):
        pg.trygg(
            "demo",
            "--no-serve",
            "--scale",
            "0.2",
            database_url=pg.url(source),
            settings_module="trygg.settings.demo",
            **run,
        )
        pg.trygg(
            "audit",
            "anchor",
            "--to",
            str(anchors),
            database_url=pg.url(source),
            settings_module="trygg.settings.demo",
            **run,
        )
        dump = tmp_path / "trygg.dump"
        subprocess.run([pg_dump, "-Fc", "-f", str(dump), pg.url(source)], check=True, timeout=600)
        subprocess.run(
            [pg_restore, "--exit-on-error", "--dbname", pg.url(restored), str(dump)],
            check=True,
            timeout=600,
        )
        verified = pg.trygg(
            "audit",
            "verify",
            "--anchors",
            str(anchors),
            database_url=pg.url(restored),
            settings_module="trygg.settings.demo",
            check=False,
            **run,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "The audit log is intact" in verified.stdout
        assert "agrees with 1 anchor(s)" in verified.stdout
        before, after = snapshot(source), snapshot(restored)
        # The demo fills the tables that matter; an empty comparison would prove nothing.
        for table in (
            "audit_auditevent",
            "areas_area",
            "crime_reportedcrime",
            "surveys_surveyresponse",
        ):
            assert before.get(table, (0,))[0] > 0, f"{table} is empty in the demo database"
        assert sorted(after) == sorted(before)
        assert {k: v for k, v in after.items() if v != before[k]} == {}
        # The restored database still takes new audit entries after the restored ones.
        with pg.connect(restored) as conn:
            assert conn.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_auditevent_append_only'"
            ).fetchone() == ("O",)
