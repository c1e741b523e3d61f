"""The production settings, served as production serves them (issue 14, blocker): static files
collected into a manifest, gunicorn under trygg.settings.production with keys made here, a
fresh database (a SQLite file, or a throwaway PostgreSQL database in the PostgreSQL run), a
safety coordinator who signs in through the login form and its second factor. Every page of
tests/routes.yaml is fetched as that user and anonymously, through the TLS proxy's header.

Nothing here is skipped: without gunicorn or the database the test fails (in CI it must run).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from cryptography.fernet import Fernet

import trygg
from tests.deploy.throwaway import throwaway_database
from tests.test_routes import expectations

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path(trygg.__file__).resolve().parents[1]
HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS-terminating proxy sets
SECURITY_HEADERS = (
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)
LEAFLET_MARKER_IMAGES = ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")
STATIC_REFERENCE = re.compile(r"""["'(=](/static/[^"'()\s<>?#]+)""")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")
STARTUP_SECONDS = 240


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


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("production-db")) as url:
        yield url


@pytest.fixture(scope="module")
def site(tmp_path_factory, database_url):
    """Prepare the install (tests/deploy/production_site.py), start gunicorn on a free port,
    yield its base URL and what was prepared; gunicorn is killed whatever happens."""
    work = tmp_path_factory.mktemp("production")
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
    prepared = work / "prepared.json"
    setup = subprocess.run(
        [sys.executable, "-m", "tests.deploy.production_site", str(prepared)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        # Only against a hang: on a busy shared machine this takes minutes.
        timeout=1200,
    )
    assert setup.returncode == 0, setup.stderr[-4000:]
    port = free_port()
    log = work / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "trygg.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                "--workers=2",
                "--timeout=120",
            ],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(server, base, log)
        yield base, json.loads(prepared.read_text())
    finally:
        stop(server)


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


def missing_headers(response) -> list[str]:
    missing = [name for name in SECURITY_HEADERS if name not in response.headers]
    framing = response.headers.get("Content-Security-Policy", "")
    if "X-Frame-Options" not in response.headers and "frame-ancestors" not in framing:
        missing.append("X-Frame-Options or frame-ancestors")
    return missing


def expected_status(name: str, actor: str):
    """What tests/routes.yaml promises this actor on the route's own-municipality object."""
    for who, target, expected in expectations(name):
        if who == actor and target in (None, "own"):
            return expected
    raise LookupError(name)


def visit_every_route(session, base: str, routes: dict, actor: str) -> list[str]:
    """Fetch every route; return what is wrong (5xx, a status the matrix does not promise,
    an HTML answer without the security headers, a static file that is not served)."""
    problems: list[str] = []
    static: set[str] = set()
    for name, path in routes.items():
        accept = "application/json" if name == "api-schema" else "*/*"
        response = session.get(base + path, headers={"Accept": accept})
        status = response.status_code
        expected = expected_status(name, actor)
        if status >= 500:
            problems.append(f"{path}: {status}")
            continue
        if expected in ("login", "login-admin"):
            login = "/accounts/login/" if expected == "login" else "/admin/login/"
            if status != 302 or login not in response.headers.get("Location", ""):
                problems.append(f"{path}: {status}, the matrix says {expected}")
        elif status != expected:
            problems.append(f"{path}: {status}, the matrix says {expected}")
        if response.headers.get("Content-Type", "").startswith("text/html"):
            if missing := missing_headers(response):
                problems.append(f"{path}: no {', '.join(missing)}")
            static |= set(STATIC_REFERENCE.findall(response.text))
    # Leaflet's marker images, which core/map-kit.js addresses by their unhashed names.
    static |= {f"/static/vendor/leaflet/images/{name}" for name in LEAFLET_MARKER_IMAGES}
    problems += unserved_static(session, base, static)
    return problems


def unserved_static(session, base: str, paths: set[str]) -> list[str]:
    """Every referenced static file, and what its style sheets refer to, answers 200."""
    problems, seen, todo = [], set(), sorted(paths)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        response = session.get(base + path)
        if response.status_code != 200:
            problems.append(f"{path} (static): {response.status_code}")
        elif path.endswith(".css"):
            for ref in CSS_URL.findall(response.text):
                if not ref.startswith(("data:", "#", "http:", "https:")):
                    todo.append(urljoin(path, ref))
    return problems


def test_every_page_serves_in_production_signed_in_and_anonymous(site):
    base, prepared = site
    coordinator = sign_in(base, prepared)
    problems = visit_every_route(coordinator, base, prepared["routes"], prepared["role"])
    problems += [
        f"anonymous {p}"
        for p in visit_every_route(Browser(), base, prepared["routes"], "anonymous")
    ]
    assert problems == []


def test_health_check_answers_plain_http_and_pages_still_redirect_to_https(site):
    base, _ = site
    health = requests.get(f"{base}/healthz", allow_redirects=False, timeout=10)
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    page = requests.get(f"{base}/accounts/login/", allow_redirects=False, timeout=10)
    assert page.status_code == 301
    assert page.headers["Location"].startswith("https://")
