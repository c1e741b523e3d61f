"""A real OpenID Connect provider for the single sign-on tests: the certified `oidc-provider`
package for Node.js (tests/oidc/), started on a free loopback port and stopped after."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "trygg-test"
CLIENT_SECRET = "test-client-secret-not-a-real-one"
IDP_PASSWORD = "idp-password"


def ensure_installed() -> None:
    """`npm ci` once into tests/oidc/node_modules (scripts/run-tests does it before the suite)."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the single sign-on tests (apt-get install npm)")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(PROVIDER_DIR)],
        check=True,
        capture_output=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    def __init__(self, *, redirect_uris: list[str], logout_uris: list[str], users: dict, tmp):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        config = {
            "issuer": self.issuer,
            "port": self.port,
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": redirect_uris,
                    "post_logout_redirect_uris": logout_uris,
                    "token_endpoint_auth_method": "client_secret_post",
                }
            ],
            "acrValues": sorted({u["acr"] for u in users.values() if "acr" in u}),
            "users": {name: {"password": IDP_PASSWORD, **user} for name, user in users.items()},
        }
        self.config_path = Path(tmp) / "oidc-provider.json"
        self.config_path.write_text(json.dumps(config))
        # A file, not a pipe: nobody reads a pipe while the tests run, and a full one would
        # stop the provider.
        self.log_path = Path(tmp) / "oidc-provider.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> OidcProvider:
        ensure_installed()
        self.process = subprocess.Popen(
            ["node", str(PROVIDER_DIR / "provider.js"), str(self.config_path)],
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OpenID provider stopped: {self.log_path.read_text()}")
            try:
                discovery = requests.get(
                    f"{self.issuer}/.well-known/openid-configuration", timeout=1
                )
                if discovery.ok and discovery.json()["issuer"] == self.issuer:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("the OpenID provider did not answer within 30 seconds")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def form_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
