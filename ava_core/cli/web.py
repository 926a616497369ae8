"""``ava web search QUERY`` and ``ava web fetch URL``: exactly what the model would be handed."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    web = typer.Typer(name="web", help="Try web search and page fetching as AVA's tools do them.",
                      no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    web.command("search")(search)
    web.command("fetch")(fetch)
    app.add_typer(web, name="web")


def search(query: Annotated[str, typer.Argument(help="what to search for")]) -> None:
    """Print the web_search tool's result; exit 1 when the search fails or browsing is off."""
    _run("web_search", {"query": query})


def fetch(url: Annotated[str, typer.Argument(help="an http(s) URL")]) -> None:
    """Print the fetch_page tool's result; exit 1 with a one-line reason when the URL is refused."""
    _run("fetch_page", {"url": url})


def _run(tool: str, args: dict) -> None:
    from ava_core.calendar.local import LocalCalendar
    from ava_core.clock import SystemClock
    from ava_core.errors import AvaError
    from ava_core.geo.profile_area import ProfileAreaGeo
    from ava_core.knowledge.base import UnconfiguredKnowledge
    from ava_core.logging import configure_logging
    from ava_core.models.base import ToolCall
    from ava_core.profile import load_profile
    from ava_core.settings import Settings
    from ava_core.store import Store
    from ava_core.tools import Toolbox, ToolContext
    from ava_core.tools.web import fetch_page, web_search
    from ava_core.web.factory import build_web, web_backend

    configure_logging(quiet=True)
    try:
        settings = Settings()
        profile = load_profile(settings.profile)
        backend = web_backend(settings, profile)
        web = build_web(settings, profile)
    except AvaError as exc:
        typer.echo(str(exc).splitlines()[0], err=True)
        raise typer.Exit(2) from None
    # Web tools read only the profile and the web backend from their context; the rest is a scratch
    # store and the offline backends, so trying the web never opens or creates the business's store.
    with tempfile.TemporaryDirectory(prefix="ava-web-") as scratch:
        store, clock = Store(Path(scratch) / "scratch.sqlite3"), SystemClock()
        ctx = ToolContext(conversation_id=0, contact_id=0, turn_id="cli", profile=profile, store=store, clock=clock,
                          calendar=LocalCalendar(profile.booking, profile.tz, store, clock),
                          geo=ProfileAreaGeo(profile.service_area), knowledge=UnconfiguredKnowledge(), web=web)
        try:
            result = Toolbox([web_search, fetch_page]).execute(ctx, ToolCall(id="cli", name=tool, args=args))
        finally:
            store.close()
    if not result.ok:
        typer.echo(f"{tool} ({backend}): {result.error}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(json.loads(result.for_model()), indent=2, ensure_ascii=False))
