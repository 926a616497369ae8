"""``ava chat``: talk to AVA in the terminal, with each tool call shown dimmed."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def chat(
        profile: Path = typer.Option(None, help="profile YAML; default AVA_PROFILE"),
        model: str = typer.Option(None, help="playbook, replay or a configured provider; default AVA_MODEL"),
        name: str = typer.Option("Jordan", help="the lead's name"),
        pace: bool = typer.Option(False, help="wait like a person would before each bubble"),
    ) -> None:
        """Chat with AVA as a lead would. /new starts over, /quit leaves."""
        from rich.console import Console

        from ava_core.app import build_assistant
        from ava_core.channels import InboundMessage
        from ava_core.errors import AvaError
        from ava_core.knowledge.base import knowledge_status
        from ava_core.logging import configure_logging
        from ava_core.pacing import reply_delays
        from ava_core.settings import Settings

        configure_logging(quiet=True)
        console = Console(highlight=False)
        settings = Settings()
        updates = {k: v for k, v in {"profile": profile, "model": model}.items() if v}
        settings = settings.model_copy(update=updates)
        try:
            assistant = build_assistant(settings)
        except AvaError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        engine = assistant.engine
        warm_up = getattr(engine.knowledge, "warm_up", None)
        if warm_up is not None:  # the local embedder takes seconds to load: not while the lead waits
            threading.Thread(target=warm_up, name="knowledge-warm-up", daemon=True).start()
        business = engine.profile.business.name
        console.print(f"[bold]AVA[/] for {business} · model [cyan]{engine.model.name}[/] · store {settings.db_path}")
        knowledge = knowledge_status(engine.knowledge)
        if not knowledge.ok:  # said once, here: searches then fail quietly to the profile's fallback reply
            console.print(f"[yellow]{knowledge.line()}[/]", soft_wrap=True)
        console.print("[dim]Type as a lead would. /new starts a new conversation, /quit leaves.[/]\n")
        address = f"cli-{uuid.uuid4().hex[:8]}"
        while True:
            try:
                text = console.input("[bold cyan]you[/]  ").strip()
            except (EOFError, KeyboardInterrupt):
                console.print()
                break
            if not text:
                continue
            if text in ("/quit", "/exit"):
                break
            if text == "/new":
                address = f"cli-{uuid.uuid4().hex[:8]}"
                console.print("[dim]— new conversation —[/]")
                continue
            inbound = InboundMessage(
                channel="web", message_id=uuid.uuid4().hex, sender=address, sender_name=name,
                text=text, received_at=engine.clock.now(),
            )
            try:
                state = assistant.handle(inbound)
            except AvaError as exc:
                console.print(f"[red]{exc}[/]")
                continue
            if state is None:
                continue
            for event in state.trace:
                if event.kind == "tool":
                    mark = "✓" if event.ok else "✗"
                    result = event.result.get("data") or event.result.get("error") if isinstance(
                        event.result, dict) else event.result
                    console.print(f"[dim]  ↳ {mark} {event.name}({_short(event.args)}) → {_short(result)}[/]")
                elif event.kind in ("guard", "fallback", "knowledge"):
                    console.print(f"[dim]  ↳ {event.kind}: {event.name} {_short(event.args or event.result)}[/]")
            if state.usage.input_tokens or state.usage.output_tokens:
                cost = f", ${state.cost_usd:.4f}" if state.cost_usd else ""
                console.print(f"[dim]  ↳ tokens: {state.usage.input_tokens} in ({state.usage.cached_tokens} cached), "
                              f"{state.usage.output_tokens} out{cost}[/]")
            delays = reply_delays(engine.profile.pacing, state.bubbles, read_text=text, seed=inbound.message_id)
            for bubble, delay in zip(state.bubbles, delays, strict=True):
                if pace:
                    with console.status("[dim]Ava is typing…[/]"):
                        time.sleep(delay)
                console.print(f"[bold green] {engine.profile.persona.name.lower()}[/]  {bubble}")
            if state.outcome == "paused":
                console.print("[dim]  (a person on the team has this conversation; AVA stays quiet)[/]")


def _short(value, limit: int = 140) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
