"""AVA_RD_AUTH=proxy: behind the platform's sign-in (Container Apps authentication) the site may
listen on every interface, answers 401 to any request without the identity the platform adds,
and shows who is signed in."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ava_core.errors import ConfigError
from gradio_app.healthcheck import answers
from gradio_app.proxy_auth import principal_name
from gradio_app.security import check_login, hash_password
from gradio_app.settings import SiteSettings

pytest.importorskip("gradio", reason="the R&D site needs the `gradio` extra")
ROOT = Path(__file__).resolve().parents[2]
SIGNED_IN = {"X-MS-CLIENT-PRINCIPAL-NAME": "ana@lonestarsun.example"}


def _principal(claims: list[dict], **extra) -> str:
    body = {"auth_typ": "aad", "claims": claims, "name_typ": "name", "role_typ": "roles", **extra}
    return base64.b64encode(json.dumps(body).encode()).decode()


def test_the_identity_is_read_from_the_name_header_or_the_principals_claims():
    assert principal_name({"x-ms-client-principal-name": " ana@lonestarsun.example "}) == "ana@lonestarsun.example"
    claims = [{"typ": "aud", "val": "x"}, {"typ": "name", "val": "Ana Ruiz"},
              {"typ": "preferred_username", "val": "ana@lonestarsun.example"}]
    assert principal_name({"x-ms-client-principal": _principal(claims)}) == "Ana Ruiz"
    unpadded = _principal(claims[2:], name_typ="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name").rstrip("=")
    assert principal_name({"x-ms-client-principal": unpadded}) == "ana@lonestarsun.example"


@pytest.mark.parametrize("headers", [
    {},
    {"x-ms-client-principal-name": "   "},
    {"x-ms-client-principal": "not base64 at all!"},
    {"x-ms-client-principal": base64.b64encode(b"[1, 2]").decode()},
    {"x-ms-client-principal": _principal([{"typ": "aud", "val": "x"}])},
    {"x-ms-client-principal-id": "00000000-0000-0000-0000-000000000000"},
])
def test_a_request_without_a_readable_identity_has_none(headers):
    assert principal_name(headers) is None


@given(st.text(max_size=200))
def test_any_principal_header_is_read_without_raising(value):
    name = principal_name({"x-ms-client-principal": value})
    assert name is None or (isinstance(name, str) and name)


def test_on_all_interfaces_proxy_auth_is_a_login_and_it_excludes_the_sites_own():
    check_login("0.0.0.0", {}, "proxy")
    with pytest.raises(ConfigError, match="AVA_RD_AUTH=proxy and AVA_RD_USERS are both set"):
        check_login("0.0.0.0", {"ana": hash_password("x")}, "proxy")
    with pytest.raises(ConfigError, match="AVA_RD_AUTH=proxy"):
        check_login("0.0.0.0", {}, "users")


def test_the_setting_is_read_from_the_environment_and_only_two_values_are_taken(monkeypatch):
    monkeypatch.setenv("AVA_RD_AUTH", "proxy")
    assert SiteSettings().auth == "proxy"
    monkeypatch.setenv("AVA_RD_AUTH", "entra")
    with pytest.raises(ValueError, match="users"):
        SiteSettings()


@pytest.fixture
def proxied(tmp_path):
    from fastapi.testclient import TestClient

    from ava_core.settings import Settings
    from gradio_app.app import build_blocks, proxied_app
    from gradio_app.session import build_engines
    from gradio_app.site import Site

    site_settings = SiteSettings(host="0.0.0.0", auth="proxy")
    site = Site(build_engines(Settings(db_path=tmp_path / "ava.sqlite3", qdrant_path=tmp_path / "qdrant")))
    app = proxied_app(build_blocks(site, site_settings).queue(), site_settings)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("path", ["/", "/config", "/gradio_api/info", "/gradio_api/queue/join", "/theme.css",
                                  "/gradio_api/upload", "/no/such/page"])
def test_every_request_without_the_identity_gets_401(proxied, path):
    for method in ("GET", "POST"):
        answer = proxied.request(method, path)
        assert answer.status_code == 401, (method, path)
        assert "platform's sign-in" in answer.text


def test_with_the_identity_the_page_and_its_config_answer(proxied):
    assert proxied.get("/", headers=SIGNED_IN).status_code == 200
    config = proxied.get("/config", headers=SIGNED_IN)
    assert config.status_code == 200 and config.json()["username"] == "ana@lonestarsun.example"


def test_the_page_shows_who_the_platform_signed_in():
    from gradio_app.app import signed_in_markdown

    class Request:
        headers = {"x-ms-client-principal-name": "ana@lonestarsun.example"}
        username = None

    assert signed_in_markdown(Request(), SiteSettings(auth="proxy")) == "Signed in as **ana@lonestarsun.example**"
    Request.username = "ana"
    assert signed_in_markdown(Request(), SiteSettings(users={"ana": "scrypt$1$1$1$a$b"})) == "Signed in as **ana**"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_site_starts_on_all_interfaces_with_proxy_auth_and_asks_every_request_for_the_identity(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "AVA_RD_HOST": "0.0.0.0",
           "AVA_RD_PORT": str(port), "AVA_RD_AUTH": "proxy", "AVA_DB_PATH": str(tmp_path / "ava.sqlite3"),
           "AVA_QDRANT_PATH": str(tmp_path / "qdrant")}
    env.pop("AVA_RD_USERS", None)
    process = subprocess.Popen([sys.executable, "-m", "gradio_app.app"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while not answers(port, timeout=1):
            if process.poll() is not None:
                pytest.fail(f"the site stopped: {process.stdout.read().decode()[-2000:]}")
            assert time.monotonic() < deadline, "the site did not answer within 90 s"
            time.sleep(0.5)
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers=SIGNED_IN).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert not answers(port, timeout=1)  # the health check tells a stopped site apart
