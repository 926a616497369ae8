"""`ava geo check`, `ava web search|fetch` and the doctor's Google Maps and search-API lines."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ava_core.cli import build_app, doctor
from ava_core.cli.geo import describe
from ava_core.geo.base import AreaCheck
from ava_core.recorded_http import Exchange, RecordedHttp
from ava_core.settings import Settings
from tests.geo.conftest import BASE, GEOCODE, GOOGLE, KEY, geocode, recorded, timezone
from tests.web.conftest import recorded as web_recorded


def test_geo_check_without_a_key_judges_by_the_profile_list():
    result = CliRunner().invoke(build_app(), ["geo", "check", "78704"])
    assert result.exit_code == 0
    assert "backend   profile list (configured: profile)" in result.output
    assert "verdict   INSIDE the service area" in result.output


def test_a_google_verdict_prints_place_distance_zone_and_backend():
    check = AreaCheck(query="78666", in_area=True, address="San Marcos, TX 78666, USA", lat=29.8833, lng=-97.9414,
                      distance_miles=26.9, timezone="America/Chicago", backend="google",
                      detail="26.9 miles straight line (within 40)")
    assert describe(check, configured="google") == [
        "backend   google (configured: google)",
        "place     San Marcos, TX 78666, USA (29.88330, -97.94140)",
        "distance  26.9 miles",
        "verdict   INSIDE the service area: 26.9 miles straight line (within 40)",
        "time zone America/Chicago",
    ]


def test_web_fetch_of_a_refused_url_exits_non_zero_with_one_line():
    for url, reason in [("http://169.254.169.254/latest/meta-data", "cloud metadata address"),
                        ("file:///etc/passwd", "only http and https")]:
        result = CliRunner().invoke(build_app(), ["web", "fetch", url])
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and reason in lines[0]


def test_web_search_when_unconfigured_says_so(tmp_path, monkeypatch):
    profile = tmp_path / "profile.yaml"
    text = Path("examples/profile.yaml").read_text().split("\nweb:")[0]
    profile.write_text(text)
    monkeypatch.setenv("AVA_PROFILE", str(profile))
    monkeypatch.setenv("AVA_DB_PATH", str(tmp_path / "ava.sqlite3"))
    result = CliRunner().invoke(build_app(), ["web", "search", "solar credit"])
    assert result.exit_code == 1
    assert "web browsing is not configured" in result.output
    assert not (tmp_path / "ava.sqlite3").exists()  # trying the web never creates the business's store


def test_doctor_checks_the_google_key_live():
    http = recorded(timezone())
    settings = Settings(google_maps_api_key=KEY)
    verdict = doctor.check_google_maps(settings, http=http.client())
    assert verdict.ok, verdict.detail
    assert "2100 S Lamar Blvd, Austin, TX 78704, USA, America/Chicago" in verdict.detail
    assert any(r.url.params.get("address") == BASE for r in http.calls)


def test_doctor_names_what_to_fix_when_google_refuses_the_key():
    http = RecordedHttp([Exchange.model_validate(geocode(BASE, "geocode_request_denied.json"))], base=GOOGLE)
    verdict = doctor.check_google_maps(Settings(google_maps_api_key=KEY), http=http.client())
    assert not verdict.ok
    assert "REQUEST_DENIED (The provided API key is invalid.)" in verdict.detail
    assert "AVA_GOOGLE_MAPS_API_KEY" in verdict.detail
    assert KEY not in verdict.line()


def test_doctor_checks_the_search_key_live():
    http = web_recorded({"request": {"method": "POST", "url": "https://api.tavily.com/search"},
                         "response": {"file": "tavily_401.json", "status": 401}})
    settings = Settings(web_search="tavily", web_search_api_key="tvly-wrong")
    lines = []
    code = doctor.run_doctor(settings, echo=lines.append, backends_http=http.client())
    assert code == 1
    assert lines[-1].startswith("FAIL web search tavily") and "AVA_WEB_SEARCH_API_KEY" in lines[-1]


def test_a_transport_failure_never_prints_the_key():
    http = RecordedHttp([Exchange.model_validate({"request": {"url": GEOCODE}, "response": {"error": "connect"}})])
    verdict = doctor.check_google_maps(Settings(google_maps_api_key=KEY), http=http.client())
    assert not verdict.ok and "not reachable" in verdict.detail
    assert KEY not in verdict.line()
