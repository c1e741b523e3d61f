"""Residents' reports: limits per visitor behind the proxy, counters that cannot be traced
to an address or a report, and form stamps and questions used once in one session
(issue 14, items 8, 11 and 14)."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from tests.residents.conftest import filled_long_ago
from trygg.audit.models import AuditEvent
from trygg.residents.models import RateBucket, RateSalt, ResidentReport
from trygg.residents.services import rate_counts

PROXY = "10.0.0.1"


def url(place):
    return reverse("trygghet:report", args=[place["municipality"].code])


@pytest.fixture
def behind_proxy(settings):
    settings.TRYGG_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRYGG_TRUSTED_PROXIES = [PROXY]
    settings.TRYGG_RESIDENT_RATE_PER_HOUR = 2
    settings.TRYGG_RESIDENT_CHALLENGE_AFTER = 99


def send(client, place, form_data, forwarded, reason):
    return client.post(
        url(place),
        form_data(reasons=[reason]),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_the_proxy_two_residents_are_limited_separately(
    behind_proxy, client, place, form_data
):
    assert send(client, place, form_data, "198.51.100.7", "dark").status_code == 302
    assert send(client, place, form_data, "198.51.100.7", "traffic").status_code == 302
    assert send(client, place, form_data, "198.51.100.7", "deserted").status_code == 429
    # Before, the whole municipality was one address: the proxy's.
    assert send(client, place, form_data, "198.51.100.8", "deserted").status_code == 302


def test_with_the_setting_off_a_forged_header_does_not_escape_the_limit(
    behind_proxy, settings, client, place, form_data
):
    settings.TRYGG_TRUSTED_PROXY_HEADER = ""
    for n, reason in enumerate(["dark", "traffic"]):
        assert send(client, place, form_data, f"203.0.113.{n}", reason).status_code == 302
    assert send(client, place, form_data, "203.0.113.9", "deserted").status_code == 429


def test_ipv6_addresses_of_one_64_share_a_limit(behind_proxy, client, place, form_data):
    assert send(client, place, form_data, "2001:db8:1:2::1", "dark").status_code == 302
    assert send(client, place, form_data, "2001:db8:1:2::ffff", "traffic").status_code == 302
    assert send(client, place, form_data, "2001:db8:1:2:9::9", "deserted").status_code == 429
    assert send(client, place, form_data, "2001:db8:1:3::1", "deserted").status_code == 302


def test_the_counters_are_shared_by_every_process(behind_proxy, client, place, form_data):
    # Two browsers (sessions) and nothing kept in this process: the counts are in the
    # database, so another worker or a restart sees them.
    first, second = client.__class__(), client.__class__()
    for browser, reason in ((first, "dark"), (second, "traffic")):
        data = form_data(reasons=[reason], started=filled_long_ago(browser))
        browser.post(url(place), data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert rate_counts("198.51.100.7") == (2, 2)


# --- item 11: nothing stored leads back to the address or to a report's time -----------


def test_no_stored_row_gives_the_address_or_the_time(client, place, form_data):
    address = "192.0.2.44"
    assert client.post(url(place), form_data(), REMOTE_ADDR=address).status_code == 302
    report = ResidentReport.objects.get()
    event = AuditEvent.objects.get(object_type="resident_report")
    # The counters hold a key and a count: no time, no running number, nothing to sort by.
    kinds = {type(f) for f in RateBucket._meta.concrete_fields}
    assert not kinds & {models.DateTimeField, models.DateField, models.BigAutoField}
    assert RateBucket._meta.pk.name == "key"
    rows = list(RateBucket.objects.values_list("key", "count"))
    assert len(rows) == 2 and all(count == 1 for _key, count in rows)
    assert all(address not in key for key, _count in rows)
    # The old keyed hash was reversible with SECRET_KEY by trying all 2^32 IPv4 addresses;
    # no key is derived from SECRET_KEY any more, with or without the hour.
    secret = django_settings.SECRET_KEY.encode()
    keys = {key for key, _count in rows}
    hour = timezone.localtime(event.occurred_at).hour
    for message in (f"residents:{address}", f"residents:hour-{hour}:{address}"):
        digest = hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()
        assert digest not in keys
    # The salt is random, not derived from the secret key, and only today's is kept.
    salt = RateSalt.objects.get()
    assert salt.day == timezone.localdate()
    assert salt.salt not in {hashlib.sha256(secret).hexdigest(), secret.hex()[:64]}
    # The report keeps the day only.
    assert report.created_on == timezone.localdate()
    assert not any(
        isinstance(f, models.DateTimeField) and getattr(report, f.attname) == event.occurred_at
        for f in ResidentReport._meta.concrete_fields
    )


def test_two_residents_in_one_hour_leave_rows_that_cannot_be_told_apart_by_time(
    client, place, form_data
):
    client.post(url(place), form_data(reasons=["dark"]), REMOTE_ADDR="192.0.2.1")
    client.post(url(place), form_data(reasons=["traffic"]), REMOTE_ADDR="192.0.2.2")
    assert ResidentReport.objects.count() == 2
    # Four rows (hour and day for each), the same count, no order of arrival.
    assert sorted(RateBucket.objects.values_list("count", flat=True)) == [1, 1, 1, 1]


def test_a_new_day_draws_a_new_salt_and_forgets_yesterday(client, place, form_data):
    client.post(url(place), form_data(), REMOTE_ADDR="192.0.2.1")
    old_salt = RateSalt.objects.get().salt
    old_keys = set(RateBucket.objects.values_list("key", flat=True))
    RateSalt.objects.update(day=timezone.localdate() - timedelta(days=1))
    # Yesterday's count is gone with yesterday's salt.
    assert rate_counts("192.0.2.1") == (0, 0)
    assert RateSalt.objects.get().salt != old_salt
    assert not RateBucket.objects.filter(key__in=old_keys).exists()


@pytest.mark.postgres  # xmin is PostgreSQL's: run in the PostgreSQL pass only
@pytest.mark.django_db(transaction=True)
def test_the_counter_is_not_written_in_the_reports_transaction(client, place, form_data):
    assert client.post(url(place), form_data(), REMOTE_ADDR="192.0.2.9").status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM residents_residentreport")
        (report_xmin,) = cursor.fetchone()
        cursor.execute("SELECT xmin::text FROM residents_ratebucket")
        bucket_xmins = {row[0] for row in cursor.fetchall()}
    # The same transaction id would tie the report to its sender's counter.
    assert len(bucket_xmins) == 2 and report_xmin not in bucket_xmins


# --- item 14: the form stamp and the question are used once, in one session ------------


def test_a_form_stamp_cannot_send_two_reports(client, place, form_data):
    data = form_data()
    assert client.post(url(place), data).status_code == 302
    again = client.post(url(place), {**data, "reasons": ["traffic"]})
    assert again.status_code == 400
    assert "already been sent" in again.content.decode()
    assert ResidentReport.objects.count() == 1


def test_a_form_stamp_from_another_session_is_refused(client, place, form_data):
    other = client.__class__()
    stamp = filled_long_ago(other)
    refused = client.post(url(place), form_data(started=stamp))
    assert refused.status_code == 400
    assert "opened in another browser" in refused.content.decode()
    assert ResidentReport.objects.count() == 0
    # The page then carries a new stamp of this session, and the resident can send.
    fresh = refused.context["started"]
    assert fresh != stamp


def test_the_page_reveals_nothing_in_its_tokens(client, place, settings):
    settings.TRYGG_RESIDENT_CHALLENGE_AFTER = 0
    page = client.get(url(place))
    token, question = page.context["challenge_token"], page.context["challenge_question"]
    a, b = map(int, re.findall(r"\d+", question)[:2])
    # Before, the token was a signed but readable {"a": .., "b": ..}.
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="trygg.residents.challenge")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", page.context["started"])
    assert str(a + b) not in token or len(token) == 22


def _challenge(page):
    token = page.context["challenge_token"]
    a, b = map(int, re.findall(r"\d+", page.context["challenge_question"])[:2])
    return token, a + b


def test_a_question_is_answered_once_and_only_in_its_session(client, place, form_data, settings):
    settings.TRYGG_RESIDENT_CHALLENGE_AFTER = 0
    token, total = _challenge(client.get(url(place)))
    ok = client.post(url(place), form_data(challenge=token, answer=total))
    assert ok.status_code == 302
    # The same answered question again, with a new form: refused, with a new question.
    again = client.post(url(place), form_data(reasons=["traffic"], challenge=token, answer=total))
    assert again.status_code == 400
    assert "no longer valid" in again.content.decode()
    assert again.context["challenge_token"] not in ("", token)
    # A question from another session is refused too.
    other = client.__class__()
    other_token, other_total = _challenge(other.get(url(place)))
    crossed = client.post(
        url(place), form_data(reasons=["traffic"], challenge=other_token, answer=other_total)
    )
    assert crossed.status_code == 400 and "no longer valid" in crossed.content.decode()
    assert ResidentReport.objects.count() == 1


def test_a_lost_answer_is_resent_and_gets_its_receipt(client, place, form_data):
    data = form_data(client_key="2c8e3f7a-1b9d-4f0e-9a3c-5d6e7f8a9b0c")
    first = client.post(url(place), data)
    second = client.post(url(place), data)
    assert second.status_code == 302 and second.url.split("?")[0] == first.url.split("?")[0]
    # The stamp of a sent form with another client key is still refused.
    other = client.post(url(place), {**data, "client_key": "another-key"})
    assert other.status_code == 400 and "already been sent" in other.content.decode()
    assert ResidentReport.objects.count() == 1
