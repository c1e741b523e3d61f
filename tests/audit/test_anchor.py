"""The keyed chain and its anchors: an insider with write access to the database cannot
quietly rewrite or shorten the audit log."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from tests.factories import MunicipalityFactory, user_in
from trygg.audit.anchors import anchor_from_line, anchors_read
from trygg.audit.keys import audit_keys, audit_keys_check
from trygg.audit.models import AuditEvent
from trygg.audit.selectors import audit_verify_chain
from trygg.audit.services import (
    GENESIS_HASH,
    AnchorRefused,
    audit_anchor,
    audit_record,
    compute_entry_hash,
)
from trygg.cli import main

pytestmark = pytest.mark.django_db

KEY_A = "2026a:" + "a" * 40
KEY_B = "2026b:" + "b" * 40


@pytest.fixture
def keyed(settings, tmp_path):
    settings.TRYGG_AUDIT_KEY = KEY_A
    settings.TRYGG_AUDIT_RETIRED_KEYS = []
    settings.TRYGG_AUDIT_ANCHOR = str(tmp_path / "anchors.jsonl")
    return settings


def record(n: int, start: int = 0) -> list[AuditEvent]:
    actor = user_in(MunicipalityFactory(code="2281"))
    return [
        audit_record(actor=actor, action="export", object_type="areas", summary=f"event {i}")
        for i in range(start, start + n)
    ]


@pytest.fixture
def chain(keyed):
    return record(5)


def raw(sql, params=()):
    """Change the table behind the application's back, as an intruder with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only"
            )
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only"
            )


def rehash_from(event_id: int, *, key_id: str, keys) -> None:
    """Recompute every hash from ``event_id`` on with the project's own function, as an
    intruder would after an edit, using whatever key (or none) the intruder has."""
    previous = (
        AuditEvent.objects.filter(id__lt=event_id)
        .order_by("-id")
        .values_list("entry_hash", flat=True)
        .first()
    ) or GENESIS_HASH
    for event in AuditEvent.objects.filter(id__gte=event_id).order_by("id"):
        event.previous_hash = previous
        event.key_id = key_id
        new_hash = compute_entry_hash(event, keys)
        raw(
            "UPDATE audit_auditevent SET previous_hash = %s, entry_hash = %s, key_id = %s "
            "WHERE id = %s",
            [previous, new_hash, key_id, event.id],
        )
        previous = new_hash


def verify(*args):
    return CliRunner().invoke(main, ["audit", "verify", *args])


def anchor(*args):
    return CliRunner().invoke(main, ["audit", "anchor", *args])


def test_entries_are_signed_with_the_current_key(chain):
    assert {e.key_id for e in chain} == {"2026a"}
    assert audit_verify_chain().intact


@pytest.mark.parametrize("intruder_key", ["none", "guessed", "development"])
def test_an_edit_rehashed_without_the_key_is_detected(chain, settings, intruder_key):
    raw("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["nothing", chain[2].id])
    if intruder_key == "none":
        # The plain SHA-256 of the chain before it was keyed.
        rehash_from(chain[2].id, key_id="", keys=None)
    else:
        settings.TRYGG_AUDIT_KEY = (
            "2026a:" + "x" * 40 if intruder_key == "guessed" else ""
        )  # "" derives the development key from SECRET_KEY
        keys = audit_keys()
        settings.TRYGG_AUDIT_KEY = KEY_A
        rehash_from(chain[2].id, key_id=keys.current_id, keys=keys)
    report = audit_verify_chain()
    assert not report.intact and report.first_broken_id == chain[2].id
    result = verify()
    assert result.exit_code == 1 and f"broken at entry {chain[2].id}" in result.output


def test_deleting_the_newest_entries_is_reported_against_the_anchor(chain):
    assert anchor().exit_code == 0
    raw("DELETE FROM audit_auditevent WHERE id >= %s", [chain[3].id])
    # The shortened chain is valid in itself ...
    assert audit_verify_chain().first_broken_id is None
    # ... but not against the anchor.
    result = verify()
    assert result.exit_code == 1
    assert "The chain has 3 entries but the anchor of " in result.output
    assert "recorded 5: entries were deleted." in result.output


def test_deleting_all_entries_is_reported(chain):
    assert anchor().exit_code == 0
    raw("DELETE FROM audit_auditevent")
    result = verify()
    assert result.exit_code == 1 and "The chain has 0 entries" in result.output


def test_an_insider_with_the_key_who_rewrites_the_chain_is_caught_by_the_anchor(chain):
    assert anchor().exit_code == 0
    raw("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["nothing", chain[1].id])
    rehash_from(chain[1].id, key_id="2026a", keys=audit_keys())
    assert audit_verify_chain().first_broken_id is None
    result = verify()
    assert result.exit_code == 1
    assert f"Entry number 5 (id {chain[4].id}) is not the one the anchor of" in result.output


def test_replacing_deleted_entries_with_new_ones_is_caught(chain):
    """Delete the last two and append two fresh ones: same count, different head."""
    assert anchor().exit_code == 0
    raw("DELETE FROM audit_auditevent WHERE id >= %s", [chain[3].id])
    record(2, start=10)
    assert audit_verify_chain().first_broken_id is None
    result = verify()
    assert result.exit_code == 1 and "Entry number 5" in result.output


def test_verify_agrees_with_anchors_as_the_chain_grows(chain, keyed):
    assert anchor().exit_code == 0
    record(3, start=5)
    assert anchor().exit_code == 0
    record(1, start=8)
    result = verify()
    assert result.exit_code == 0, result.output
    assert "intact (9 entries checked)" in result.output
    assert "agrees with 2 anchor(s)" in result.output and "recorded 8 entries" in result.output


def test_anchors_are_appended_never_rewritten(chain, keyed, tmp_path):
    path = tmp_path / "anchors.jsonl"
    assert anchor().exit_code == 0
    first = path.read_text()
    record(1, start=5)
    assert anchor().exit_code == 0
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and path.read_text().startswith(first)
    head = anchor_from_line(lines[1])
    assert (head.count, head.last_hash) == (6, AuditEvent.objects.order_by("-id")[0].entry_hash)


def test_no_anchor_is_written_over_a_shortened_chain(chain, tmp_path):
    path = tmp_path / "anchors.jsonl"
    assert anchor().exit_code == 0
    before = path.read_text()
    raw("DELETE FROM audit_auditevent WHERE id = %s", [chain[4].id])
    result = anchor()
    assert result.exit_code == 1 and "does not verify" in result.output
    assert path.read_text() == before


def test_a_forged_anchor_line_is_reported(chain, tmp_path):
    path = tmp_path / "anchors.jsonl"
    assert anchor().exit_code == 0
    line = json.loads(path.read_text())
    line["count"] = 2  # an intruder "shortening" the anchor to match a truncated chain
    with path.open("a") as f:
        f.write(json.dumps(line) + "\n")
        f.write("not json\n")
    result = verify()
    assert result.exit_code == 1
    assert "not signed with a known audit key" in result.output
    assert "Line 3 of the anchor file is not an anchor." in result.output


def test_verify_reads_an_anchor_copy_given_on_the_command_line(chain, keyed, tmp_path):
    copy = tmp_path / "copy.jsonl"
    assert anchor("--to", str(copy)).exit_code == 0
    keyed.TRYGG_AUDIT_ANCHOR = "https://anchors.example.invalid/trygg"
    raw("DELETE FROM audit_auditevent WHERE id = %s", [chain[4].id])
    result = verify("--anchors", str(copy))
    assert result.exit_code == 1 and "recorded 5" in result.output
    assert verify("--anchors", str(tmp_path / "missing.jsonl")).exit_code == 1


def test_without_anchors_verify_warns_that_truncation_would_not_show(chain):
    result = verify()
    assert result.exit_code == 0 and "Warning: no anchors" in result.output


def test_key_rotation_keeps_old_entries_and_anchors_verifiable(chain, keyed):
    assert anchor().exit_code == 0
    keyed.TRYGG_AUDIT_KEY = KEY_B
    keyed.TRYGG_AUDIT_RETIRED_KEYS = [KEY_A]
    later = record(2, start=5)
    assert {e.key_id for e in later} == {"2026b"}
    assert anchor().exit_code == 0
    result = verify()
    assert result.exit_code == 0 and "agrees with 2 anchor(s)" in result.output
    # Forget the retired key and neither the old entries nor the old anchor verify.
    keyed.TRYGG_AUDIT_RETIRED_KEYS = []
    report = audit_verify_chain()
    assert report.first_broken_id == chain[0].id and "unknown audit key" in report.reason
    result = verify()
    assert result.exit_code == 1 and "key id '2026a'" in result.output


def test_entries_from_before_the_keyed_chain_verify_only_as_a_prefix(keyed):
    """Rows written by the old scheme (plain SHA-256, no key id) still verify; an unsigned
    row after signed ones is an intruder's."""
    actor = user_in(MunicipalityFactory(code="2281"))
    old = [
        audit_record(actor=actor, action="export", object_type="areas", summary=f"old {i}")
        for i in range(2)
    ]
    rehash_from(old[0].id, key_id="", keys=None)
    record(2, start=2)
    report = audit_verify_chain()
    assert report.intact and report.checked == 4 and report.unkeyed == 2
    assert "predate the keyed chain" in verify().output
    tail = AuditEvent.objects.order_by("-id")[0]
    rehash_from(tail.id, key_id="", keys=None)
    report = audit_verify_chain()
    assert report.first_broken_id == tail.id and "not signed" in report.reason


def test_anchor_is_posted_to_a_url(chain, keyed):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Authorization"], body.decode()))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    keyed.TRYGG_AUDIT_ANCHOR_TOKEN = "s3cret-token"
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/anchors"
        result = anchor("--to", url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    token, body = received[0]
    assert token == "Bearer s3cret-token"
    posted = anchors_read(body)
    assert not posted.problems and posted.anchors[0].count == 5


def test_a_deployed_install_anchors_over_https_only(chain, keyed):
    keyed.TRYGG_AUDIT_KEY_REQUIRED = True
    with pytest.raises(AnchorRefused, match="https"):
        audit_anchor(target="http://127.0.0.1:9/anchors")


def test_an_unreachable_anchor_url_fails_the_command(chain):
    result = anchor("--to", "http://127.0.0.1:9/anchors")
    assert result.exit_code == 1 and "Cannot reach" in result.output


def test_anchor_without_a_target_fails(chain, keyed):
    keyed.TRYGG_AUDIT_ANCHOR = ""
    result = anchor()
    assert result.exit_code == 1 and "TRYGG_AUDIT_ANCHOR" in result.output


def test_anchor_refuses_a_link_in_place_of_the_file(chain, tmp_path):
    target = tmp_path / "elsewhere.jsonl"
    (tmp_path / "anchors.jsonl").symlink_to(target)
    result = anchor()
    assert result.exit_code == 1 and not target.exists()


@pytest.mark.parametrize(
    ("key", "retired", "message"),
    [
        ("", [], "Set TRYGG_AUDIT_KEY"),
        ("no-colon-" + "a" * 40, [], "<key id>:<secret>"),
        ("k1:short", [], "at least 32"),
        (KEY_A, [KEY_A], "both current and retired"),
        (KEY_B, [KEY_A, KEY_A], "listed twice"),
    ],
)
def test_a_deployed_install_refuses_a_missing_or_malformed_key(settings, key, retired, message):
    settings.TRYGG_AUDIT_KEY_REQUIRED = True
    settings.TRYGG_AUDIT_KEY = key
    settings.TRYGG_AUDIT_RETIRED_KEYS = retired
    with pytest.raises(ImproperlyConfigured, match=message):
        audit_keys_check()


def test_development_derives_a_key_from_the_secret_key(settings):
    settings.TRYGG_AUDIT_KEY_REQUIRED = False
    settings.TRYGG_AUDIT_KEY = ""
    audit_keys_check()
    keys = audit_keys()
    assert keys.current_id == "dev"
    assert keys.current != hashlib.sha256(settings.SECRET_KEY.encode()).digest()


def test_production_settings_refuse_to_start_without_the_key(tmp_path):
    import os
    import subprocess
    import sys

    from cryptography.fernet import Fernet

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trygg.settings.production",
        "SECRET_KEY": "k" * 60,
        "TRYGG_FIELD_KEY": Fernet.generate_key().decode(),
        "TRYGG_LOOKUP_KEY": "l" * 40,
        "ALLOWED_HOSTS": "example.invalid",
        "DATABASE_URL": "sqlite:///:memory:",
        "TRYGG_VAR_DIR": str(tmp_path),
        "TRYGG_AUDIT_KEY_REQUIRED": "false",  # production sets it regardless
    }
    env.pop("TRYGG_AUDIT_KEY", None)
    # The web process (and anything that runs the system checks) refuses to start ...
    code = "import trygg.wsgi"
    refused = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0 and "Set TRYGG_AUDIT_KEY" in refused.stderr
    checked = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode != 0 and "trygg.audit.E001" in checked.stderr
    # ... while a build step that never touches the log may run without it.
    built = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    started = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "TRYGG_AUDIT_KEY": KEY_A},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
