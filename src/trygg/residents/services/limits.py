"""How many reports one address may send: counters per clock hour and per day, under a
salt drawn each day, so that no stored row tells an address or a time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import RateBucket, RateSalt
from .common import _setting


class RateLimited(Exception):
    """Too many reports from one address; the message says when to try again."""


def _day_salt(today: date) -> bytes:
    """Today's random salt, drawn once (shared by every worker through the database) and
    deleted with yesterday's counters: a counter cannot outlive the salt that reads it."""
    salt = RateSalt.objects.filter(day=today).values_list("salt", flat=True).first()
    if salt is None:
        with transaction.atomic():
            RateSalt.objects.exclude(day=today).delete()
            RateBucket.objects.all().delete()
            RateSalt.objects.get_or_create(day=today, defaults={"salt": secrets.token_hex(32)})
        salt = RateSalt.objects.get(day=today).salt
    return bytes.fromhex(salt)


def _bucket_keys(address: str | None, now: datetime) -> tuple[str, str]:
    """The keys of the hour's and the day's counters of an address."""
    local = timezone.localtime(now)
    salt = _day_salt(local.date())

    def key(period: str) -> str:
        message = f"residents:{period}:{address or '-'}".encode()
        return hmac.new(salt, message, hashlib.sha256).hexdigest()

    return key(f"hour-{local.hour}"), key("day")


def rate_counts(address: str | None, *, now: datetime | None = None) -> tuple[int, int]:
    """Reports accepted from the address this clock hour and today."""
    hour_key, day_key = _bucket_keys(address, now or timezone.now())
    counts = dict(
        RateBucket.objects.filter(key__in=[hour_key, day_key]).values_list("key", "count")
    )
    return counts.get(hour_key, 0), counts.get(day_key, 0)


def rate_check(address: str | None) -> None:
    hour, day = rate_counts(address)
    if hour >= _setting("TRYGG_RESIDENT_RATE_PER_HOUR", 5):
        raise RateLimited(
            _("Many reports have come from your connection in the last hour. Try again later.")
        )
    if day >= _setting("TRYGG_RESIDENT_RATE_PER_DAY", 20):
        raise RateLimited(
            _("Many reports have come from your connection today. Try again tomorrow.")
        )


def challenge_required(address: str | None) -> bool:
    """After a few reports from one address, a person answers a simple question."""
    return rate_counts(address)[0] >= _setting("TRYGG_RESIDENT_CHALLENGE_AFTER", 2)


def rate_record(address: str | None, *, now: datetime | None = None) -> None:
    """Count one report. Called outside the report's transaction, so that the counter's row
    never carries the report's transaction id (PostgreSQL's xmin)."""
    for key in _bucket_keys(address, now or timezone.now()):
        with transaction.atomic():
            updated = RateBucket.objects.filter(key=key).update(count=F("count") + 1)
            if not updated:
                _, created = RateBucket.objects.get_or_create(key=key, defaults={"count": 1})
                if not created:
                    RateBucket.objects.filter(key=key).update(count=F("count") + 1)
