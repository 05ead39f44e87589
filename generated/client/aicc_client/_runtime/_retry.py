"""When to retry and how long to wait: pure functions, so the policy is testable alone.

Defaults follow openai-python's runtime: two retries, exponential backoff from 0.5 s
doubling to at most 8 s with up to 25 % jitter (so many clients do not retry in step),
and the server's ``Retry-After`` / ``retry-after-ms`` honoured up to 60 s. Which
*operations* may be retried is not decided here but by ``Operation.retry_safe``.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "INITIAL_DELAY",
    "MAX_DELAY",
    "MAX_RETRY_AFTER",
    "backoff_delay",
    "is_retryable_status",
    "parse_retry_after",
    "retry_delay",
]

DEFAULT_MAX_RETRIES = 2
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
#: Longest wait a server's Retry-After can impose on one retry.
MAX_RETRY_AFTER = 60.0

_RETRYABLE = frozenset({408, 409, 429})


def is_retryable_status(status_code: int) -> bool:
    """408 Request Timeout, 409 Conflict (lock contention), 429 and every 5xx."""
    return status_code in _RETRYABLE or status_code >= 500


def backoff_delay(retry: int, *, jitter: float | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first retry).

    ``jitter`` in [0, 1) removes up to 25 % of the delay; ``None`` draws it at random.
    """
    if retry < 1:
        raise ValueError("retry numbers start at 1")
    base = min(INITIAL_DELAY * 2.0 ** (retry - 1), MAX_DELAY)
    j = random.random() if jitter is None else jitter
    return base * (1.0 - 0.25 * min(max(j, 0.0), 1.0))


def parse_retry_after(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time
) -> float | None:
    """The server's requested wait in seconds, or ``None`` when it gave none we can read.

    ``retry-after-ms`` (milliseconds) wins over ``Retry-After``, which is either seconds
    or an HTTP date. A date in the past gives 0. ``headers`` lookups must be
    case-insensitive (``httpx.Headers``) or use lower-case keys.
    """
    ms = _header(headers, "retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return value
    raw = _header(headers, "retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        return max(0.0, when.timestamp() - now())
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                return candidate
    return value


def retry_delay(
    retry: int,
    headers: Mapping[str, str] | None = None,
    *,
    jitter: float | None = None,
    now: Callable[[], float] = time.time,
) -> float:
    """Wait before retry number ``retry``: the server's Retry-After (capped at 60 s) when
    it sent one, else exponential backoff."""
    if headers is not None:
        after = parse_retry_after(headers, now=now)
        if after is not None:
            return min(after, MAX_RETRY_AFTER)
    return backoff_delay(retry, jitter=jitter)
