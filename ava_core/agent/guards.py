"""Rules the engine enforces whatever the model says: opt-out, and no unbacked claims."""

from __future__ import annotations

import re

from ava_core.language.phrases import fold, table
from ava_core.profile.models import Profile
from ava_core.state import ConversationState

_CLAIMS = {
    "booked": re.compile(
        r"\b(you'?re|you are|you'?ve been|you have been) (all )?(booked|scheduled|confirmed|set for)\b"
        r"|\bi(?:'ve| have) (booked|scheduled|reserved)\b|\bbooked you\b"
        r"|\b(appointment|consultation|meeting|call) (is|has been) (booked|confirmed|scheduled|set)\b",
        re.I,
    ),
    "link_sent": re.compile(
        r"\bi(?:'ve| have| just)? ?sent (you )?(the |your |a )?(meeting |video |zoom )?link\b"
        r"|\bhere(?:'s| is) (your|the) (meeting |video |zoom )?link\b|\blink (is|has been) sent\b",
        re.I,
    ),
    "handoff": re.compile(
        r"\bi(?:'ve| have) (passed|forwarded|handed|escalated)\b"
        r"|\b(a|one of our) (team member|advisors?|specialists?|colleagues?|human|person)\b.{0,40}\bwill (reach out|call|contact|get back)",
        re.I,
    ),
}


_STOP_SENDING = re.compile(
    r"\bstop (texting|messaging|contacting|calling|sending|emailing|bothering)\b", re.I
)


def opted_out(profile: Profile, text: str) -> bool:
    """True when the lead's message is an opt-out: "STOP", "unsubscribe", "please stop texting me".

    A one-word keyword counts only as a whole message or clause (carriers' STOP convention),
    so "I can't stop thinking about solar" is not an opt-out but "no thanks, stop" is; a
    phrase ("remove me", "opt out") counts anywhere in a short message.
    """
    lowered = " ".join(re.sub(r"[^\w\s']", " ", text.casefold()).split())
    # Each clause on its own: "no thanks, stop" ends in a bare STOP.
    clauses = {
        " ".join(c.split()).removeprefix("please ").removesuffix(" please")
        for c in re.split(r"[,.;:!?\n]+", text.casefold())
    }
    if _STOP_SENDING.search(lowered):
        return True
    folded = fold(text)
    for code in profile.opt_out.phrases:
        parts = table(code).opt_out.contact
        for neg in parts.negators:
            for verb in parts.verbs:
                for obj in parts.objects:
                    if re.search(rf"\b{re.escape(fold(f'{neg} {verb} {obj}'))}\b", folded):
                        return True
    for phrases in profile.opt_out.phrases.values():
        if len(folded) <= 80 and any(re.search(rf"\b{re.escape(fold(p))}\b", folded) for p in phrases):
            return True
    for word in profile.opt_out.words:
        w = " ".join(word.casefold().split())
        if w in clauses or (" " in w and len(lowered) <= 80 and re.search(rf"\b{re.escape(w)}\b", lowered)):
            return True
    return False


def unbacked_claims(text: str, state: ConversationState, *, acted: set[str]) -> list[str]:
    """Claims in ``text`` that no successful tool call backs. ``acted`` are the tools that
    succeeded in this turn; ``state`` holds what earlier turns did."""
    backed = {
        "booked": state.appointment is not None or "book_appointment" in acted,
        "link_sent": (state.appointment is not None and state.appointment.link_sent) or "send_meeting_link" in acted,
        "handoff": state.handoff or "handoff_to_human" in acted,
    }
    return [claim for claim, pattern in _CLAIMS.items() if pattern.search(text) and not backed[claim]]


CLAIM_FIX = {
    "booked": "nothing is booked yet: call book_appointment with an offered slot id first, or don't say it is booked",
    "link_sent": "no meeting link was sent: call send_meeting_link after booking, or don't claim it",
    "handoff": "no hand-off happened: call handoff_to_human, or don't say a person will reach out",
}
