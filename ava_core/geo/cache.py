"""Provider answers cached in the store, keyed by the normalised query, with an age limit.

A lead's address is looked up when the tool checks it and again when the answer is judged,
and a lead often repeats it: each costs a paid request without the cache.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from ava_core.clock import Clock
from ava_core.store import Store


def normalise(query: str) -> str:
    """Case, accents, spacing and trailing punctuation do not make a different place."""
    text = unicodedata.normalize("NFKC", query).casefold()
    return " ".join(text.replace(",", " , ").split()).strip(" ,.;!?")


class GeoCache:
    def __init__(self, store: Store, clock: Clock, *, max_age: timedelta = timedelta(days=30)):
        self._store = store
        self._clock = clock
        self._max_age = max_age

    def get_or_fetch(self, kind: str, query: str, fetch: Callable[[], Any]) -> Any:
        """The cached answer for (kind, query) when fresh; otherwise ``fetch()``, stored."""
        key = normalise(query)
        now = self._clock.now()
        cached = self._store.cached_geo(kind, key, newer_than=now - self._max_age)
        if cached is not None:
            return cached
        answer = fetch()
        self._store.cache_geo(kind, key, answer, now)
        return answer
