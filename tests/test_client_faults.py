"""The generated client against servers that send too much, and token endpoints that fail.

What tests/test_client_e2e.py and tests/runtime/ already cover (resets, timeouts, 5xx
bursts, 429 Retry-After, truncated and malformed JSON, HTML pages, a refused token, 401
renewal) is not repeated here. This file adds:

* a body far larger than any documented response: 50 MB announced by Content-Length, and
  an endless chunked body. The client stops at ``max_response_bytes`` (10 MiB by default)
  with ``ResponseTooLargeError`` naming the operation and the limit, memory stays bounded
  (measured with tracemalloc, not with a clock), and nothing is resent;
* a token endpoint that fails every way it can (5xx, a timeout, a reset, malformed JSON, an
  HTTP 200 carrying a business error instead of a token, a huge body): always a
  ``TokenError`` naming the token URL, never the app secret, and createCall, counted by the
  server, is never sent.
"""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from tests.bundled_client import CLIENT_DIR, CREATE, STATE, TOKEN_PATH
from tests.loopback import LoopbackServer, RecordedRequest, Reply

# isort: split
import aicc_client
from aicc_client.mobile_agent import AsyncMobileAgentClient, MobileAgentClient

SECRET = "app-secret-Qw7Zr4Lp"
STATE_OK = {"retCode": "0", "retMsg": "ok", "result": {"caller": "1", "called": "2", "state": 3, "reasonCode": 0}}
MB = 1_000_000


def token_ok(request: RecordedRequest) -> Reply:
    return Reply.json({"AccessToken": "tok-Hj3Kd9", "Expires": "600", "ApplyType": "Bearer"})


@pytest.fixture()
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def no_sleep(_delay: float) -> None:
    return None


async def no_async_sleep(_delay: float) -> None:
    return None


def agent(server: LoopbackServer, **kw: Any) -> MobileAgentClient:
    client = MobileAgentClient(app_key="app-1", app_secret=SECRET, base_url=server.url, **kw)
    client._sleep = no_sleep  # type: ignore[attr-defined]  # no real waiting between retries
    return client


def async_agent(server: LoopbackServer, **kw: Any) -> AsyncMobileAgentClient:
    client = AsyncMobileAgentClient(app_key="app-1", app_secret=SECRET, base_url=server.url, **kw)
    client._sleep = no_async_sleep  # type: ignore[attr-defined]
    return client


# -- a body far larger than expected -------------------------------------------------------------


def test_the_default_limit_is_documented_and_exported() -> None:
    from aicc_client._runtime import DEFAULT_MAX_RESPONSE_BYTES

    assert DEFAULT_MAX_RESPONSE_BYTES == 10 * 1024 * 1024
    assert issubclass(aicc_client.ResponseTooLargeError, aicc_client.APIError)
    assert "max_response_bytes" in (CLIENT_DIR / "README.md").read_text()


def test_fifty_megabytes_announced_are_refused_before_reading(server: LoopbackServer) -> None:
    server.on(TOKEN_PATH, token_ok)
    body = json.dumps({**STATE_OK, "pad": "x" * (50 * MB)}).encode()
    server.on(STATE, Reply.raw(body))
    tracemalloc.start()
    try:
        with agent(server) as client, pytest.raises(aicc_client.ResponseTooLargeError) as info:
            client.query_call_state(call_serial_no="1")
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    err = info.value
    assert (err.operation, err.status_code, err.limit, err.declared) == ("queryCallState", 200, 10 * 1024 * 1024,
                                                                          len(body))
    assert err.received == 0
    assert "queryCallState" in str(err) and "10485760 bytes (max_response_bytes)" in str(err)
    assert server.count(STATE) == 1  # the server answered: not a reason to ask again
    assert peak < 8 * MB  # the 50 MB were never held (tracemalloc counts the client's bytes objects)


@pytest.mark.parametrize("total", [None, 60 * MB], ids=["endless", "60MB-no-length"])
def test_a_chunked_body_is_cut_at_the_limit_with_bounded_memory(server: LoopbackServer, total: int | None) -> None:
    server.on(TOKEN_PATH, token_ok)
    server.on(STATE, Reply.chunked(b'{"retCode": "0", "retMsg": "', total=total))
    limit = 2 * MB
    tracemalloc.start()
    try:
        with agent(server, max_response_bytes=limit) as client:
            with pytest.raises(aicc_client.ResponseTooLargeError) as info:
                client.query_call_state(call_serial_no="1")
            _now, peak = tracemalloc.get_traced_memory()
            # The connection was dropped, not wedged: the next call works.
            server.on(STATE, Reply.json(STATE_OK))
            assert client.query_call_state(call_serial_no="2").ret_code == "0"
    finally:
        tracemalloc.stop()
    err = info.value
    assert err.limit == limit and err.declared is None and limit < err.received <= limit + 65536 + 64
    assert "went past it" in str(err)
    assert peak < 4 * limit
    assert server.count(STATE) == 2


def test_a_body_under_the_limit_is_read_whole(server: LoopbackServer) -> None:
    server.on(TOKEN_PATH, token_ok)
    document = json.dumps(STATE_OK).encode()
    body = document + b" " * (MB - len(document))  # exactly the limit
    server.on(STATE, Reply.raw(body))
    with agent(server, max_response_bytes=MB) as client:
        assert client.query_call_state(call_serial_no="1").result.state == 3


def test_create_call_with_a_huge_answer_is_not_resent(server: LoopbackServer) -> None:
    server.on(TOKEN_PATH, token_ok)
    server.on(CREATE, Reply.chunked(b'{"retCode": "0", "retMsg": "', total=None))
    with (
        agent(server, max_retries=5, max_response_bytes=MB) as client,
        pytest.raises(aicc_client.ResponseTooLargeError) as info,
    ):
        client.create_call(soft_phone="1", called="2")
    assert server.count(CREATE) == 1
    assert "createCall was not resent" in str(info.value)


def test_async_endless_body(server: LoopbackServer) -> None:
    server.on(TOKEN_PATH, token_ok)
    server.on(STATE, Reply.chunked(b'{"retCode": "0", "retMsg": "', total=None))
    server.on(CREATE, Reply.large(20 * MB, content_type="application/json"))

    async def scenario() -> tuple[BaseException, BaseException]:
        async with async_agent(server, max_response_bytes=MB) as client:
            with pytest.raises(aicc_client.ResponseTooLargeError) as endless:
                await client.query_call_state(call_serial_no="1")
            with pytest.raises(aicc_client.ResponseTooLargeError) as large:
                await client.create_call(soft_phone="1", called="2")
        return endless.value, large.value

    endless, large = asyncio.run(scenario())
    assert "queryCallState" in str(endless) and "createCall" in str(large)
    assert server.count(STATE) == 1 and server.count(CREATE) == 1


def test_max_response_bytes_is_checked() -> None:
    for bad in (0, -1, 1.5, True, "10MB"):
        with pytest.raises(aicc_client.ConfigurationError, match="max_response_bytes"):
            MobileAgentClient(app_key="a", app_secret="s", base_url="http://127.0.0.1:9",
                              max_response_bytes=bad)  # type: ignore[arg-type]


# -- a token endpoint that fails -----------------------------------------------------------------

TOKEN_FAULTS = {
    "500": [Reply.json({"error": "internal", "echo": SECRET}, status=500)],
    "timeout": [Reply.json({"AccessToken": "late"}, delay=2.0)],
    "reset": [Reply.reset()],
    "malformed-json": [Reply.raw(b'{"AccessToken": "tok-1", "Expires": ')],
    "html": [Reply.html(200, "Maintenance")],
    "business-error": [Reply.json({"retCode": "1", "retMsg": f"app_secret {SECRET} is invalid"})],
    "huge": [Reply.chunked(b'{"AccessToken": "', total=None)],
}


def _check_token_error(err: BaseException, server: LoopbackServer, case: str) -> None:
    assert isinstance(err, aicc_client.TokenError), repr(err)
    assert isinstance(err, aicc_client.AuthenticationError)
    assert err.operation == "tokenByAkSk"
    text = str(err)
    assert f"{server.url}{TOKEN_PATH}" in text, text
    shown = [text, repr(err), repr(vars(err)), str(err.__cause__), repr(err.__cause__)]
    assert not [s for s in shown if SECRET in s], shown
    if case in ("timeout", "reset", "huge"):
        assert "The request that needed the token was not sent" in text
        assert err.__cause__ is not None
    if case == "timeout":
        assert isinstance(err.__cause__, aicc_client.APITimeoutError) and err.status_code == 0
    assert server.count(CREATE) == 0, "createCall was sent without a token"


@pytest.mark.parametrize("case", list(TOKEN_FAULTS))
def test_a_failing_token_endpoint_is_a_token_error_and_create_call_is_never_sent(
    server: LoopbackServer, case: str
) -> None:
    server.on(TOKEN_PATH, TOKEN_FAULTS[case][0])
    server.on(CREATE, Reply.json({"retCode": "0", "retMsg": "ok"}))
    with agent(server, timeout=0.5, max_retries=1, max_response_bytes=MB) as client:
        with pytest.raises(aicc_client.AiccError) as info:
            client.create_call(soft_phone="1", called="2")
        _check_token_error(info.value, server, case)
        retry_safe = case in ("500", "timeout", "reset")  # the token request is retried on these
        assert server.count(TOKEN_PATH) == (2 if retry_safe else 1)
        # The token endpoint recovers: the next call fetches a token and sends createCall once.
        server.on(TOKEN_PATH, token_ok)
        assert client.create_call(soft_phone="1", called="2").ret_code == "0"
    assert server.count(CREATE) == 1


@pytest.mark.parametrize("case", ["500", "timeout", "business-error"])
def test_async_failing_token_endpoint(server: LoopbackServer, case: str) -> None:
    server.on(TOKEN_PATH, TOKEN_FAULTS[case][0])

    async def scenario() -> BaseException:
        async with async_agent(server, timeout=0.5, max_retries=1) as client:
            with pytest.raises(aicc_client.AiccError) as info:
                await client.create_call(soft_phone="1", called="2")
        return info.value

    _check_token_error(asyncio.run(scenario()), server, case)
