"""What the tests that run Trygg as production runs it share (tests/deploy/): the environment
of a production process with keys made here, a client that speaks to gunicorn as the TLS proxy
does, starting and stopping servers, and signing in through the login form and its second
factor."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

import trygg

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path(trygg.__file__).resolve().parents[1]
HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS-terminating proxy sets
STARTUP_SECONDS = 240


def production_env(work: Path, database_url: str) -> dict[str, str]:
    """The environment of a process under trygg.settings.production: this process's
    environment without its Django, Trygg, database and pytest variables, fresh keys, the
    embedded task worker off."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TRYGG_", "DATABASE_", "PYTEST_"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "trygg.settings.production",
        "PYTHONPATH": os.pathsep.join([str(SOURCE), str(REPO)]),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "TRYGG_FIELD_KEY": Fernet.generate_key().decode(),
        "TRYGG_LOOKUP_KEY": secrets.token_hex(32),
        "TRYGG_AUDIT_KEY": f"smoke:{secrets.token_urlsafe(48)}",
        "TRYGG_VAR_DIR": str(work / "var"),
        "TRYGG_EMBEDDED_WORKER": "false",
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    return env


class Browser:
    """Speaks plain HTTP to gunicorn with the proxy's header, as the TLS proxy does, and sends
    back the cookies the site set: they are Secure (the site is told it is HTTPS), which an
    HTTP client would otherwise keep to itself. Redirects are not followed."""

    def __init__(self):
        self.session = requests.Session()
        self.session.headers.update(HTTPS)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, headers=None, **kwargs) -> requests.Response:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.session.request(
            method, url, headers=sent, allow_redirects=False, timeout=120, **kwargs
        )
        self.cookies |= {cookie.name: cookie.value for cookie in response.cookies}
        return response

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request("POST", url, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(server, base: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, f"gunicorn exited: {log.read_text()[-4000:]}"
        try:
            # Plain HTTP, as a load balancer asks: a redirect to HTTPS counts as down.
            health = requests.get(f"{base}/healthz", timeout=5, allow_redirects=False)
        except (requests.ConnectionError, requests.Timeout):
            health = None
        if health is not None:
            assert health.status_code == 200, f"/healthz answers {health.status_code}"
            return
        time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer /healthz in {STARTUP_SECONDS} s: {log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    """The master and its workers (a process group of their own)."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    except ProcessLookupError:
        pass


def form_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def totp_now(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def sign_in(base: str, prepared: dict) -> Browser:
    """Through the login form and the second factor, as a person in a browser does."""
    session = Browser()
    origin = {"Origin": base.replace("http://", "https://")}
    page = session.get(f"{base}/accounts/login/")
    assert page.status_code == 200
    answer = session.post(
        f"{base}/accounts/login/",
        data={
            "login": prepared["username"],
            "password": prepared["password"],
            "csrfmiddlewaretoken": form_token(page.text),
        },
        headers=origin,
    )
    assert answer.status_code == 302, answer.text[:2000]
    assert answer.headers["Location"].endswith("/accounts/2fa/authenticate/")
    page = session.get(f"{base}/accounts/2fa/authenticate/")
    answer = session.post(
        f"{base}/accounts/2fa/authenticate/",
        data={
            "code": totp_now(prepared["totp_secret"]),
            "csrfmiddlewaretoken": form_token(page.text),
        },
        headers=origin,
    )
    assert answer.status_code == 302, answer.text[:2000]
    assert session.get(f"{base}/").status_code == 200
    return session
