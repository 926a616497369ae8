"""Each test configures logging its own way; afterwards Loguru is back to its plain default."""

from __future__ import annotations

import logging
import sys

import pytest
from loguru import logger

from ava_core import logging as ava_logging


@pytest.fixture(autouse=True)
def _plain_logging_afterwards():
    yield
    ava_logging._stop_background_sinks()
    logger.remove()
    logger.configure(patcher=None)
    logger.add(sys.stderr)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, ava_logging._ToLoguru)]:
        root.removeHandler(handler)


@pytest.fixture
def capture():
    """Call after ``configure_logging``: a list that fills with every ECS document the sinks get."""

    def start() -> list[dict]:
        seen: list[dict] = []
        logger.add(lambda message: seen.append(message.record["extra"]["ecs"]), level="DEBUG")
        return seen

    return start
