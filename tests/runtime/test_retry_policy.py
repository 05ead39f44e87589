"""The pure retry policy: backoff, Retry-After parsing, retryable statuses."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.runtime import (
    backoff_delay,
    is_retryable_status,
    parse_retry_after,
    retry_delay,
)


def test_backoff_doubles_from_half_a_second_and_caps_at_eight() -> None:
    assert [backoff_delay(n, jitter=0.0) for n in range(1, 7)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        8.0,
    ]
    assert backoff_delay(1, jitter=1.0) == pytest.approx(0.375)
    with pytest.raises(ValueError):
        backoff_delay(0)


@given(st.integers(min_value=1, max_value=50))
def test_random_jitter_stays_within_a_quarter(retry: int) -> None:
    base = min(0.5 * 2 ** (retry - 1), 8.0)
    assert 0.75 * base <= backoff_delay(retry) <= base


def test_retryable_statuses() -> None:
    assert [
        s
        for s in (200, 400, 401, 404, 408, 409, 429, 500, 502, 503, 504)
        if is_retryable_status(s)
    ] == [
        408,
        409,
        429,
        500,
        502,
        503,
        504,
    ]


def test_retry_after_seconds_date_and_ms() -> None:
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"Retry-After": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = email.utils.formatdate(1_000_030.0, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=lambda: 1_000_000.0) == 30.0
    assert parse_retry_after({"retry-after": date}, now=lambda: 2_000_000.0) == 0.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({"retry-after": "-1"}) is None
    assert parse_retry_after({}) is None


def test_retry_delay_prefers_the_server_and_caps_it() -> None:
    assert retry_delay(1, {"retry-after": "2"}) == 2.0
    assert retry_delay(1, {"retry-after": "3600"}) == 60.0
    assert retry_delay(3, {}, jitter=0.0) == 2.0
    assert retry_delay(3, None, jitter=0.0) == 2.0
