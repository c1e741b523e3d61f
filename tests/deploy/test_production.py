"""The production settings, served as production serves them (issue 14, blocker): static files
collected into a manifest, gunicorn under trygg.settings.production with keys made here, a
fresh database (a SQLite file, or a throwaway PostgreSQL database in the PostgreSQL run), a
safety coordinator who signs in through the login form and its second factor. Every page of
tests/routes.yaml is fetched as that user and anonymously, through the TLS proxy's header.

Nothing here is skipped: without gunicorn or the database the test fails (in CI it must run).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from urllib.parse import urljoin

import pytest
import requests

from tests.deploy.helpers import (
    Browser,
    free_port,
    production_env,
    sign_in,
    stop,
    wait_until_serving,
)
from tests.deploy.throwaway import throwaway_database
from tests.test_routes import expectations

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


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("production-db")) as url:
        yield url


@pytest.fixture(scope="module")
def site(tmp_path_factory, database_url):
    """Prepare the install (tests/deploy/production_site.py), start gunicorn on a free port,
    yield its base URL and what was prepared; gunicorn is killed whatever happens."""
    work = tmp_path_factory.mktemp("production")
    env = production_env(work, database_url)
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
