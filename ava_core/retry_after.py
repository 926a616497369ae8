"""How long a server asked us to wait before trying again (RFC 9110 §10.2.3), for every HTTP client."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping


def retry_after_seconds(headers: Mapping[str, str] | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asked to wait: ``retry-after-ms``, or ``Retry-After`` as seconds or an HTTP date."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")  # Azure OpenAI and OpenAI send this finer-grained header
    if ms is not None:
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)  # RFC 9110 §10.2.3: an HTTP-date is allowed
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now(), 0.0)
