"""The ``ava`` command line: chat, simulate, config check, and the tools of each part."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="ava",
    help="AVA, the AI sales assistant: talk to it, simulate scenarios, check configuration.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from ava_core.cli import chat, config, doctor, knowledge, simulate

    for module in (chat, simulate, config, knowledge, doctor):
        module.register(app)


def main() -> None:
    _register()
    app()
