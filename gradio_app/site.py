"""What the R&D site's pages do, without Gradio: each method takes the form's values and returns
what the page shows, so it is tested without a browser (the Blocks in ``app.py`` only wire it)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path

import dateparser

from ava_core.errors import ConfigError
from ava_core.knowledge.base import Knowledge
from gradio_app.security import mask_phone
from gradio_app.session import Engines, LeadSession, Turn

# Bubbles play at this share of their paced delay unless real time is asked for, capped per bubble.
COMPRESSED = 0.1
COMPRESSED_CAP_SECONDS = 0.6
# A run of digits and separators not inside a longer token (so ISO times and ids stay whole).
_PHONE = re.compile(r"(?<![\w-])\+?\d[\d ().-]{7,}\d(?![\w:-])")


def parse_start(text: str, tz) -> datetime | None:
    """The clock's start from what the operator typed ("now", "2026-12-06 10:00", "next sunday 9am");
    None means the real clock. A time without a zone is read in the business's time zone."""
    text = (text or "").strip()
    if not text or text.casefold() == "now":
        return None
    parsed = dateparser.parse(text, settings={"TIMEZONE": str(tz), "RETURN_AS_TIMEZONE_AWARE": True,
                                              "PREFER_DATES_FROM": "future"})
    if parsed is None:
        raise ConfigError(f"cannot read {text!r} as a date and time: write e.g. 2026-12-06 10:00 or 'now'")
    return parsed


def play_seconds(delay: float, *, real_time: bool) -> float:
    """How long the page waits before showing a bubble paced at ``delay`` seconds."""
    return delay if real_time else min(delay * COMPRESSED, COMPRESSED_CAP_SECONDS)


def mask_text(text: str, *, reveal: bool) -> str:
    """Phone numbers in free text (tool arguments, transcripts) masked unless revealed."""
    if reveal:
        return text
    # Ten digits or more: a phone number, not a date or an amount.
    return _PHONE.sub(lambda m: mask_phone(m.group(0)) if sum(c.isdigit() for c in m.group(0)) >= 10
                      else m.group(0), text)


class Site:
    """The sessions of everyone using the site, keyed by a random id each browser tab keeps."""

    def __init__(self, engines: Engines):
        self.engines = engines
        self.sessions: dict[str, LeadSession] = {}

    def models(self) -> list[str]:
        return self.engines.settings.configured_providers()

    def new_lead(self, *, model: str, name: str, phone: str, start: str) -> str:
        """A fresh conversation; returns the key the page keeps."""
        session = self.engines.session(model=model, name=name.strip(), phone=phone.strip(),
                                       start=parse_start(start, self.engines.profile.tz))
        key = uuid.uuid4().hex
        self.sessions[key] = session
        return key

    def use_knowledge(self, knowledge: Knowledge) -> None:
        """Search ``knowledge`` from now on, in the conversations already open too."""
        self.engines.knowledge = knowledge
        for session in self.sessions.values():
            session.assistant.engine.knowledge = knowledge

    def session(self, key: str | None) -> LeadSession | None:
        return self.sessions.get(key or "")

    def send(self, key: str, text: str) -> Turn | None:
        session = self.sessions.get(key)
        if session is None:
            raise ConfigError("this conversation is gone (the site restarted): press New lead")
        return session.send(text)

    def header(self, key: str | None, *, reveal: bool) -> str:
        session = self.session(key)
        if session is None:
            return ""
        engine = session.assistant.engine
        now = engine.clock.now().astimezone(engine.profile.tz)
        lead = " · ".join(p for p in (session.name, mask_phone(session.phone, reveal=reveal)) if p)
        return f"**{engine.profile.business.name}** · model `{session.model_name}` · lead {lead or '—'} · " \
               f"clock {now:%a %b %d %Y %H:%M %Z}"


def trace_rows(turn: Turn, *, reveal: bool) -> list[list]:
    """The trace table's rows: kind, name, detail, ok, latency ms, tokens, cost."""
    return [
        [s.kind, s.name, mask_text(s.detail, reveal=reveal), "✓" if s.ok else "✗", round(s.latency_ms, 1), s.tokens,
         "" if s.cost_usd is None else f"${s.cost_usd:.5f}"]
        for s in turn.trace.steps
    ]


def outcome_markdown(turn: Turn) -> str:
    t = turn.trace
    lines = [f"**Outcome:** {t.summary()} (turn: {t.result})",
             f"Tokens {t.input_tokens} in / {t.output_tokens} out · cost ${t.cost_usd:.5f}"]
    if t.answers:
        lines.append("")
        lines.append("| question | answer | verdict |")
        lines.append("|---|---|---|")
        lines += [f"| {a['field']} | {a['answer']} | {a['verdict']} |" for a in t.answers]
    return "\n".join(lines)


def bubble_markdown(text: str, delay: float) -> str:
    """A bubble with its paced delay beneath, as the lead would have waited for it."""
    return f"{text}\n\n<sub>paced {delay:.1f} s</sub>"


def saved_dir(engines: Engines) -> Path:
    return Path(engines.settings.db_path).parent / "scenarios"
