"""Anchors: the chain's head (entry count and last hash, signed) kept outside the database.

The keyed chain shows an edit by anyone without the key, but not the newest entries
deleted: what is left is still a valid chain. An anchor written on a schedule to a place the
database's users cannot rewrite (an append-only file, another service) records how long the
chain was and how it ended; verification then names any anchor the chain no longer reaches.
One anchor is one JSON object on one line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from .keys import AuditKeys, audit_keys

ANCHOR_VERSION = 1


@dataclass(frozen=True)
class Anchor:
    at: datetime
    count: int
    last_id: int | None
    last_hash: str
    key_id: str
    mac: str = ""

    def _message(self) -> bytes:
        payload = {
            "anchor": ANCHOR_VERSION,
            "at": self.at.isoformat(),
            "count": self.count,
            "last_id": self.last_id,
            "last_hash": self.last_hash,
            "key_id": self.key_id,
        }
        return json.dumps(payload, sort_keys=True).encode()

    def signed(self, keys: AuditKeys) -> Anchor:
        mac = hmac.new(keys.secrets[self.key_id], self._message(), hashlib.sha256).hexdigest()
        return Anchor(self.at, self.count, self.last_id, self.last_hash, self.key_id, mac)

    def signature_valid(self, keys: AuditKeys) -> bool:
        secret = keys.secrets.get(self.key_id)
        if secret is None:
            return False
        expected = hmac.new(secret, self._message(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.mac)

    def to_line(self) -> str:
        payload = json.loads(self._message())
        payload["mac"] = self.mac
        return json.dumps(payload, sort_keys=True) + "\n"


class AnchorFormatError(ValueError):
    pass


def anchor_from_line(line: str) -> Anchor:
    try:
        data = json.loads(line)
        if data.get("anchor") != ANCHOR_VERSION:
            raise AnchorFormatError("not an anchor of a known version")
        last_id = data["last_id"]
        return Anchor(
            at=datetime.fromisoformat(data["at"]),
            count=int(data["count"]),
            last_id=None if last_id is None else int(last_id),
            last_hash=str(data["last_hash"]),
            key_id=str(data["key_id"]),
            mac=str(data["mac"]),
        )
    except AnchorFormatError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise AnchorFormatError(str(error)) from None


@dataclass(frozen=True)
class AnchorFile:
    anchors: list[Anchor]
    problems: list[str]


def anchors_read(text: str) -> AnchorFile:
    """Every anchor in an anchor file; a line that is not one, or an anchor that no known key
    signed, is a problem (someone wrote to the file who should not have)."""
    keys = audit_keys()
    anchors, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            anchor = anchor_from_line(line)
        except AnchorFormatError:
            problems.append(f"Line {number} of the anchor file is not an anchor.")
            continue
        if not anchor.signature_valid(keys):
            problems.append(
                f"The anchor on line {number} (of {anchor.at:%Y-%m-%d %H:%M:%S %Z}) is not "
                f"signed with a known audit key (key id {anchor.key_id!r})."
            )
            continue
        anchors.append(anchor)
    return AnchorFile(anchors, problems)
