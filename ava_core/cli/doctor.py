"""``ava doctor``: checks each configured model provider live."""

import typer


def register(app: typer.Typer) -> None:
    """Provider checks are added with the providers."""
