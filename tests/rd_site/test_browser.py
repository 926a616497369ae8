"""The R&D site in a real browser: Playwright driving Debian's Chromium against the site on loopback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "artifacts"

pytest.importorskip("gradio", reason="the R&D site needs the `gradio` extra")
playwright = pytest.importorskip("playwright.sync_api", reason="install playwright (the `dev` extra)")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine: apt-get install -y --no-install-recommends chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def site(tmp_path):
    from gradio_app.security import hash_password

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "AVA_RD_HOST": "127.0.0.1",
           "AVA_RD_PORT": str(port), "AVA_RD_USERS": json.dumps({"ana": hash_password("lemon-tree")}),
           "AVA_DB_PATH": str(tmp_path / "ava.sqlite3"), "AVA_QDRANT_PATH": str(tmp_path / "qdrant")}
    process = subprocess.Popen([sys.executable, "-m", "gradio_app.app"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the site stopped: {process.stdout.read().decode()[-2000:]}")
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("the site did not answer within 90 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_logged_in_operator_says_hi_and_sees_avas_reply_and_the_trace(site):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(site)
        page.get_by_label("username").fill("ana")
        page.get_by_label("password").fill("lemon-tree")
        page.get_by_role("button", name="Login").click()
        page.locator("#lead-text textarea").fill("hi")
        page.locator("#send").click()
        reply = page.locator("#chat .bot").first
        reply.wait_for(timeout=30_000)
        assert "Lone Star Sun Solar" in page.locator("#chat").inner_text()
        # The first turn's trace: the playbook's model call, its latency and tokens.
        playwright.expect(page.locator("#trace")).to_contain_text("playbook:playbook", timeout=10_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "rd-site.png"), full_page=True)
        browser.close()
