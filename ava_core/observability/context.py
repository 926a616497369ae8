"""Log context per conversation and turn: every line logged inside carries their ids.

``labels.conversation_id`` and ``trace.id`` (the turn id) then appear on lines that never
named them, e.g. a provider SDK's warning in the middle of a model step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from loguru import logger

T = TypeVar("T")


@contextmanager
def turn_context(conversation_id: int | str | None, turn_id: str | None = None) -> Iterator[None]:
    """Lines logged inside carry this conversation and turn (thread- and task-local)."""
    ids = {k: v for k, v in (("conversation_id", conversation_id), ("turn_id", turn_id)) if v is not None}
    with logger.contextualize(**ids):
        yield


def in_turn_context(activity: Callable[[dict[str, Any]], T]) -> Callable[[dict[str, Any]], T]:
    """For a durable activity whose payload names ``conversation_id`` (and ``turn_id`` once begun)."""

    @functools.wraps(activity)
    def run(payload: dict[str, Any]) -> T:
        with turn_context(payload.get("conversation_id"), payload.get("turn_id")):
            return activity(payload)

    return run
