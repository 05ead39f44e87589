"""Secrets never reach logs, reprs, str() or exceptions, even with every logger at DEBUG.

A whole session of the generated client, sync and then async, with the client's logger,
httpx and httpcore all at DEBUG: a token fetch (the request carries the app secret), calls,
a 401 answered by a token renewal, failing calls whose servers echo credentials back (5xx
and business errors), a failing token endpoint, and the AK/SK-signed CMS and iSales APIs
(the caller's signer derives the Authorization header from an SK), whose iSales answer holds
a signed recording URL. Afterwards everything a person could read is searched: every log
record (message, arguments, attributes), the str, repr and attributes of every exception and
its causes, and the repr and str of every client and result.

tests/runtime/test_secrets.py does the same for the runtime's own logger and hand-written
fakes; this file proves it for the shipped package, async included, and for the HTTP stack
underneath it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from tests.bundled_client import CMS, CREATE, ISALES, STATE, TOKEN_PATH
from tests.loopback import LoopbackServer, RecordedRequest, Reply

# isort: split
import aicc_client
from aicc_client.cms import AsyncCmsClient, CmsClient
from aicc_client.isales import AsyncIsalesClient, IsalesClient
from aicc_client.mobile_agent import AsyncMobileAgentClient, MobileAgentClient

APP_SECRET = "app-secret-Vb7Nq2Xs"
AK = "AKID-Pq8Wm3"
SK = "sk-secret-Ty6Ue1Ro"
SIGNATURE = "uztQO%2FxI8GOSW2GZJWCBCm8AyAg%3D"  # as the page's example URL holds it
RECORD_URL = ("https://obs.example:443/isales/record/A68C/ec96.wav?AccessKeyId=ERUDBXB5GOMYURMPLKBO"
              f"&Expires=1644484560&Signature={SIGNATURE}")
STATE_OK = {"retCode": "0", "retMsg": "ok", "result": {"caller": "1", "called": "2", "state": 3, "reasonCode": 0}}
ISALES_OK = {"returnCode": "0200000", "returnDesc": "ok",
             "data": {"callId": "1644464743-1388", "vdnId": 8, "recordPath": RECORD_URL}}
LOGGERS = ("aicc_client", "httpx", "httpcore")


class Tokens:
    """A token endpoint that issues a new, distinctive token per fetch."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.issued: list[str] = []

    def __call__(self, request: RecordedRequest) -> Reply:
        assert request.json()["app_secret"] == APP_SECRET
        token = f"{self.prefix}-{len(self.issued) + 1}-Lk4Jh8Gf"
        self.issued.append(token)
        return Reply.json({"AccessToken": token, "Expires": "600", "ApplyType": "Bearer"})


class Signer:
    """An AK/SK signer as a caller would write one: HMAC of the request with the SK."""

    def __init__(self) -> None:
        self.headers: list[str] = []

    def __call__(self, request: httpx.Request) -> None:
        digest = hmac.new(SK.encode(), f"{request.method}\n{request.url.raw_path.decode()}".encode(),
                          hashlib.sha256).hexdigest()
        value = f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host, Signature={digest}"
        self.headers.append(value)
        request.headers["Authorization"] = value


def echo(request: RecordedRequest) -> str:
    """What a careless server puts in an error: the credentials it received."""
    return f"Authorization: {request.header('Authorization')}; body: {request.text}; see {RECORD_URL}"


def script(server: LoopbackServer, tokens: Tokens) -> None:
    server.on(TOKEN_PATH, tokens)
    server.script(
        STATE,
        Reply.json(STATE_OK),
        Reply.json({"message": "token expired"}, status=401),  # renewal, then:
        Reply.json(STATE_OK),
        lambda req: Reply.text(echo(req), 503),  # a 5xx burst, retried, then reported
        lambda req: Reply.text(echo(req), 503),
        lambda req: Reply.text(echo(req), 503),
        lambda req: Reply.raw(f"<html>{echo(req)}</html>".encode(), content_type="text/html"),
    )
    server.script(CREATE, lambda req: Reply.json({"retCode": "1", "retMsg": echo(req)}), Reply.reset())
    server.on(CMS, lambda req: Reply.text(echo(req), 500))
    server.on(ISALES, Reply.json(ISALES_OK))


def sync_session(server: LoopbackServer, signer: Signer) -> tuple[list[BaseException], list[Any]]:
    errors: list[BaseException] = []
    shown: list[Any] = []
    with MobileAgentClient(app_key="app-1", app_secret=APP_SECRET, base_url=server.url) as client:
        client._sleep = lambda _s: None  # type: ignore[attr-defined]
        shown += [client, client.auth, client.query_call_state(call_serial_no="1")]
        shown.append(client.query_call_state(call_serial_no="2"))  # 401, renewed, resent
        for expected in (aicc_client.ServerError, aicc_client.ResponseDecodeError):
            with pytest.raises(expected) as info:
                client.query_call_state(call_serial_no="3")
            errors.append(info.value)
        for expected in (aicc_client.BusinessError, aicc_client.RequestOutcomeUnknownError):
            with pytest.raises(expected) as info:
                client.create_call(soft_phone="1", called="2")
            errors.append(info.value)
        shown.append(client)
    with CmsClient(signer=signer, base_url=server.url) as cms, pytest.raises(aicc_client.ServerError) as failed:
        cms.query_basic_call_info(cc_id=1, vdn=1, call_id="1-2")
    errors.append(failed.value)
    with IsalesClient(signer=signer, base_url=server.url) as isales:
        detail = isales.query_call_result_detail(vdn_id=8, call_id="1644464743-1388")
        shown += [isales, detail, detail.data]
        assert detail.data is not None and detail.data.record_path == RECORD_URL  # usable, only not shown
    server.on(TOKEN_PATH, lambda req: Reply.json({"error": "bad secret", "echo": req.text}, status=401))
    with MobileAgentClient(app_key="app-1", app_secret=APP_SECRET, base_url=server.url) as client:
        with pytest.raises(aicc_client.TokenError) as token_failed:
            client.create_call(soft_phone="1", called="2")
        errors.append(token_failed.value)
    return errors, shown


async def async_session(server: LoopbackServer, signer: Signer) -> tuple[list[BaseException], list[Any]]:
    errors: list[BaseException] = []
    shown: list[Any] = []

    async def no_sleep(_s: float) -> None:
        return None

    async with AsyncMobileAgentClient(app_key="app-1", app_secret=APP_SECRET, base_url=server.url) as client:
        client._sleep = no_sleep  # type: ignore[attr-defined]
        shown += [client, client.auth, await client.query_call_state(call_serial_no="1")]
        shown.append(await client.query_call_state(call_serial_no="2"))
        for expected in (aicc_client.ServerError, aicc_client.ResponseDecodeError):
            with pytest.raises(expected) as info:
                await client.query_call_state(call_serial_no="3")
            errors.append(info.value)
        for expected in (aicc_client.BusinessError, aicc_client.RequestOutcomeUnknownError):
            with pytest.raises(expected) as info:
                await client.create_call(soft_phone="1", called="2")
            errors.append(info.value)
    async with AsyncCmsClient(signer=signer, base_url=server.url) as cms:
        with pytest.raises(aicc_client.ServerError) as failed:
            await cms.query_basic_call_info(cc_id=1, vdn=1, call_id="1-2")
        errors.append(failed.value)
    async with AsyncIsalesClient(signer=signer, base_url=server.url) as isales:
        detail = await isales.query_call_result_detail(vdn_id=8, call_id="1644464743-1388")
        shown += [isales, detail, detail.data]
    server.on(TOKEN_PATH, lambda req: Reply.json({"error": "bad secret", "echo": req.text}, status=401))
    async with AsyncMobileAgentClient(app_key="app-1", app_secret=APP_SECRET, base_url=server.url) as client:
        with pytest.raises(aicc_client.TokenError) as token_failed:
            await client.create_call(soft_phone="1", called="2")
        errors.append(token_failed.value)
    return errors, shown


def readable(caplog: pytest.LogCaptureFixture, errors: list[BaseException], shown: list[Any]) -> list[str]:
    """Everything a person could read after the session."""
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), repr(vars(record))]
    for err in errors:
        chain: BaseException | None = err
        while chain is not None:
            texts += [str(chain), repr(chain), repr(chain.args), repr(vars(chain))]
            chain = chain.__cause__ or chain.__context__
    texts += [repr(o) for o in shown] + [str(o) for o in shown]
    return texts


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_secret_is_readable_anywhere_at_debug(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    tokens, signer = Tokens(f"tok-{mode}"), Signer()
    with LoopbackServer() as server:
        script(server, tokens)
        if mode == "sync":
            errors, shown = sync_session(server, signer)
        else:
            errors, shown = asyncio.run(async_session(server, signer))
        sent = [r.header("Authorization") for r in server.requests if r.header("Authorization")]

    secrets = {APP_SECRET, SK, SIGNATURE, unquote(SIGNATURE), *tokens.issued, *sent,
               *signer.headers, *(h.rsplit("Signature=", 1)[1] for h in signer.headers)}
    # The session did what it claims: two tokens (a 401 renewal), Bearer and signed requests.
    assert len(tokens.issued) == 2 and any(s.startswith("Bearer ") for s in sent) and signer.headers
    assert {type(e).__name__ for e in errors} == {"ServerError", "ResponseDecodeError", "BusinessError",
                                                   "RequestOutcomeUnknownError", "TokenError"}
    texts = readable(caplog, errors, shown)
    leaks = sorted({(secret, text[max(0, text.find(secret) - 80):text.find(secret) + 40])
                    for text in texts for secret in secrets if secret in text})
    assert not leaks, "\n".join(map(repr, leaks))
    # ... and the logs it searched are really there, from all three loggers, at DEBUG.
    names = {record.name.split(".")[0] for record in caplog.records}
    assert names >= {"aicc_client", "httpx", "httpcore"}, names
    log = caplog.text
    assert '"app_secret":"***"' in log and '"AccessToken":"***"' in log
    assert "queryCallResultDetail response body" in log and "&Signature=***" in log
    assert "resending once with fresh credentials" in log and "retrying in" in log
    # The servers' echoes were kept, with the credentials masked.
    excerpts = [getattr(e, "body_excerpt", "") for e in errors]
    assert sum("Authorization: ***; body:" in x for x in excerpts) >= 2, excerpts
