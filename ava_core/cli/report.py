"""``ava report``: the funnel and its rates, from the store."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        since: str = typer.Option("7d", help="a span back from now (24h, 7d, 2w) or a date (2026-11-01)"),
        png: Path = typer.Option(None, "--png", help="also draw the report as a chart into this PNG file"),
        as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
    ) -> None:
        """The funnel (leads → qualified → booked), hand-off and opt-out rates, reply speed and model cost."""
        from ava_core.app import build_store
        from ava_core.clock import SystemClock
        from ava_core.errors import AvaError
        from ava_core.profile import load_profile
        from ava_core.report import draw_png, funnel_report, parse_since, text_lines
        from ava_core.settings import Settings

        settings = Settings()
        try:
            profile = load_profile(settings.profile)
            now = SystemClock().now().astimezone(profile.tz)
            start = parse_since(since, now)
            figures = funnel_report(build_store(settings), profile, since=start, until=now)
        except (AvaError, ValueError) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        typer.echo(figures.model_dump_json(indent=2) if as_json else "\n".join(text_lines(figures)))
        if png is not None:
            try:
                typer.echo(f"chart written to {draw_png(figures, png)}", err=as_json)
            except RuntimeError as exc:
                typer.echo(str(exc), err=True)
                raise typer.Exit(1) from None
