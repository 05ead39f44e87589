"""Window splitting and page stepping, as pure functions."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from generator.runtime import split_windows, to_epoch_ms
from generator.runtime._pagination import next_page

from .fakes import SEVEN_DAYS


@given(
    start=st.integers(min_value=0, max_value=2_000_000_000_000),
    span=st.integers(min_value=0, max_value=10 * SEVEN_DAYS),
    max_interval=st.integers(min_value=0, max_value=3 * SEVEN_DAYS),
)
def test_windows_are_consecutive_bounded_and_cover_the_range(
    start: int, span: int, max_interval: int
) -> None:
    end = start + span
    assume(span <= 1000 * (max_interval + 1))  # keep the enumeration short
    windows = list(split_windows(start, end, max_interval))
    assert windows[0][0] == start and windows[-1][1] == end
    for s, e in windows:
        assert 0 <= e - s <= max_interval
    for (_s1, e1), (s2, _e2) in itertools.pairwise(windows):
        assert s2 == e1 + 1  # no overlap, no gap (inclusive integer milliseconds)


def test_windows_examples() -> None:
    assert list(split_windows(0, 10, 4)) == [(0, 4), (5, 9), (10, 10)]
    assert list(split_windows(5, 5, 4)) == [(5, 5)]
    assert list(split_windows(0, SEVEN_DAYS, SEVEN_DAYS)) == [(0, SEVEN_DAYS)]
    with pytest.raises(ValueError):
        list(split_windows(10, 0, 4))


def test_to_epoch_ms() -> None:
    aware = dt.datetime(2023, 9, 27, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert to_epoch_ms(aware) == 1_695_772_800_000
    assert (
        to_epoch_ms("1695772800000")
        == to_epoch_ms(1_695_772_800_000)
        == 1_695_772_800_000
    )
    with pytest.raises(ValueError, match="naive datetime"):
        to_epoch_ms(dt.datetime(2023, 9, 27))
    with pytest.raises(ValueError):
        to_epoch_ms("yesterday")
    with pytest.raises(ValueError):
        to_epoch_ms(True)


def test_next_page_stop_conditions() -> None:
    assert next_page(0, 10, 0, None).done
    assert next_page(0, 10, 10, None) == next_page(0, 10, 10, None)
    assert (
        not next_page(0, 10, 10, None).done and next_page(0, 10, 10, None).offset == 10
    )
    assert next_page(0, 10, 7, None).done  # short page without total
    assert next_page(10, 10, 10, 20).done  # offset reaches total
    # A server that caps pages below the limit is read on while the total says so.
    assert (
        not next_page(0, 100, 50, 120).done and next_page(0, 100, 50, 120).offset == 50
    )
