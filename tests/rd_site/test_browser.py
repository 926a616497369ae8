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


def _serve(tmp_path, **settings: str):
    """The site in its own process on a free loopback port, with these AVA_RD_ settings; yields its URL."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "AVA_RD_HOST": "127.0.0.1",
           "AVA_RD_PORT": str(port), "AVA_DB_PATH": str(tmp_path / "ava.sqlite3"),
           "AVA_QDRANT_PATH": str(tmp_path / "qdrant"), **settings}
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


@pytest.fixture
def site(tmp_path):
    from gradio_app.security import hash_password

    yield from _serve(tmp_path, AVA_RD_USERS=json.dumps({"ana": hash_password("lemon-tree")}))


@pytest.fixture
def proxied_site(tmp_path):
    yield from _serve(tmp_path, AVA_RD_AUTH="proxy")


def test_an_operator_logs_in_qualifies_a_lead_books_a_slot_runs_a_scenario_browses_and_uploads(site, tmp_path):
    critters = tmp_path / "critter-guards.md"
    critters.write_text("# Critter guards\n\nPigeons love nesting under panels, so every install includes a "
                        "stainless steel critter guard mesh around the array at no extra charge.\n")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(site)
        page.get_by_label("username").fill("ana")
        page.get_by_label("password").fill("lemon-tree")
        page.get_by_role("button", name="Login").click()
        expect = playwright.expect
        expect(page.locator("#signed-in")).to_contain_text("Signed in as ana", timeout=30_000)
        page.get_by_label("Clock: now, or a date and time").fill("2026-12-01 09:30")  # a Tuesday morning
        chat = page.locator("#chat")
        page.locator("#lead-text textarea").fill("hi")
        page.locator("#send").click()
        expect(chat).to_contain_text("Do you own your home?", timeout=30_000)
        assert "Lone Star Sun Solar" in chat.inner_text()
        # The first turn's trace: the playbook's model call, its latency and tokens.
        expect(page.locator("#trace")).to_contain_text("playbook:playbook", timeout=10_000)
        for answer, asked_next in [("yes we own the house", "electric bill"), ("about $210 a month", "roof"),
                                   ("roof is 6 years old", "sun"), ("full sun", "ZIP"),
                                   ("78704", "Which one works best")]:
            page.locator("#lead-text textarea").fill(answer)
            page.locator("#send").click()
            expect(chat).to_contain_text(asked_next, timeout=15_000)
        expect(page.locator("#trace")).to_contain_text("get_free_slots", timeout=10_000)
        page.get_by_role("button", name="Tue Dec 1, 1:00 PM").click()
        expect(chat).to_contain_text("https://meet.lonestarsun.example/", timeout=15_000)
        expect(page.locator("#outcome")).to_contain_text("booked 2026-12-01T13:00:00-06:00")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "rd-site.png"), full_page=True)

        page.get_by_role("tab", name="Scenarios").click()
        page.get_by_label("examples/scenarios/qualified-and-booked.yaml").check()
        page.locator("#run-scenarios").click()
        expect(page.locator("#scenario-results")).to_contain_text("passed", timeout=30_000)

        # The conversation just had is stored: find it, masked, and open it with its trace.
        page.get_by_role("tab", name="Conversations").click()
        page.locator("#conversations-search textarea").fill("jordan")
        page.locator("#conversations-refresh").click()
        listing = page.locator("#conversations")
        expect(listing).to_contain_text("+•••••••0142", timeout=10_000)
        assert "+15125550142" not in listing.inner_text()
        listing.get_by_role("gridcell", name="Jordan", exact=True).click()
        expect(page.locator("#conversation-header")).to_contain_text("booked, qualified", timeout=10_000)
        expect(page.locator("#conversation-transcript")).to_contain_text("https://meet.lonestarsun.example/")
        expect(page.locator("#conversation-trace")).to_contain_text("record_qualification")

        # A document uploaded on the Knowledge tab is ingested, then found by a search.
        page.get_by_role("tab", name="Knowledge").click()
        page.locator("#knowledge-files input[type=file]").set_input_files(str(critters))
        expect(page.locator("#knowledge-files")).to_contain_text("critter-guards.md", timeout=10_000)
        page.locator("#knowledge-ingest").click()
        expect(page.locator("#knowledge-ingested")).to_contain_text("ingested", timeout=90_000)
        page.locator("#knowledge-query textarea").fill("will pigeons nest under my panels?")
        page.locator("#knowledge-query textarea").press("Enter")
        expect(page.locator("#knowledge-hits")).to_contain_text("critter-guards.md", timeout=30_000)
        browser.close()


def test_behind_the_platforms_sign_in_the_page_says_who_is_signed_in(proxied_site):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        # What Container Apps' sign-in adds to every request it lets through.
        page = browser.new_page(extra_http_headers={"X-MS-CLIENT-PRINCIPAL-NAME": "ana@lonestarsun.example"})
        page.goto(proxied_site)
        playwright.expect(page.locator("#signed-in")).to_contain_text("Signed in as ana@lonestarsun.example",
                                                                      timeout=30_000)
        page.locator("#lead-text textarea").fill("hi")
        page.locator("#send").click()
        playwright.expect(page.locator("#chat")).to_contain_text("Do you own your home?", timeout=30_000)
        anonymous = browser.new_page()
        assert anonymous.goto(proxied_site).status == 401
        browser.close()
