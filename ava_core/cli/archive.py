"""``ava archive``: move idle conversations to compressed JSON lines."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def archive(
        older_than_days: int = typer.Option(None, min=1, help="idle days before archiving; default AVA_RETENTION_DAYS"),
        directory: Path = typer.Option(None, "--dir", help="archive folder; default AVA_ARCHIVE_DIR"),
    ) -> None:
        """Archive conversations idle past the retention period, then delete them from the store."""
        from ava_core.app import build_store
        from ava_core.archive import archive_idle_conversations
        from ava_core.clock import SystemClock
        from ava_core.errors import AvaError
        from ava_core.settings import Settings

        settings = Settings()
        days = older_than_days or settings.retention_days
        folder = directory or settings.archive_dir
        total = 0
        try:
            store = build_store(settings)
            while (report := archive_idle_conversations(store, folder, now=SystemClock().now(),
                                                        retention_days=days)).conversations:
                total += report.conversations
                typer.echo(f"archived {report.conversations} conversations ({report.messages} messages) "
                           f"to {report.file}")
        except AvaError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        typer.echo(f"{total} conversations archived; none left idle for more than {days} days")
