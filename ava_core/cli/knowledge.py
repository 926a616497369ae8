"""``ava ingest`` and ``ava knowledge eval``."""

import typer


def register(app: typer.Typer) -> None:
    """Knowledge commands are added with the knowledge base."""
