"""Bearer tokens from the token endpoint: fetched once, cached, refreshed, renewed on 401."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from generator.runtime import (
    ApiKeyAuth,
    AuthenticationError,
    BearerTokenAuth,
    ConfigurationError,
    StaticBearerAuth,
    TokenError,
)
from tests.loopback import LoopbackServer, Reply

from .conftest import AsyncSleeps, Sleeps, async_client, sync_client
from .fakes import (
    APP_KEY,
    APP_SECRET,
    CREATE_CALL,
    CREATE_CALL_PATH,
    CREDENTIALS,
    QUERY_CALL_STATE,
    QUERY_CALL_STATE_PATH,
    TOKEN_PATH,
    TOKEN_SOURCE,
    TokenIssuer,
    call_state_ok,
)

CALL = {"softPhone": "66666666", "called": "6666614"}
STATE = {"callSerialNo": "1"}


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_auth(**kwargs: Any) -> BearerTokenAuth:
    return BearerTokenAuth(TOKEN_SOURCE, CREDENTIALS, **kwargs)


def bearer(server: LoopbackServer, path: str) -> list[str | None]:
    return [r.header("Authorization") for r in server.requests_to(path)]


def test_token_is_fetched_on_first_use_and_cached(server: LoopbackServer) -> None:
    issuer = TokenIssuer()
    server.on(TOKEN_PATH, issuer)
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))
    auth = token_auth(lifetime=1200)
    with sync_client(server, auth=auth) as client:
        for _ in range(3):
            client.request(QUERY_CALL_STATE, body=STATE)
    (token_request,) = server.requests_to(TOKEN_PATH)
    assert token_request.method == "POST"
    assert token_request.json() == {"app_key": APP_KEY, "app_secret": APP_SECRET}
    assert token_request.header("X-Token-Expire") == "1200"
    assert token_request.header("Authorization") is None
    assert (
        bearer(server, QUERY_CALL_STATE_PATH) == ["Bearer issued-token-1-Xk2Lm9Pq"] * 3
    )
    assert server.requests[0].path == TOKEN_PATH  # fetched before the first call
    assert auth.fetch_count == 1


def test_token_is_refreshed_shortly_before_it_expires(server: LoopbackServer) -> None:
    clock = Clock()
    server.on(TOKEN_PATH, TokenIssuer(expires="600"))
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))
    with sync_client(
        server, auth=token_auth(clock=clock, refresh_margin=60.0)
    ) as client:
        client.request(QUERY_CALL_STATE, body=STATE)
        clock.now += 539  # still more than the margin (min(60, 10% of 600)) left
        client.request(QUERY_CALL_STATE, body=STATE)
        clock.now += 2  # now inside the margin: renewed early
        client.request(QUERY_CALL_STATE, body=STATE)
    assert bearer(server, QUERY_CALL_STATE_PATH) == [
        "Bearer issued-token-1-Xk2Lm9Pq",
        "Bearer issued-token-1-Xk2Lm9Pq",
        "Bearer issued-token-2-Xk2Lm9Pq",
    ]


def test_integer_expires_and_ten_percent_margin_for_short_tokens(
    server: LoopbackServer,
) -> None:
    clock = Clock()
    server.on(TOKEN_PATH, TokenIssuer(expires=100))
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))
    with sync_client(
        server, auth=token_auth(clock=clock, refresh_margin=60.0)
    ) as client:
        client.request(QUERY_CALL_STATE, body=STATE)
        clock.now += 89  # margin is min(60, 10) = 10 s
        client.request(QUERY_CALL_STATE, body=STATE)
        clock.now += 2
        client.request(QUERY_CALL_STATE, body=STATE)
    assert server.count(TOKEN_PATH) == 2


def test_401_invalidates_the_token_and_resends_once(server: LoopbackServer) -> None:
    server.on(TOKEN_PATH, TokenIssuer())
    server.script(QUERY_CALL_STATE_PATH, Reply.error(401), Reply.json(call_state_ok()))
    auth = token_auth()
    with sync_client(server, auth=auth) as client:
        assert client.request(QUERY_CALL_STATE, body=STATE).ret_code == "0"
    assert server.count(TOKEN_PATH) == 2
    assert bearer(server, QUERY_CALL_STATE_PATH) == [
        "Bearer issued-token-1-Xk2Lm9Pq",
        "Bearer issued-token-2-Xk2Lm9Pq",
    ]


def test_401_is_resent_with_a_fresh_token_even_for_create_call(
    server: LoopbackServer,
) -> None:
    # A 401 means the call was not processed, so resending cannot dial twice.
    server.on(TOKEN_PATH, TokenIssuer())
    server.script(CREATE_CALL_PATH, Reply.error(401), Reply.json({"retCode": "0"}))
    with sync_client(server, auth=token_auth()) as client:
        assert client.request(CREATE_CALL, body=CALL).ret_code == "0"
    assert server.count(CREATE_CALL_PATH) == 2 and server.count(TOKEN_PATH) == 2


def test_persistent_401_raises_authentication_error_after_one_renewal(
    server: LoopbackServer, sleeps: Sleeps
) -> None:
    server.on(TOKEN_PATH, TokenIssuer())
    server.on(QUERY_CALL_STATE_PATH, Reply.error(401))
    with (
        sync_client(server, sleeps, auth=token_auth()) as client,
        pytest.raises(AuthenticationError) as info,
    ):
        client.request(QUERY_CALL_STATE, body=STATE)
    assert not isinstance(info.value, TokenError)
    assert (
        server.count(QUERY_CALL_STATE_PATH) == 2
        and server.count(TOKEN_PATH) == 2
        and sleeps == []
    )


def test_static_token_401_is_not_resent(server: LoopbackServer) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.error(401))
    auth = StaticBearerAuth("fixed-token-1234")
    with sync_client(server, auth=auth) as client, pytest.raises(AuthenticationError):
        client.request(QUERY_CALL_STATE, body=STATE)
    assert server.count() == 1


def test_rejected_credentials_raise_token_error(server: LoopbackServer) -> None:
    server.on(
        TOKEN_PATH, Reply.json({"error": "invalid app_secret", "echo": APP_SECRET}, 401)
    )
    with (
        sync_client(server, auth=token_auth()) as client,
        pytest.raises(TokenError) as info,
    ):
        client.request(QUERY_CALL_STATE, body=STATE)
    err = info.value
    assert err.status_code == 401 and err.operation == "tokenByAkSk"
    assert "invalid app_secret" in err.body_excerpt
    assert APP_SECRET not in str(err) and APP_SECRET not in err.body_excerpt
    assert server.count(QUERY_CALL_STATE_PATH) == 0 and server.count(TOKEN_PATH) == 1


def test_token_endpoint_is_retry_safe(server: LoopbackServer, sleeps: Sleeps) -> None:
    issuer = TokenIssuer()
    server.script(TOKEN_PATH, Reply.error(503), Reply.reset())
    server.on(TOKEN_PATH, issuer)
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))
    with sync_client(server, sleeps, auth=token_auth()) as client:
        client.request(QUERY_CALL_STATE, body=STATE)
    assert server.count(TOKEN_PATH) == 3 and len(sleeps) == 2 and issuer.issued


@pytest.mark.parametrize(
    "reply",
    [
        Reply.json({"ApplyType": "Bearer"}),
        Reply.raw(b"not json"),
        Reply.json({"AccessToken": ""}),
    ],
)
def test_a_2xx_token_response_without_a_token_is_a_token_error(
    server: LoopbackServer, reply: Reply
) -> None:
    server.on(TOKEN_PATH, reply)
    with (
        sync_client(server, auth=token_auth()) as client,
        pytest.raises(TokenError) as info,
    ):
        client.request(QUERY_CALL_STATE, body=STATE)
    assert info.value.status_code == 200


def test_concurrent_threads_share_one_token_fetch(server: LoopbackServer) -> None:
    server.on(TOKEN_PATH, TokenIssuer(delay=0.3))
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))
    errors: list[BaseException] = []
    with sync_client(server, auth=token_auth()) as client:
        barrier = threading.Barrier(8)

        def work() -> None:
            try:
                barrier.wait()
                client.request(QUERY_CALL_STATE, body=STATE)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert server.count(TOKEN_PATH) == 1 and server.count(QUERY_CALL_STATE_PATH) == 8


def test_concurrent_tasks_share_one_token_fetch(server: LoopbackServer) -> None:
    server.on(TOKEN_PATH, TokenIssuer(delay=0.3))
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))

    async def main() -> None:
        async with async_client(server, auth=token_auth()) as client:
            await asyncio.gather(
                *(client.request(QUERY_CALL_STATE, body=STATE) for _ in range(8))
            )

    asyncio.run(main())
    assert server.count(TOKEN_PATH) == 1 and server.count(QUERY_CALL_STATE_PATH) == 8


def test_one_auth_object_serves_sync_and_async_clients_and_several_loops(
    server: LoopbackServer,
) -> None:
    server.on(TOKEN_PATH, TokenIssuer())
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))
    auth = token_auth()

    async def call() -> None:
        async with async_client(server, auth=auth) as client:
            await client.request(QUERY_CALL_STATE, body=STATE)

    asyncio.run(call())
    asyncio.run(call())  # a second event loop gets its own lock
    with sync_client(server, auth=auth) as client:
        client.request(QUERY_CALL_STATE, body=STATE)
    assert server.count(TOKEN_PATH) == 1


def test_async_401_renewal(server: LoopbackServer) -> None:
    server.on(TOKEN_PATH, TokenIssuer())
    server.script(CREATE_CALL_PATH, Reply.error(401), Reply.json({"retCode": "0"}))

    async def main() -> str:
        async with async_client(server, AsyncSleeps(), auth=token_auth()) as client:
            result = await client.request(CREATE_CALL, body=CALL)
            return str(result.ret_code)

    assert asyncio.run(main()) == "0"
    assert server.count(TOKEN_PATH) == 2 and server.count(CREATE_CALL_PATH) == 2


def test_auth_configuration_is_checked() -> None:
    with pytest.raises(ConfigurationError, match="app_secret"):
        BearerTokenAuth(TOKEN_SOURCE, {"app_key": APP_KEY})
    with pytest.raises(ConfigurationError, match="3600"):
        token_auth(lifetime=3601)
    with pytest.raises(ConfigurationError):
        token_auth(lifetime=0)
    with pytest.raises(ConfigurationError):
        ApiKeyAuth("k", "cookie", "v")
    with pytest.raises(ConfigurationError):
        StaticBearerAuth("")


def test_invalidate_only_forgets_the_token_that_failed(server: LoopbackServer) -> None:
    server.on(TOKEN_PATH, TokenIssuer())
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))
    auth = token_auth()
    with sync_client(server, auth=auth) as client:
        client.request(QUERY_CALL_STATE, body=STATE)
        auth.invalidate("some-older-token")  # another request's stale 401: keep ours
        client.request(QUERY_CALL_STATE, body=STATE)
        auth.invalidate()
        client.request(QUERY_CALL_STATE, body=STATE)
    assert server.count(TOKEN_PATH) == 2


def test_api_key_in_query(server: LoopbackServer) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))
    with sync_client(
        server, auth=ApiKeyAuth("access_token", "query", "qk-123456")
    ) as client:
        client.request(QUERY_CALL_STATE, body=STATE)
    assert server.requests[0].params == {"access_token": ["qk-123456"]}
