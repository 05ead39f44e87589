"""Fixtures: a loopback server per test, clients pointed at it, recorded sleeps."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from generator.runtime import AsyncAPIClient, StaticBearerAuth, SyncAPIClient
from tests.loopback import LoopbackServer

from .fakes import MOBILE, STATIC_TOKEN


class Sleeps(list[float]):
    """An injected sleep that records the delays instead of waiting."""

    def __call__(self, delay: float) -> None:
        self.append(delay)


class AsyncSleeps(list[float]):
    async def __call__(self, delay: float) -> None:
        self.append(delay)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def async_sleeps() -> AsyncSleeps:
    return AsyncSleeps()


def sync_client(
    loopback: LoopbackServer, sleeps: Any = None, **kwargs: Any
) -> SyncAPIClient:
    """A client for ``loopback`` with a static token unless ``auth`` is given."""
    kwargs.setdefault("server", MOBILE)
    kwargs.setdefault("auth", StaticBearerAuth(STATIC_TOKEN))
    return SyncAPIClient(
        base_url=loopback.url,
        sleep=sleeps if sleeps is not None else Sleeps(),
        **kwargs,
    )


def async_client(
    loopback: LoopbackServer, sleeps: Any = None, **kwargs: Any
) -> AsyncAPIClient:
    kwargs.setdefault("server", MOBILE)
    kwargs.setdefault("auth", StaticBearerAuth(STATIC_TOKEN))
    return AsyncAPIClient(
        base_url=loopback.url,
        sleep=sleeps if sleeps is not None else AsyncSleeps(),
        **kwargs,
    )


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture everything the runtime logs, at DEBUG."""
    caplog.set_level(logging.DEBUG, logger="generator.runtime")
    return caplog
