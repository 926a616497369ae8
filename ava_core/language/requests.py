"""What a lead asks about an appointment, read with the phrase tables (``tables/<code>.yaml``,
``appointment:``): cancel it, move it, keep it, or — after being turned down — book one anyway.

The reading only says which requests the words make; what to do with them (ask first, offer
times, say no kindly) is the caller's. "I need to cancel", "can we move it to thursday?",
"something came up", "cancela la cita", "¿puedo agendar igual?".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from ava_core.language.phrases import any_of, fold, table

_KINDS = ("cancel", "move", "proposal", "later", "unsure", "keep", "book")


@dataclass(frozen=True)
class AppointmentRequest:
    """The requests one message makes; several may hold ("cancel and rebook")."""

    cancel: bool = False
    move: bool = False
    proposal: bool = False  # "can we do …": a move only when a day or time is named with it
    later: bool = False
    unsure: bool = False
    keep: bool = False
    book: bool = False

    def wants(self, *, names_time: bool = False) -> str | None:
        """The one thing asked of a booked appointment: "cancel", "move", "ask" (move or cancel,
        not said which), "keep", or None. ``names_time``: the message names a day or a time."""
        move = self.move or self.later or (self.proposal and names_time)
        if self.cancel and move:
            return "ask"  # "cancel and rebook": which one matters, so ask
        if self.cancel:
            return "cancel"
        if move:
            return "move"
        if self.unsure:
            return "ask"
        if self.keep:
            return "keep"
        return None


def appointment_request(text: str, languages: Iterable[str]) -> AppointmentRequest:
    """Read ``text`` with the tables of ``languages`` (the lead's first)."""
    folded = fold(text)
    if not folded:
        return AppointmentRequest()
    patterns = _patterns(tuple(dict.fromkeys(languages)))
    return AppointmentRequest(**{kind: bool(pattern.search(folded)) for kind, pattern in patterns.items()})


@cache
def _patterns(languages: tuple[str, ...]) -> dict[str, re.Pattern[str]]:
    return {kind: any_of({e for code in languages for e in getattr(table(code).appointment, kind)}) for kind in _KINDS}
