"""AsyncAPIClient: the same pipeline as the sync client, on asyncio."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from generator.runtime import (
    APIConnectionError,
    APITimeoutError,
    AsyncAPIClient,
    BusinessError,
    ConfigurationError,
    RequestOutcomeUnknownError,
    ResponseDecodeError,
    ServerError,
    SignerAuth,
)
from tests.loopback import LoopbackServer, Reply, unused_port

from .conftest import AsyncSleeps, async_client
from .fakes import (
    CALL_RESULT,
    CMS,
    CREATE_CALL,
    CREATE_CALL_PATH,
    MOBILE,
    QUERY_CALL_STATE,
    QUERY_CALL_STATE_PATH,
    SIGNATURE,
    CreateCallResponse,
    call_state_ok,
    sign,
)

CALL = {"softPhone": "66666666", "called": "6666614"}
STATE = {"callSerialNo": "1"}


def run(
    server: LoopbackServer,
    body: Callable[[AsyncAPIClient], Awaitable[Any]],
    **kwargs: Any,
) -> Any:
    async def main() -> Any:
        async with async_client(server, **kwargs) as client:
            return await body(client)

    return asyncio.run(main())


def test_request_and_business_error(server: LoopbackServer) -> None:
    server.script(
        CREATE_CALL_PATH,
        Reply.json({"retCode": "0", "result": {"callSerialNo": "9"}}),
        Reply.json({"retCode": "5", "retMsg": "Called is not configured"}),
    )

    async def body(client: AsyncAPIClient) -> Any:
        ok = await client.request(CREATE_CALL, body=CALL)
        with pytest.raises(BusinessError) as info:
            await client.request(CREATE_CALL, body=CALL)
        return ok, info.value

    ok, err = run(server, body)
    assert (
        isinstance(ok, CreateCallResponse)
        and ok.result
        and ok.result.call_serial_no == "9"
    )
    assert (err.code, err.name, err.server_message) == (
        "5",
        "INCORRECT_NUMBER_FORMAT",
        "Called is not configured",
    )


def test_retry_after_and_5xx(server: LoopbackServer) -> None:
    sleeps = AsyncSleeps()
    server.script(
        QUERY_CALL_STATE_PATH,
        Reply.error(429, headers={"Retry-After": "3"}),
        Reply.error(500),
        Reply.json(call_state_ok()),
    )

    async def body(client: AsyncAPIClient) -> Any:
        return await client.request(QUERY_CALL_STATE, body=STATE)

    assert run(server, body, sleeps=sleeps).ret_code == "0"
    assert sleeps[0] == 3.0 and len(sleeps) == 2


def test_server_error_after_max_retries(server: LoopbackServer) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.error(502))

    async def body(client: AsyncAPIClient) -> None:
        with pytest.raises(ServerError):
            await client.request(QUERY_CALL_STATE, body=STATE)

    run(server, body, max_retries=1)
    assert server.count() == 2


def test_reset_is_retried_for_a_query_but_not_for_create_call(
    server: LoopbackServer,
) -> None:
    server.script(QUERY_CALL_STATE_PATH, Reply.reset(), Reply.json(call_state_ok()))
    server.script(CREATE_CALL_PATH, Reply.reset())
    server.on(CREATE_CALL_PATH, Reply.json({"retCode": "0"}))

    async def body(client: AsyncAPIClient) -> RequestOutcomeUnknownError:
        await client.request(QUERY_CALL_STATE, body=STATE)
        with pytest.raises(RequestOutcomeUnknownError) as info:
            await client.request(CREATE_CALL, body=CALL)
        return info.value

    err = run(server, body)
    assert (
        server.count(QUERY_CALL_STATE_PATH) == 2 and server.count(CREATE_CALL_PATH) == 1
    )
    assert "NOT resent" in str(err)


def test_refused_connection_is_retried_then_reported() -> None:
    sleeps = AsyncSleeps()

    async def main() -> APIConnectionError:
        async with AsyncAPIClient(
            server=MOBILE,
            base_url=f"http://127.0.0.1:{unused_port()}",
            auth=SignerAuth(sign),
            sleep=sleeps,
        ) as client:
            with pytest.raises(APIConnectionError) as info:
                await client.request(CREATE_CALL, body=CALL)
            return info.value

    err = asyncio.run(main())
    assert err.may_have_reached_server is False and len(sleeps) == 2


def test_timeouts(server: LoopbackServer) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok(), delay=2.0))
    server.on(CREATE_CALL_PATH, Reply.json({"retCode": "0"}, delay=2.0))

    async def body(client: AsyncAPIClient) -> None:
        with pytest.raises(APITimeoutError):
            await client.request(QUERY_CALL_STATE, body=STATE)
        with pytest.raises(RequestOutcomeUnknownError) as info:
            await client.request(CREATE_CALL, body=CALL)
        assert info.value.timed_out

    run(server, body, timeout=0.2, max_retries=0)
    assert server.count() == 2


def test_decode_errors(server: LoopbackServer) -> None:
    server.script(
        QUERY_CALL_STATE_PATH, Reply.raw(b'{"retCode": "0", "retM'), Reply.html(200)
    )

    async def body(client: AsyncAPIClient) -> list[str]:
        details = []
        for _ in range(2):
            with pytest.raises(ResponseDecodeError) as info:
                await client.request(QUERY_CALL_STATE, body=STATE)
            details.append(info.value.detail)
        return details

    truncated, html = run(server, body)
    assert "not valid JSON" in truncated and "HTML" in html


def test_async_signer(server: LoopbackServer) -> None:
    path = "/rest/isales/v1/openapi/campaigns/3/callresultdetail/1-2"
    server.on(path, Reply.json({"returnCode": "0200000"}))

    async def async_sign(request: httpx.Request) -> None:
        await asyncio.sleep(0)
        sign(request)

    async def main() -> None:
        async with AsyncAPIClient(
            server=CMS, base_url=server.url, auth=SignerAuth(async_sign)
        ) as client:
            await client.request(CALL_RESULT, params={"vdnId": 3, "callId": "1-2"})

    asyncio.run(main())
    assert SIGNATURE in (server.requests[0].header("Authorization") or "")


def test_async_signer_is_refused_by_the_sync_client(server: LoopbackServer) -> None:
    from .conftest import sync_client

    async def async_sign(request: httpx.Request) -> None:
        sign(request)

    client = sync_client(server, server=CMS, auth=SignerAuth(async_sign))
    with client, pytest.raises(ConfigurationError, match="async"):
        client.request(CALL_RESULT, params={"vdnId": 3, "callId": "1-2"})
    assert server.count() == 0
