"""The client's address for per-address limits: a proxy's header only when configured and
sent by a configured proxy, IPv6 counted per /64 (issue 14, item 8)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from trygg.core.client import client_address, client_ip

PROXY = "10.0.0.1"


def request(remote: str = PROXY, forwarded: str | None = None, header="HTTP_X_FORWARDED_FOR"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra[header] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture
def behind_proxy(settings):
    settings.TRYGG_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRYGG_TRUSTED_PROXIES = ["10.0.0.0/29", "2001:db8:ffff::/48"]


def test_without_the_setting_the_header_is_ignored(settings):
    settings.TRYGG_TRUSTED_PROXY_HEADER = ""
    settings.TRYGG_TRUSTED_PROXIES = [PROXY]
    # Anyone can send X-Forwarded-For: by default it must not choose the counted address.
    assert client_address(request("192.0.2.10", "198.51.100.7")) == "192.0.2.10"


def test_a_header_without_trusted_proxies_is_ignored(settings):
    settings.TRYGG_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRYGG_TRUSTED_PROXIES = []
    assert client_address(request(PROXY, "198.51.100.7")) == PROXY


def test_behind_the_proxy_each_visitor_has_its_own_address(behind_proxy):
    assert client_address(request(PROXY, "198.51.100.7")) == "198.51.100.7"
    assert client_address(request(PROXY, "198.51.100.8")) == "198.51.100.8"


def test_a_forged_left_entry_does_not_count(behind_proxy):
    # The client sent "X-Forwarded-For: 203.0.113.99"; the proxy appended what it saw.
    assert client_address(request(PROXY, "203.0.113.99, 198.51.100.7")) == "198.51.100.7"
    # Two of our proxies in a row are skipped.
    assert client_address(request(PROXY, "203.0.113.99, 198.51.100.7, 10.0.0.2")) == (
        "198.51.100.7"
    )


def test_a_request_not_from_the_proxy_keeps_its_own_address(behind_proxy):
    # Reaching the server directly, past the proxy: the header proves nothing.
    assert client_address(request("192.0.2.10", "198.51.100.7")) == "192.0.2.10"


def test_malformed_or_missing_header_values_fall_back_to_the_last_known_hop(behind_proxy):
    assert client_address(request(PROXY, "")) == PROXY
    assert client_address(request(PROXY, "not-an-address")) == PROXY
    assert client_address(request(PROXY, "\x00, 300.1.1.1")) == PROXY
    assert client_address(request(PROXY, "198.51.100.7, garbage")) == PROXY
    assert client_address(request(PROXY, "198.51.100.7:4711")) == "198.51.100.7"
    assert client_address(request(PROXY, "[2001:db8:1:2::5]:443")) == "2001:db8:1:2::"


def test_another_header_name(settings):
    settings.TRYGG_TRUSTED_PROXY_HEADER = "X-Real-IP"
    settings.TRYGG_TRUSTED_PROXIES = [PROXY]
    req = request(PROXY, "198.51.100.7", header="HTTP_X_REAL_IP")
    assert client_address(req) == "198.51.100.7"


def test_ipv6_counts_per_64(behind_proxy):
    one = client_address(request(PROXY, "2001:db8:1:2:aaaa::1"))
    other = client_address(request(PROXY, "2001:db8:1:2:bbbb:cccc:dddd:eeee"))
    elsewhere = client_address(request(PROXY, "2001:db8:1:3::1"))
    assert one == other == "2001:db8:1:2::"
    assert elsewhere == "2001:db8:1:3::"
    # The address itself is still there for whoever needs it.
    assert client_ip(request(PROXY, "2001:db8:1:2:aaaa::1")) == "2001:db8:1:2:aaaa::1"
    # Directly, without a proxy, too; an IPv4-mapped address is IPv4.
    assert client_address(request("2001:db8:9:9::77")) == "2001:db8:9:9::"
    assert client_address(request("::ffff:192.0.2.4")) == "192.0.2.4"


def test_an_ipv6_proxy_in_a_trusted_network(behind_proxy):
    assert client_address(request("2001:db8:ffff:1::1", "198.51.100.7")) == "198.51.100.7"


def test_a_unix_socket_proxy_only_when_named(settings):
    settings.TRYGG_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRYGG_TRUSTED_PROXIES = [PROXY]
    # gunicorn on a Unix socket: no REMOTE_ADDR. Not named: the header is not believed.
    assert client_address(request("", "198.51.100.7")) == ""
    settings.TRYGG_TRUSTED_PROXIES = ["unix"]
    assert client_address(request("", "203.0.113.9, 198.51.100.7")) == "198.51.100.7"
    # A TCP client is still not believed.
    assert client_address(request("192.0.2.10", "198.51.100.7")) == "192.0.2.10"


def test_no_request_or_no_address():
    assert client_address(None) == ""
    assert client_address(request("")) == ""


# --- every limit uses it: the login lockout (axes) and allauth's rate limits -------------

LOGIN = "/accounts/login/"


def _login(client, username, password, forwarded):
    return client.post(
        LOGIN,
        {"login": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_behind_the_proxy_a_lockout_does_not_lock_the_user_out_elsewhere(behind_proxy, client):
    from tests.factories import PASSWORD, MunicipalityFactory, user_in

    user_in(MunicipalityFactory(code="2281"), username="sara")
    attacker, owner = client.__class__(), client.__class__()
    for _ in range(5):
        _login(attacker, "sara", "wrong-password-123", "203.0.113.66")
    assert _login(attacker, "sara", PASSWORD, "203.0.113.66").status_code == 429
    # Before, every visitor was the proxy: anyone could lock any user name.
    assert _login(owner, "sara", PASSWORD, "198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_with_the_setting_off_a_forged_header_does_not_escape_the_lockout(settings, client):
    from tests.factories import PASSWORD, MunicipalityFactory, user_in

    settings.TRYGG_TRUSTED_PROXY_HEADER = ""
    user_in(MunicipalityFactory(code="2281"), username="sara")
    for n in range(5):
        _login(client, "sara", "wrong-password-123", f"203.0.113.{n}")
    assert _login(client.__class__(), "sara", PASSWORD, "198.51.100.99").status_code == 429


def _forget_process_memory():
    """What a restart or another worker process sees: nothing of this process's memory."""
    from django.core.cache import caches
    from django.core.cache.backends import locmem

    locmem._caches.clear()
    locmem._expire_info.clear()
    locmem._locks.clear()
    del caches["default"]


@pytest.mark.django_db
def test_allauth_limits_count_per_client_in_the_shared_cache(behind_proxy, settings, client):
    from django.apps import apps
    from django.db import connection

    from trygg.core.apps import _create_cache_table
    from trygg.settings import base

    # The configured cache is shared by every worker process and survives restarts; every
    # migrate creates its table.
    assert base.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    settings.CACHES = base.CACHES
    _create_cache_table(app_config=apps.get_app_config("auth"), using="default")
    assert base.CACHES["default"]["LOCATION"] in connection.introspection.table_names()
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    first = client.__class__()
    for n in range(3):
        # Unknown user names: axes (per user name) never locks; only allauth's limit counts.
        assert _login(first, f"nobody{n}", "wrong-password-123", "203.0.113.5").status_code == 200
    _forget_process_memory()
    limited = _login(client.__class__(), "nobody9", "wrong-password-123", "203.0.113.5")
    assert "För många" in limited.content.decode(), limited.content.decode()[-3000:]
    # Another visitor behind the same proxy is not limited by it.
    other = _login(client.__class__(), "nobody9", "wrong-password-123", "198.51.100.7")
    assert other.status_code == 200 and "För många" not in other.content.decode()


@pytest.mark.django_db
def test_the_audit_log_records_the_clients_address_not_the_proxys(behind_proxy, client):
    """Access and sign-in entries name who it was: behind the proxy, the forwarded client."""
    from tests.factories import PASSWORD, MunicipalityFactory, user_in
    from trygg.audit.models import AuditEvent

    user_in(MunicipalityFactory(code="2281"), username="sara")
    assert _login(client, "sara", PASSWORD, "198.51.100.7").status_code == 302
    entry = AuditEvent.objects.order_by("-id").first()
    assert entry.ip_address == "198.51.100.7"
