"""Production settings pass Django's deployment check; pages carry a strict CSP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "trygg"
# Production refuses to start without the keys that protect personal identity numbers.
CASE_KEYS = {
    "TRYGG_FIELD_KEY": "x3RQ1jJ8yB5mG2Zc0v6QeW9tKp4LhN7sUa1DfVbIo0E=",
    "TRYGG_LOOKUP_KEY": "lookup-key-for-tests-only-" + "k" * 20,
    # The audit log's key, which production requires too (tests/audit/test_anchor.py).
    "TRYGG_AUDIT_KEY": "tests:" + "a" * 40,
}


def run_check(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "trygg.settings.production",
        "SECRET_KEY": "k" * 20 + "-Production-Only-Secret-Value-0123456789abcdef",
        "ALLOWED_HOSTS": "trygg.example.se",
        "DATABASE_URL": "sqlite:///:memory:",
        **CASE_KEYS,
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check():
    result = run_check({})
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_the_development_key():
    result = run_check({"SECRET_KEY": "insecure-development-key-do-not-use-in-production"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_case_keys():
    result = run_check({"TRYGG_FIELD_KEY": "", "TRYGG_LOOKUP_KEY": ""})
    assert result.returncode != 0
    assert "TRYGG_FIELD_KEY" in result.stderr or "TRYGG_LOOKUP_KEY" in result.stderr


def test_production_forces_two_factor_and_secure_cookies():
    code = (
        "from django.conf import settings as s;"
        "print(s.TRYGG_REQUIRE_TWO_FACTOR, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trygg.settings.production",
        "SECRET_KEY": "x" * 60,
        "TRYGG_REQUIRE_TWO_FACTOR": "false",
        **CASE_KEYS,
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out == ["True", "True", "True", "False"]


def test_passwords_are_hashed_with_argon2():
    from trygg.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_pages_send_a_csp_without_unsafe_inline(client):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_templates_and_static_files_load_nothing_from_other_hosts():
    # The machines that run Trygg may have no internet: every asset is served locally.
    offenders = []
    pattern = re.compile(r"""(src|href)\s*=\s*["']\s*(https?:)?//""", re.IGNORECASE)
    # A plain link (<a href>) to another host loads nothing: the accessibility statement must
    # point to DIGG and the personal-data page to IMY. Every other src/href still counts.
    links = re.compile(r"""<a\s[^>]*href\s*=\s*["']\s*https://[^"']*["'][^>]*>""", re.IGNORECASE)
    for path in SRC.rglob("*"):
        if path.suffix in {".html", ".js", ".css"} and "vendor" not in path.parts:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".html":
                text = links.sub("<a>", text)
            if pattern.search(text) or "url(http" in text or "@import url(" in text:
                offenders.append(str(path))
    assert offenders == []


# The annual report is a self-contained document (opened from a file or an e-mail), served
# in the app sandboxed with its own policy: no script at all, inline style allowed.
STANDALONE_DOCUMENTS = {SRC / "analysis" / "report" / "report.html"}


def test_a_link_to_another_host_is_allowed_but_nothing_that_loads(tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    page.write_text('<a href="https://www.imy.se/" rel="noopener">IMY</a>', encoding="utf-8")
    test_templates_and_static_files_load_nothing_from_other_hosts()
    for loads in (
        '<img src="https://cdn.example.org/x.png">',
        '<link rel="stylesheet" href="https://cdn.example.org/x.css">',
        '<a href="https://ok.example.org/">ok</a><script src="//cdn.example.org/x.js"></script>',
    ):
        page.write_text(loads, encoding="utf-8")
        with pytest.raises(AssertionError):
            test_templates_and_static_files_load_nothing_from_other_hosts()


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for path in set(SRC.rglob("*.html")) - STANDALONE_DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{path}: {match.group(0)}")
        if re.search(r"<style\b|\sstyle=\"", text):
            offenders.append(f"{path}: inline style")
    assert offenders == []
