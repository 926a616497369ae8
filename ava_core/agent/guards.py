"""Rules the engine enforces whatever the model says: opt-out, no unbacked claims, no unoffered times.

Each rule reads data the engine owns — the profile's phrase tables per language, the tool
results, the slots offered in the conversation — so it holds in every language the business
serves, not only in the one its patterns were written in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

from ava_core.language.phrases import fold, table
from ava_core.language.times import TimeMention, reader
from ava_core.profile.models import Profile
from ava_core.state import ConversationState

Claim = Literal["booked", "link_sent", "handoff", "cancelled", "rescheduled"]
CLAIMS: tuple[Claim, ...] = ("booked", "link_sent", "handoff", "cancelled", "rescheduled")

# The keywords US carriers (CTIA's messaging principles) and the FCC's consent-revocation rules
# treat as opt-outs; AVA honours them on every channel, alone or in a short request ("STOP please").
CARRIER_WORDS = ("stop", "stopall", "unsubscribe", "end", "quit", "cancel", "optout", "opt out", "revoke")

# A phrase counts anywhere in a message up to this long; a longer one is a conversation that
# happens to contain it ("...is it the wrong number on the bill?").
_SHORT_MESSAGE = 120
_CLAUSES = re.compile(r"[,.;:!?¡¿\n]+")


# --- opt-out ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptOutMatch:
    """Why a message is an opt-out, and the language it was said in (None: a keyword, any language)."""

    said: str
    language: str | None


class _OptOutRules:
    """The profile's opt-out words and phrases, compiled once per profile."""

    def __init__(self, profile: Profile):
        languages = list(dict.fromkeys([*profile.served_languages, *profile.opt_out.phrases]))
        self.words = {fold(w) for w in (*CARRIER_WORDS, *profile.opt_out.words)}
        self.resubscribe = {fold(w) for w in profile.opt_out.resubscribe_words}
        fillers = {fold(f) for code in languages for f in table(code).opt_out.fillers}
        self.fillers = sorted(fillers, key=len, reverse=True)
        self.phrases: list[tuple[re.Pattern[str], str | None]] = []
        self.contact: list[tuple[re.Pattern[str], str]] = []
        # "don't call me, text me instead" chooses a channel; it does not ask to stop.
        self.preference = _any_of(fold(p) for code in languages for p in table(code).opt_out.contact.preferences)
        # The profile's words of several words ("take me off") also count inside a short message.
        several = {fold(w) for w in profile.opt_out.words if " " in w.strip()}
        if several:
            self.phrases.append((_any_of(several), None))
        for code in languages:
            phrases = {fold(p) for p in [*table(code).opt_out.phrases, *profile.opt_out.phrases.get(code, [])]}
            if phrases:
                self.phrases.append((_any_of(phrases), code))
            parts = table(code).opt_out.contact
            if parts.negators and parts.verbs:
                # "don't text me", "do not contact us", "no me escribas más": a negated request to
                # contact, ending its sentence or going on with "again", "más"... (not "don't call me Sam").
                ending = rf"(?:$| {_alt(parts.continuations)}\b)" if parts.continuations else "$"
                objects = f" {_alt(parts.objects)}" if parts.objects else ""
                self.contact.append((re.compile(
                    rf"\b{_alt(parts.negators)} {_alt(parts.verbs)}{objects}{ending}"), code))
            if parts.stoppers and parts.gerunds:
                # "stop texting me", "quit messaging", "deja de escribirme": a request to stop contacting.
                self.contact.append((re.compile(rf"\b{_alt(parts.stoppers)} {_alt(parts.gerunds)}\b"), code))

    def bare(self, clause: str) -> str:
        """A clause without the words a short request wraps around its keyword ("please ... now")."""
        words = clause.split()
        changed = True
        while changed and len(words) > 1:
            changed = False
            for filler in self.fillers:
                size = len(filler.split())
                if len(words) > size and words[:size] == filler.split():
                    words, changed = words[size:], True
                elif len(words) > size and words[-size:] == filler.split():
                    words, changed = words[:-size], True
        return " ".join(words)

    def match(self, text: str) -> OptOutMatch | None:
        folded = fold(text)
        if not folded:
            return None
        for clause in filter(None, (fold(c) for c in _CLAUSES.split(text))):
            if self.bare(clause) in self.words:
                return OptOutMatch(clause, None)
        clauses = [fold(c) for c in _CLAUSES.split(text)]
        for pattern, code in self.contact:
            found = next(filter(None, (pattern.search(c) for c in clauses)), None)
            if found and not self.preference.search(" ".join(pattern.sub(" ", c) for c in clauses)):
                return OptOutMatch(found.group(0).strip(), code)
        if len(folded) <= _SHORT_MESSAGE:
            for pattern, language in self.phrases:
                found = pattern.search(folded)
                if found and not self.preference.search(pattern.sub(" ", folded)):
                    return OptOutMatch(found.group(0), language)
        return None


@dataclass(frozen=True)
class _Compiled:
    opt_out: _OptOutRules
    claims: _ClaimRules


_COMPILED: dict[int, tuple[Profile, _Compiled]] = {}


def _compiled(profile: Profile) -> _Compiled:
    # A profile is immutable and lives as long as its engine: compile its rules once.
    held = _COMPILED.get(id(profile))
    if held is None or held[0] is not profile:
        if len(_COMPILED) > 64:
            _COMPILED.clear()
        held = _COMPILED[id(profile)] = (profile, _Compiled(_OptOutRules(profile), _ClaimRules(profile)))
    return held[1]


def opt_out_match(profile: Profile, text: str) -> OptOutMatch | None:
    """How ``text`` asks AVA to stop, if it does.

    A carrier keyword or one of the profile's words counts as the whole message or a clause of
    it, also wrapped in a few words to AVA ("please unsubscribe me", "no thanks, STOP"); a negated
    request to contact counts anywhere ("don't text me again", "no me escribas más"); a listed
    phrasing counts anywhere in a short message. "I can't stop thinking about solar" is none of these.
    """
    return _compiled(profile).opt_out.match(text)


def opted_out(profile: Profile, text: str) -> bool:
    """True when the lead's message is an opt-out (see `opt_out_match`)."""
    return opt_out_match(profile, text) is not None


def resubscribed(profile: Profile, text: str) -> bool:
    """True when the whole message asks to hear from AVA again: START, UNSTOP (or the profile's words)."""
    rules = _compiled(profile).opt_out
    return rules.bare(fold(text)) in rules.resubscribe


# WhatsApp lets a user who opted out restart the conversation by writing to the business; on
# SMS (GoHighLevel) START/UNSTOP is the carriers' own resubscribe keyword. The web chat has no
# such rule, so an opt-out there stands.
RESUBSCRIBE_CHANNELS = frozenset({"whatsapp", "ghl"})


def may_resubscribe(channel: str) -> bool:
    """Whether a resubscribe word from an opted-out contact is honoured on ``channel``."""
    return channel in RESUBSCRIBE_CHANNELS


# --- claims --------------------------------------------------------------------------------------


class _ClaimRules:
    def __init__(self, profile: Profile):
        self.patterns: dict[Claim, re.Pattern[str]] = {}
        for claim in CLAIMS:
            phrases = {
                fold(p)
                for code in profile.served_languages
                for p in [*table(code).claims.get(claim, []), *profile.claims.get(code, {}).get(claim, [])]
            }
            if claim == "handoff":
                # The hand-off message itself, in any language, says a person is coming.
                phrases |= {fold(profile.localized(code).handoff.message) for code in profile.served_languages}
            self.patterns[claim] = _any_of(phrases - {""})
        # A reply that shows the meeting link's address has sent a link, whatever words surround it.
        self.link_prefix = profile.booking.link_template.split("{", 1)[0].casefold()


def unbacked_claims(text: str, state: ConversationState, *, acted: set[str], profile: Profile) -> list[Claim]:
    """Claims in ``text`` that no successful tool call backs, in any language the profile serves.
    ``acted`` are the tools that succeeded in this turn; ``state`` holds what earlier turns did."""
    booked = state.appointment is not None or "book_appointment" in acted
    backed = {
        "booked": booked,
        "link_sent": (state.appointment is not None and state.appointment.link_sent) or "send_meeting_link" in acted,
        # After a booking an advisor does call the lead: saying so is not a hand-off claim.
        "handoff": state.handoff or "handoff_to_human" in acted or booked,
        "cancelled": state.cancelled is not None or "cancel_appointment" in acted,
        "rescheduled": (state.appointment is not None and state.appointment.moved_from is not None)
        or "reschedule_appointment" in acted,
    }
    said = claims_in(text, profile)
    return [claim for claim in CLAIMS if claim in said and not backed[claim]]


def claims_in(text: str, profile: Profile) -> set[Claim]:
    """What ``text`` says was done (booked, link sent, handed off, cancelled, moved), backed or not."""
    rules = _compiled(profile).claims
    folded = fold(text)
    said = {claim for claim, pattern in rules.patterns.items() if pattern.search(folded)}
    if len(rules.link_prefix) > len("https://") and rules.link_prefix in text.casefold():
        said.add("link_sent")
    return said


CLAIM_FIX = {
    "booked": "nothing is booked yet: call book_appointment with an offered slot id first, or don't say it is booked",
    "link_sent": "no meeting link was sent: call send_meeting_link after booking, or don't claim it",
    "handoff": "no hand-off happened: call handoff_to_human, or don't say a person will reach out",
    "cancelled": "nothing was cancelled: once the lead confirms, call cancel_appointment, or don't say it is cancelled",
    "rescheduled": "nothing was moved: call reschedule_appointment with a slot id get_free_slots returned, or don't "
                   "say the appointment moved",
}


# --- times ---------------------------------------------------------------------------------------

_RANGE_JOINS = {"", "-", "to", "until", "till", "through", "a", "hasta", "y", "and"}


def unoffered_times(profile: Profile, text: str, *, allowed: Iterable[datetime], now: datetime,
                    lead_tz: tzinfo | None = None) -> list[str]:
    """The clock times ``text`` names that are not the start of an ``allowed`` slot, as written.

    ``allowed`` are the slots offered in this conversation and the booked appointment. A time
    matches a slot at minute precision in the business's zone, and on the weekday or date named
    with it ("Thursday at 9", "el jueves 3 de diciembre, 9:00 a. m."); an hour without AM/PM may
    be either. A lead in another zone (``lead_tz``) is shown each slot in their own time too
    ("9:00 AM (10:00 AM your time)"): a mention of a slot's start on the lead's clock is that slot. The working hours may be stated as a range ("Mon–Fri 9:00 AM–5:00 PM"): that is
    not an offer.
    """
    tz = profile.tz
    mentions = reader(tuple(sorted(profile.served_languages))).mentions(text, now.astimezone(tz))
    if not mentions:
        return []
    starts = [s.astimezone(tz) for s in allowed]
    if lead_tz is not None:
        starts += [s.astimezone(lead_tz) for s in starts]
    hours = _working_hours(profile)
    stated = _stated_hours(reader(tuple(sorted(profile.served_languages))).normalize(text), mentions, hours)
    wrong = []
    for index, mention in enumerate(mentions):
        if index not in stated and not any(_same_start(mention, start) for start in starts):
            wrong.append(mention.text)
    return wrong


def names_start(profile: Profile, text: str, start: datetime, *, now: datetime, lead_tz: tzinfo | None = None) -> bool:
    """Whether ``text`` names the clock time ``start``, on the business's or the lead's clock
    (the same reading as ``unoffered_times``)."""
    tz = profile.tz
    mentions = reader(tuple(sorted(profile.served_languages))).mentions(text, now.astimezone(tz))
    clocks = [start.astimezone(tz)] + ([start.astimezone(lead_tz)] if lead_tz is not None else [])
    return any(_same_start(mention, at) for mention in mentions for at in clocks)


def _same_start(mention: TimeMention, start: datetime) -> bool:
    return (
        (start.hour, start.minute) in mention.clocks()
        and (mention.weekday is None or mention.weekday == start.weekday())
        and (not mention.date or (mention.at.month, mention.at.day) == (start.month, start.day))
    )


def _working_hours(profile: Profile) -> set[tuple[tuple[int, int], tuple[int, int]]]:
    """Every (opening, closing) pair a business may state: each range, and each day's first to last."""
    pairs = set()
    for weekday in range(7):
        ranges = profile.booking.ranges(weekday)
        pairs |= {((a.hour, a.minute), (b.hour, b.minute)) for a, b in ranges}
        if ranges:
            pairs.add(((ranges[0][0].hour, ranges[0][0].minute), (ranges[-1][1].hour, ranges[-1][1].minute)))
    return pairs


def _stated_hours(normalized: str, mentions: list[TimeMention], hours: set) -> set[int]:
    """Indexes of the mentions that are the two ends of a stated working-hours range."""
    stated = set()
    for i in range(len(mentions) - 1):
        first, second = mentions[i], mentions[i + 1]
        join = normalized[first.end:second.start].strip(" ,").strip()
        if join not in _RANGE_JOINS or second.weekday is not None or second.date:
            continue
        if any((a, b) in hours for a in first.clocks() for b in second.clocks()):
            stated |= {i, i + 1}
    return stated


def prepare(profile: Profile) -> None:
    """Compile the profile's rules and load the date parser's languages now, not in a lead's turn
    (the parser's first use costs ~150 ms)."""
    _compiled(profile)
    reader(tuple(sorted(profile.served_languages)))


# --- helpers -------------------------------------------------------------------------------------


def _alt(words: Iterable[str]) -> str:
    return "(?:" + "|".join(re.escape(fold(w)) for w in sorted(set(words), key=len, reverse=True)) + ")"


def _any_of(phrases: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of ``phrases`` as whole words of folded text."""
    phrases = sorted(set(phrases), key=len, reverse=True)
    if not phrases:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")
