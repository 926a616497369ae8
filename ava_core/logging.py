"""Loguru set-up: readable lines for people, JSON lines for ELK."""

from __future__ import annotations

import sys

from loguru import logger


def configure_logging(level: str = "INFO", *, json_lines: bool = False, quiet: bool = False) -> None:
    """One sink on stderr; ``quiet`` keeps warnings only (for interactive commands)."""
    logger.remove()
    logger.add(sys.stderr, level="ERROR" if quiet else level, serialize=json_lines, backtrace=False,
               diagnose=False)
