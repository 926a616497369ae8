"""Human pacing: reply bubbles, and how long a person would take to read and type them.

Pure functions of their inputs (jitter comes from a hash of a seed, not a random generator)
so that a durable orchestrator replaying its history computes the same timers.
"""

from __future__ import annotations

import hashlib
import re

from ava_core.profile.models import Pacing

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_URL = re.compile(r"https?://\S+")


def split_bubbles(text: str, max_chars: int) -> list[str]:
    """Split a reply into chat bubbles: paragraphs first, then sentences, never inside a URL."""
    bubbles: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if len(paragraph) <= max_chars:
            bubbles.append(paragraph)
            continue
        current = ""
        for sentence in _SENTENCE_END.split(paragraph):
            candidate = f"{current} {sentence}".strip()
            if len(candidate) <= max_chars or not current:
                current = candidate
            else:
                bubbles.append(current)
                current = sentence
            while len(current) > max_chars and not _URL.fullmatch(current.split()[-1]):
                cut = current.rfind(" ", 0, max_chars)
                if cut <= 0:
                    cut = max_chars
                bubbles.append(current[:cut].rstrip())
                current = current[cut:].lstrip()
        if current:
            bubbles.append(current)
    return bubbles


def _jitter(seed: str, spread: float) -> float:
    """A factor in [1 - spread, 1 + spread], the same for the same seed."""
    digest = hashlib.sha256(seed.encode()).digest()
    unit = int.from_bytes(digest[:8], "big") / 2**64
    return 1 + spread * (2 * unit - 1)


def bubble_delay(pacing: Pacing, *, bubble: str, read_text: str = "", seed: str) -> float:
    """Seconds to wait before sending ``bubble``: reading ``read_text`` (the lead's message, for
    the first bubble only) plus typing the bubble, jittered and bounded by the profile."""
    return delay_for_lengths(pacing, bubble_chars=len(bubble), read_chars=len(read_text), seed=seed)


def delay_for_lengths(pacing: Pacing, *, bubble_chars: int, read_chars: int = 0, seed: str) -> float:
    """``bubble_delay`` from the lengths alone: what a durable orchestrator gets, never the text."""
    seconds = read_chars / pacing.reading_chars_per_second + bubble_chars / pacing.typing_chars_per_second
    seconds *= _jitter(seed, pacing.jitter)
    return round(min(max(seconds, pacing.min_delay_seconds), pacing.max_delay_seconds), 3)


def reply_delays(pacing: Pacing, bubbles: list[str], *, read_text: str, seed: str) -> list[float]:
    """The delay before each bubble of one reply."""
    return [
        bubble_delay(pacing, bubble=b, read_text=read_text if i == 0 else "", seed=f"{seed}:{i}")
        for i, b in enumerate(bubbles)
    ]
