"""No secret reaches a repr, a str, an exception or a log record, even at DEBUG.

One scenario drives every path that handles a secret (token fetch with the app secret,
Bearer tokens, a signer's Authorization header, an API key in the query string, a signed
recording URL in a response, servers that echo credentials back in error bodies) and then
searches everything a person could read for the secret values.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from generator.runtime import (
    AiccError,
    ApiKeyAuth,
    BearerTokenAuth,
    BusinessError,
    ResponseDecodeError,
    Secret,
    ServerError,
    SignerAuth,
    StaticBearerAuth,
    SyncAPIClient,
    TokenError,
)
from tests.loopback import LoopbackServer, Reply

from .conftest import Sleeps, sync_client
from .fakes import (
    APP_SECRET,
    CALL_RESULT,
    CMS,
    CREATE_CALL,
    CREATE_CALL_PATH,
    CREDENTIALS,
    QUERY_CALL_STATE,
    QUERY_CALL_STATE_PATH,
    SIGNATURE,
    SIGNED_URL,
    STATIC_TOKEN,
    TOKEN_PATH,
    TOKEN_SOURCE,
    TokenIssuer,
    call_state_ok,
    sign,
)

API_KEY = "query-api-key-Hn3Jk8Lp"
CALL = {"softPhone": "66666666", "called": "6666614", "agentPin": "P1n#Qz7w"}
STATE = {"callSerialNo": "1"}


def texts_of_error(err: BaseException) -> list[str]:
    out = [str(err), repr(err), repr(err.args)]
    out += [repr(v) for k, v in vars(err).items()]
    return out


def everything_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    out = [caplog.text]
    for record in caplog.records:
        out.append(record.getMessage())
        out.append(repr(vars(record)))
    return out


def test_no_secret_in_logs_errors_or_reprs(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="generator.runtime")
    issuer = TokenIssuer()
    server.on(TOKEN_PATH, issuer)
    echo = f"Authorization: Bearer issued-token-1-Xk2Lm9Pq app_secret={APP_SECRET} url={SIGNED_URL}"
    server.script(
        QUERY_CALL_STATE_PATH,
        Reply.error(401),  # renewal: a second token is issued
        Reply.json(call_state_ok()),
        Reply.text(echo, 500),
        Reply.text(echo, 500),
        Reply.text(echo, 500),
        Reply.raw(f"<html>{echo}</html>".encode(), content_type="text/html"),
        Reply.json(
            {
                "retCode": "9",
                "retMsg": f"bad Bearer issued-token-2-Xk2Lm9Pq {SIGNED_URL}",
            }
        ),
        Reply.reset(),
        Reply.json(call_state_ok()),
    )
    server.script(CREATE_CALL_PATH, Reply.json({"retCode": "0"}), Reply.reset())
    path = "/rest/isales/v1/openapi/campaigns/1/callresultdetail/1-2"
    server.on(
        path, Reply.json({"returnCode": "0200000", "data": {"recordPath": SIGNED_URL}})
    )

    errors: list[AiccError] = []
    auth = BearerTokenAuth(TOKEN_SOURCE, CREDENTIALS, lifetime=600)
    objects: list[Any] = [
        auth,
        Secret(APP_SECRET),
        StaticBearerAuth(STATIC_TOKEN),
        SignerAuth(sign),
    ]
    objects.append(ApiKeyAuth("X-Api-Key", "header", API_KEY))
    with sync_client(server, Sleeps(), auth=auth, credentials=CREDENTIALS) as client:
        objects.append(client)
        client.request(QUERY_CALL_STATE, body=STATE)
        for expected in (ServerError, ResponseDecodeError, BusinessError):
            with pytest.raises(expected) as info:
                client.request(QUERY_CALL_STATE, body=STATE)
            errors.append(info.value)
        client.request(QUERY_CALL_STATE, body=STATE)  # a reset, retried
        client.request(CREATE_CALL, body=CALL)
        with pytest.raises(AiccError) as unknown:
            client.request(CREATE_CALL, body=CALL)
        errors.append(unknown.value)
    with SyncAPIClient(
        server=CMS, base_url=server.url, auth=SignerAuth(sign)
    ) as signed:
        objects.append(
            signed.request(CALL_RESULT, params={"vdnId": 1, "callId": "1-2"})
        )
    with sync_client(server, auth=ApiKeyAuth("token", "query", API_KEY)) as keyed:
        objects.append(keyed.request(CALL_RESULT, params={"vdnId": 1, "callId": "1-2"}))

    server.on(TOKEN_PATH, Reply.json({"error": f"bad secret {APP_SECRET}"}, 401))
    with sync_client(server, auth=BearerTokenAuth(TOKEN_SOURCE, CREDENTIALS)) as client:
        with pytest.raises(TokenError) as token_info:
            client.request(QUERY_CALL_STATE, body=STATE)
        errors.append(token_info.value)

    secrets = [
        APP_SECRET,
        STATIC_TOKEN,
        SIGNATURE,
        "AKIDEXAMPLE123",
        API_KEY,
        "P1n#Qz7w",
        *issuer.issued,
    ]
    assert len(issuer.issued) == 2
    shown = everything_logged(caplog)
    for err in errors:
        shown += texts_of_error(err)
    shown += [repr(o) for o in objects] + [str(o) for o in objects]
    leaks = [
        (secret, text[:200]) for text in shown for secret in secrets if secret in text
    ]
    assert leaks == []

    # The scenario did exercise the logging it checks.
    log = caplog.text
    assert (
        '"app_secret":"***"' in log
        and '"AccessToken":"***"' in log
        and '"agentPin":"***"' in log
    )
    assert '"recordPath":"***"' in log
    assert "-> HTTP 200 in" in log and "(attempt 2)" in log
    assert "retrying in" in log and "resending once with fresh credentials" in log
    assert (
        "token=***" in log
    )  # the API key in the query string, masked in the logged URL
    assert any(
        isinstance(e, ServerError) and "Authorization: Bearer ***" in e.body_excerpt
        for e in errors
    )
