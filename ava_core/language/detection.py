"""Which language a lead writes in: a language-ID model restricted to the candidates, with the
profile's own words in each served language as the tie-breaker on short messages.

Short texts ("yes", "78704", "ok 👍") say nothing about language and get None: the
conversation keeps the language it had. A language the business does not serve is reported
only when the message is long enough for the model to be sure, so "ok" is never French.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from ava_core.language.phrases import fold
from ava_core.profile.models import Profile
from ava_core.store import Store

# Languages leads in the US write in besides those served, for telling "not served" apart.
OTHER_LANGUAGES = ("fr", "de", "pt", "it", "zh", "vi", "ko", "tl", "ar", "ru", "ja", "hi")
LANGUAGE_WINDOW = 20  # the lead's newest messages looked back through for their language
# AVA's own marks on what a lead sent that is not text ("[voice note] …", "[location] …", "[image]"):
# English words, but not the lead's.
_MARK = re.compile(r"^\s*\[[^\]]*\]\s*")
_SURE = 0.9  # model confidence needed when the profile's words do not decide
_SURE_OTHER = 0.99  # … and for a language nobody serves, which ends in a hand-off
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Vocabulary:
    """Words that belong to one served language only, taken from the profile's texts in each;
    and names that belong to none ("Round Rock", the business's name), said alike in every language."""

    words: dict[str, frozenset[str]]
    names: re.Pattern[str] | None = None

    @classmethod
    def from_texts(cls, texts: Mapping[str, Iterable[str]], names: Iterable[str] = ()) -> Vocabulary:
        bags = {code: {w for t in items for w in _WORD.findall(fold(t))} for code, items in texts.items()}
        spelled = sorted({" ".join(n.split()) for n in names if n.strip()}, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in spelled) + r")(?!\w)", re.I) \
            if spelled else None
        return cls({code: frozenset(bag - set().union(*(b for c, b in bags.items() if c != code)))
                    for code, bag in bags.items()}, pattern)

    def hits(self, words: list[str]) -> dict[str, int]:
        return {code: sum(w in bag for w in words) for code, bag in self.words.items()}

    def without_names(self, text: str) -> str:
        return self.names.sub(" ", text) if self.names is not None else text


def detect(text: str, served: list[str], vocabulary: Vocabulary | None = None) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or None when it cannot tell."""
    if vocabulary is not None:
        text = vocabulary.without_names(text)  # "Round Rock" is the place, in English or Spanish
    words = _WORD.findall(fold(text))
    if not words:
        return None
    hits = vocabulary.hits(words) if vocabulary else {}
    best = max(hits.values(), default=0)
    leaders = [code for code, n in hits.items() if n == best]
    if best and len(leaders) == 1 and len(words) <= 3:
        return leaders[0]  # "sí, pleno sol": the profile's own words outweigh a model on three words
    if len(words) >= 3:
        other, sure = _identifier(tuple(dict.fromkeys([*served, *OTHER_LANGUAGES]))).classify(text)
        if other not in served and sure >= _SURE_OTHER and not best:
            return other
    code, confidence = _identifier(tuple(served)).classify(text)
    if best and len(leaders) == 1 and (code != leaders[0] and confidence < _SURE):
        return leaders[0]
    if confidence >= _SURE and len(words) >= 2:
        return code
    return None


@cache
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def conversation_language(profile: Profile, lead_texts: list[str]) -> str:
    """The language of the lead's newest message that shows one; the profile's first language
    until a message does ("yes" and "78704" keep whatever the conversation had)."""
    served = profile.served_languages
    vocabulary = profile_vocabulary(profile)
    for text in reversed(lead_texts):
        if (code := detect(text, served, vocabulary)) is not None:
            return code
    return profile.persona.language


def lead_language(store: Store, profile: Profile, conversation_id: int) -> str:
    """The language the lead writes in, from the conversation's newest messages (see
    `conversation_language`); possibly one AVA does not speak (`Profile.speaking` answers that)."""
    # Tool calls and results sit between the lead's messages: look far enough back to find theirs.
    messages = store.messages(conversation_id, last=LANGUAGE_WINDOW * 5)
    texts = [_MARK.sub("", m.text) for m in messages if m.role == "user"]
    return conversation_language(profile, texts[-LANGUAGE_WINDOW:])


_VOCABULARIES: dict[int, tuple[Profile, Vocabulary]] = {}


def profile_vocabulary(profile: Profile) -> Vocabulary:
    """The words of the profile's lead-facing texts in each served language (built once per profile)."""
    cached = _VOCABULARIES.get(id(profile))
    if cached is None or cached[0] is not profile:
        cached = _VOCABULARIES[id(profile)] = (profile, _vocabulary(profile))
    return cached[1]


def _vocabulary(profile: Profile) -> Vocabulary:
    texts: dict[str, list[str]] = {}
    for code in profile.served_languages:
        local = profile.localized(code)
        questions = local.qualification.questions
        texts[code] = [local.persona.greeting, *(q.question for q in questions),
                       *(q.disqualify_message or "" for q in questions),
                       *(profile.option_label(q.field, o, code) for q in questions for o in q.options)]
        if code != profile.persona.language:
            texts[code] += [s for q in questions for o in q.options for s in q.synonyms.get(o, [])
                            if s not in profile.qualification.question_for(q.field).synonyms.get(o, [])]
        else:
            texts[code] += [s for q in questions for o in q.options for s in q.synonyms.get(o, [])]
    names = [*profile.service_area.cities, profile.business.name, profile.persona.name]
    return Vocabulary.from_texts(texts, names)
