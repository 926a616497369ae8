"""The README's picture of the site: a lead qualified and offered slots, the trace beside it.

With the site running (`make run`) and Debian's Chromium installed::

    python -m gradio_app.screenshot [URL] [--out docs/rd-site.png]

It drives the Chat tab through Playwright, like the browser test, and saves a palette PNG
small enough to keep in the repository.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

LEAD = ["hi, saw your ad about solar", "yes we own the house", "about $210 a month", "roof is 6 years old",
        "full sun", "78704"]
SIZE = {"width": 1360, "height": 1000}


def capture(url: str, out: Path) -> Path:
    from PIL import Image
    from playwright.sync_api import expect, sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no Chromium: apt-get install -y --no-install-recommends chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport=SIZE)
        page.goto(url)
        page.get_by_label("Clock: now, or a date and time").fill("2026-12-01 09:30")  # a Tuesday morning
        for text, reply in zip(LEAD, ["Do you own your home?", "electric bill", "roof", "sun", "ZIP",
                                      "Which one works best"], strict=True):
            page.locator("#lead-text textarea").fill(text)
            page.locator("#send").click()
            expect(page.locator("#chat")).to_contain_text(reply, timeout=30_000)
        expect(page.locator("#trace")).to_contain_text("get_free_slots", timeout=10_000)
        page.wait_for_timeout(1000)  # the last bubble's paced delay
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()
    # A UI is a few flat colours: 256 of them keep it sharp at a fraction of the size.
    Image.open(out).convert("RGB").quantize(colors=256, dither=Image.Dither.NONE).save(out, optimize=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:7860/")
    parser.add_argument("--out", type=Path, default=Path("docs/rd-site.png"))
    args = parser.parse_args()
    path = capture(args.url, args.out)
    print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
