"""``ava config check``: validate a business profile and name each problem's file and line."""

from __future__ import annotations

from pathlib import Path

import typer

from ava_core.errors import ConfigError


def register(app: typer.Typer) -> None:
    config = typer.Typer(help="Check AVA's configuration.", no_args_is_help=True)

    @config.command("check")
    def check(profile: Path = typer.Argument(None, help="profile YAML; default AVA_PROFILE")) -> None:
        """Validate the profile (and the AVA_ settings); print OK or every error as file:line: field: problem.

        Beyond the schema: placeholders in every template, knowledge sources on disk, and
        opt-out phrasings for every language served, so nothing breaks in a conversation later."""
        from ava_core.profile.loader import check_profile
        from ava_core.settings import Settings

        try:
            settings = Settings()
        except Exception as exc:  # pydantic's ValidationError, named by variable
            typer.echo(f"environment: {exc}", err=True)
            raise typer.Exit(1) from None
        path = profile or settings.profile
        try:
            loaded = check_profile(path)
        except ConfigError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        typer.echo(
            f"OK {path}: {loaded.business.name}, {len(loaded.qualification.questions)} qualification questions, "
            f"model {settings.model}, providers configured: {', '.join(settings.configured_providers())}"
        )

    app.add_typer(config, name="config")
