"""Web pages and search APIs served from recorded payloads (tests/fixtures/web/); DNS is injected."""

from __future__ import annotations

from pathlib import Path

from ava_core.recorded_http import Exchange, RecordedHttp

WEB = Path(__file__).resolve().parents[1] / "fixtures" / "web"
# The IRS page the demo's tax-credit scenario reads, shared rather than stored twice.
IRS_PAGE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "http" / "irs-residential-clean-energy-credit.html"
IRS_URL = "https://www.irs.gov/credits-deductions/residential-clean-energy-credit"
IRS_IP = "23.50.52.17"


def recorded(*exchanges: dict, dns: dict[str, list[str]] | None = None) -> RecordedHttp:
    return RecordedHttp([Exchange.model_validate(e) for e in exchanges], dns=dns, base=WEB)


def page(url: str, file: str = str(IRS_PAGE), **response) -> dict:
    return {"request": {"url": url},
            "response": {"file": file, "headers": {"content-type": "text/html; charset=utf-8"}, **response}}


def redirect(url: str, to: str, status: int = 302) -> dict:
    return {"request": {"url": url}, "response": {"status": status, "headers": {"location": to}}}
