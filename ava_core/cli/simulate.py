"""``ava simulate SCENARIO.yaml``: play a scenario and check its expectations."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ava_core.errors import AvaError, ConfigError, ScenarioError


def register(app: typer.Typer) -> None:
    @app.command()
    def simulate(
        scenarios: list[Path] = typer.Argument(..., help="scenario files"),
        as_json: bool = typer.Option(False, "--json", help="print one JSON object per scenario"),
    ) -> None:
        """Run scenarios with a frozen clock; exit 0 if all pass, 1 if one fails, 2 for a bad file."""
        from ava_core.logging import configure_logging
        from ava_core.models.registry import PROVIDERS
        from ava_core.scenario import load_scenario, run_scenario
        from ava_core.settings import Settings

        configure_logging(quiet=True)
        settings = Settings()
        failed = False
        said: set[str] = set()
        for path in scenarios:
            try:
                scenario = load_scenario(path)
                result = run_scenario(scenario, settings)
            except ScenarioError as exc:
                typer.echo(str(exc), err=True)
                raise typer.Exit(2) from None
            except ConfigError as exc:
                if scenario.model in PROVIDERS:
                    typer.echo(f"skipped {path}: model {scenario.model!r} is not configured ({exc})", err=True)
                    continue
                typer.echo(f"{path}: {exc}", err=True)
                raise typer.Exit(2) from None
            except AvaError as exc:
                typer.echo(f"{path}: {exc}", err=True)
                raise typer.Exit(2) from None
            failed |= not result.passed
            if not result.knowledge.ok and result.knowledge.line() not in said:
                # Once, before the first transcript it affects: objections then get the fallback reply.
                said.add(result.knowledge.line())
                typer.echo(result.knowledge.line(), err=True)
            if as_json:
                typer.echo(json.dumps(result.model_dump(mode="json", exclude={"usage", "knowledge"}),
                                      ensure_ascii=False))
            else:
                _print(result)
        raise typer.Exit(1 if failed else 0)


def _print(result) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    for line in result.transcript:
        who = "[bold cyan]lead[/]" if line["role"] == "user" else "[bold green] ava[/]"
        console.print(f"{who}  {line['text']}")
    usage = result.usage
    if usage.get("input_tokens") or usage.get("output_tokens"):
        console.print(f"[dim]{int(usage['calls'])} model calls: {int(usage['input_tokens'])} tokens in "
                      f"({int(usage['cached_tokens'])} cached), {int(usage['output_tokens'])} out, "
                      f"${usage['cost_usd']:.4f}[/]")
    booked = result.outcome.appointment
    if booked:
        where = f" appointment {booked['id']}" if booked.get("id") else ""
        console.print(f"[dim]booked {booked['start']}{where} · {booked['link'] or 'no link yet'}[/]")
    mark = "[green]PASS[/]" if result.passed else "[red]FAIL[/]"
    console.print(f"{mark} {result.name}")
    for failure in result.failures:
        console.print(f"  [red]✗[/] {failure}")
