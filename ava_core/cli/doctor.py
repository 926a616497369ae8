"""``ava doctor``: checks each configured model provider, Google Maps, web search and GoHighLevel live, one line each.

A provider passes when it is reachable, its deployment or model exists, and it answers a tiny
probe with a tool call. The output holds provider names, deployment and model names and the
providers' own error messages (without them on 401/403), never a key or token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer

from ava_core.errors import AvaError, ConfigError
from ava_core.models.base import ChatMessage, ModelRequest, ToolSchema
from ava_core.settings import Settings, required

PROBE_TOOL = ToolSchema(
    name="report_status",
    description="Report the result of the health check.",
    parameters={
        "type": "object",
        "properties": {"status": {"type": "string", "enum": ["ok"]}},
        "required": ["status"],
        "additionalProperties": False,
    },
)
PROBE = ModelRequest(
    system="You are a health check. Call the report_status tool with status \"ok\". Do not write any text.",
    messages=[ChatMessage(role="user", text="Run the health check now.")],
    tools=[PROBE_TOOL],
)


@dataclass(frozen=True)
class Verdict:
    """The doctor's finding for one provider."""

    provider: str
    ok: bool
    detail: str

    def line(self) -> str:
        """One line for the terminal: ``ok   azure   reachable, …``."""
        return f"{'ok' if self.ok else 'FAIL':<5}{self.provider:<18}{self.detail}"


def check_provider(name: str, settings: Settings, *, http_client: Any = None, credential: Any = None) -> Verdict:
    """Probe one provider live: reachable, deployment or model found, tool calling works."""
    from ava_core.models.providers import build_provider
    from ava_core.models.reliability import ProviderCallError, RetryPolicy

    # One attempt: the doctor reports what happens, it does not wait out rate limits.
    policy = RetryPolicy(attempts=1, timeout=settings.model_timeout_seconds)
    try:
        model = build_provider(name, settings, http_client=http_client, policy=policy, credential=credential)
    except ConfigError as exc:
        return Verdict(name, False, str(exc))
    target = _target(name, settings)
    started = time.perf_counter()
    try:
        response = model.complete(PROBE)
    except ProviderCallError as exc:
        status = exc.failure.status
        if status is None:
            return Verdict(name, False, f"not reachable: {exc}")
        if status == 404:
            return Verdict(name, False, f"reachable, but {target} was not found: {exc}")
        if status in (401, 403):
            return Verdict(name, False, f"reachable, but access was denied: {exc}")
        return Verdict(name, False, f"reachable, but the call failed: {exc}")
    except AvaError as exc:
        return Verdict(name, False, str(exc))
    except Exception as exc:  # e.g. no Entra ID credential available on this machine
        return Verdict(name, False, f"could not call the provider: {type(exc).__name__}: {exc}")
    ms = round((time.perf_counter() - started) * 1000)
    if response.finish_reason in ("content_filter", "refusal"):
        return Verdict(name, False, f"reachable, {target} found, but the probe was refused ({response.finish_reason})")
    if not any(c.name == PROBE_TOOL.name for c in response.tool_calls):
        return Verdict(name, False, f"reachable, {target} found, but it answered without calling the probe tool: "
                                    "tool calling does not work with this model")
    served_by = f", model {response.model}" if response.model else ""
    return Verdict(name, True, f"reachable, {target} found, tool calling works ({ms} ms{served_by})")


def providers_to_check(settings: Settings) -> list[str]:
    """Providers with credentials set, plus any named in AVA_MODEL / AVA_FALLBACK_MODELS."""
    from ava_core.models.providers import PROVIDERS

    named = [n for n in [settings.model, *settings.fallback_models] if n in PROVIDERS]
    configured = [n for n in settings.configured_providers() if n in PROVIDERS]
    return list(dict.fromkeys(configured + named))


def run_doctor(settings: Settings, *, echo: Callable[[str], None] = typer.echo, http_client: Any = None,
               backends_http: Any = None) -> int:
    """Print one verdict per provider and keyed backend (and per GoHighLevel check); exit code 1 when any fails."""
    from ava_core.ghl.doctor import check_ghl

    names = providers_to_check(settings)
    verdicts = []
    if not names:
        echo(
            "No model provider is configured (AVA_AZURE_OPENAI_*, AVA_ANTHROPIC_API_KEY or "
            "AVA_OPENAI_COMPATIBLE_*), so there is nothing to check: AVA answers with the offline playbook."
        )
    else:
        echo(f"model chain: {' > '.join(dict.fromkeys([settings.model, *settings.fallback_models]))}")
        verdicts = [check_provider(n, settings, http_client=http_client) for n in names]
    verdicts += check_backends(settings, http=backends_http)
    verdicts += [Verdict(what, ok, detail) for what, ok, detail in check_ghl(settings, http_client=http_client)]
    for verdict in verdicts:
        echo(verdict.line())
    return 0 if all(v.ok for v in verdicts) else 1


def check_backends(settings: Settings, *, http: Any = None) -> list[Verdict]:
    """Google Maps and the search API, live, when their keys are set (one cheap request each)."""
    verdicts = []
    if settings.google_maps_api_key and settings.geo != "profile":
        verdicts.append(check_google_maps(settings, http=http))
    if settings.web_search != "off":
        verdicts.append(check_web_search(settings, http=http))
    return verdicts


def check_google_maps(settings: Settings, *, http: Any = None) -> Verdict:
    """Geocode the profile's base address, look up its time zone, and (for driving) one route."""
    import googlemaps
    import httpx

    from ava_core.geo.google import build_gmaps_client, transport_reason
    from ava_core.geo.requests_bridge import session_over
    from ava_core.geo.routes import RouteMatrix, RoutesError, parse_drive
    from ava_core.profile import load_profile

    name = "google maps"
    try:
        area = load_profile(settings.profile).service_area
    except AvaError as exc:
        return Verdict(name, False, f"profile: {str(exc).splitlines()[0]}")
    place = area.base_address or (area.zips[0] if area.zips else area.cities[0])
    key = required(settings.google_maps_api_key, "AVA_GOOGLE_MAPS_API_KEY").get_secret_value()
    http = http or httpx.Client(timeout=settings.geo_timeout_seconds)
    gmaps = build_gmaps_client(key, session_over(http), timeout=settings.geo_timeout_seconds)
    hint = "check AVA_GOOGLE_MAPS_API_KEY and that the Geocoding and Time Zone APIs are enabled for it"
    try:
        results = gmaps.geocode(place, components={"country": area.country} if area.country else None)
        if not results:
            return Verdict(name, False, f"reachable, but {place!r} was not found: fix service_area.base_address")
        location = results[0]["geometry"]["location"]
        point = (location["lat"], location["lng"])
        zone = gmaps.timezone(point).get("timeZoneId")
    except googlemaps.exceptions.ApiError as exc:
        return Verdict(name, False, f"refused: {exc}: {hint}")
    except googlemaps.exceptions.Timeout:
        return Verdict(name, False, f"not reachable: no answer within {settings.geo_timeout_seconds:g} s")
    except googlemaps.exceptions.TransportError as exc:
        return Verdict(name, False, f"not reachable: {transport_reason(exc)}")
    detail = f"geocoding and time zone work ({results[0]['formatted_address']}, {zone})"
    if area.distance == "driving":
        try:
            parse_drive(RouteMatrix(http, key, timeout=settings.geo_timeout_seconds).fetch(point, point))
        except RoutesError as exc:
            return Verdict(name, False, f"{detail}, but {exc}")
        detail += ", Routes API works"
    return Verdict(name, True, detail)


def check_web_search(settings: Settings, *, http: Any = None) -> Verdict:
    """One search with the configured API (costs one search credit)."""
    from ava_core.profile import load_profile
    from ava_core.web.base import WebError
    from ava_core.web.factory import build_web

    name = f"web search {settings.web_search}"
    try:
        profile = load_profile(settings.profile)
        if not profile.web.topics:
            return Verdict(name, False, "AVA_WEB_SEARCH is set but the profile's web.topics is empty: "
                                        "AVA will not browse; list what it may look up")
        web = build_web(settings, profile, http=http)
        hits = web.search("solar panels", limit=1)
    except WebError as exc:
        return Verdict(name, False, str(exc))
    except AvaError as exc:
        return Verdict(name, False, str(exc).splitlines()[0])
    return Verdict(name, True, f"reachable, key accepted, {len(hits)} result(s) for a test query")


def register(app: typer.Typer) -> None:
    """Add ``ava doctor``."""

    @app.command()
    def doctor() -> None:
        """Check each configured model provider, Google Maps and web search live."""
        try:
            settings = Settings()
        except Exception as exc:  # pydantic's ValidationError; secrets are strings, never invalid
            typer.echo(f"environment: {exc}", err=True)
            raise typer.Exit(1) from None
        raise typer.Exit(run_doctor(settings))


def _target(name: str, settings: Settings) -> str:
    if name == "azure":
        return f"deployment {settings.azure_openai_chat_deployment!r}"
    if name == "anthropic":
        return f"model {settings.anthropic_model!r}"
    return f"model {settings.openai_compatible_model!r}"
