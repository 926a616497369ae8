"""The ``ava`` command line: chat, simulate, config check, and the tools of each part."""

from __future__ import annotations

import typer


def build_app() -> typer.Typer:
    """A fresh ``ava`` application with every command group registered."""
    from ava_core.cli import archive, chat, config, doctor, geo, knowledge, report, simulate, web

    app = typer.Typer(
        name="ava",
        help="AVA, the AI sales assistant: talk to it, simulate scenarios, check configuration.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for module in (chat, simulate, config, knowledge, doctor, archive, geo, web, report):
        module.register(app)
    return app


def main() -> None:
    build_app()()
