"""Pure pagination arithmetic shared by the sync and async iterators.

queryCallDetailRecord pages with ``offset``/``limit`` inside a time range that may not
exceed seven days. To iterate a longer range the client splits it into consecutive
windows of at most ``max_interval`` milliseconds and pages through each. Windows are
inclusive at both ends and integer milliseconds: ``[s, e]`` is followed by
``[e + 1, ...]``, so no millisecond is queried twice or skipped, and the last window
ends exactly at the requested end.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

import msgspec

from ._codes import code_text
from ._models import attribute_path
from ._validation import int_like

__all__ = [
    "PageStep",
    "next_page",
    "page_items",
    "page_total",
    "split_windows",
    "to_epoch_ms",
]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_MS = _dt.timedelta(milliseconds=1)


def to_epoch_ms(value: int | str | _dt.datetime) -> int:
    """Milliseconds since 1970-01-01 UTC from an int, a string of digits or an aware
    ``datetime``. Naive datetimes are refused: the server's clock zone is not ours to
    guess."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} has no time zone; pass an aware "
                "datetime (for example datetime(..., tzinfo=timezone.utc)) or epoch milliseconds"
            )
        return (value - _EPOCH) // _MS
    if isinstance(value, _dt.date):
        raise TypeError(
            f"a date ({value.isoformat()}) is not a point in time; pass an aware datetime"
        )
    number = int_like(value)
    if number is None:
        raise ValueError(
            f"expected epoch milliseconds (int or digits) or a datetime, got {value!r}"
        )
    if number < 0:
        raise ValueError(f"epoch milliseconds must not be negative, got {number}")
    return number


def split_windows(start: int, end: int, max_interval: int) -> Iterator[tuple[int, int]]:
    """Consecutive inclusive windows ``[s, e]`` with ``e - s <= max_interval`` covering
    ``[start, end]``: the first starts at ``start``, each next one at the previous end
    plus 1, the last ends at ``end``."""
    if max_interval < 0:
        raise ValueError("max_interval must not be negative")
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")
    s = start
    while True:
        e = min(s + max_interval, end)
        yield s, e
        if e >= end:
            return
        s = e + 1


def page_items(response: Any, items_path: tuple[str, ...]) -> list[Any]:
    """The page's items (an empty list when the path is missing)."""
    value, _owner, _wire = attribute_path(response, items_path)
    return list(value) if value is not None else []


def page_total(response: Any, total_path: tuple[str, ...] | None) -> int | None:
    """The reported total number of items, when the response gives a readable one."""
    if total_path is None:
        return None
    value, _owner, _wire = attribute_path(response, total_path)
    return None if value is None else int_like(value)


class PageStep(msgspec.Struct, frozen=True):
    """What to do after a page: ``done`` or fetch again at ``offset``."""

    done: bool
    offset: int


def next_page(offset: int, limit: int, received: int, total: int | None) -> PageStep:
    """Decide after a page of ``received`` items fetched at ``offset`` with ``limit``.

    Stop on an empty page. With a reported ``total``, stop once ``offset`` reaches it
    (so a server that caps pages below ``limit`` is still read to the end); without
    one, stop on a page shorter than ``limit``.
    """
    following = offset + received
    if received == 0:
        return PageStep(True, following)
    if total is not None:
        return PageStep(following >= total, following)
    return PageStep(received < limit, following)


def is_empty_code(code: object, empty_codes: frozenset[str]) -> bool:
    """Whether a business code marks an empty window (retCode "1": No data is found)."""
    return code is not None and code_text(code) in empty_codes
