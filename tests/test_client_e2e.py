"""The generated client, end to end: every operation over a real loopback HTTP server,
sync and async, with the failure paths a call-centre integration meets.

The client under test is the committed `generated/client` (test_generate proves it is
what the specs and templates produce today).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.bundled_client import CDR, CMS, CREATE, ISALES, STATE, TOKEN_PATH
from tests.loopback import LoopbackServer, RecordedRequest, Reply

# isort: split
import aicc_client
from aicc_client.cms import CmsClient
from aicc_client.isales import AsyncIsalesClient, IsalesClient
from aicc_client.mobile_agent import AsyncMobileAgentClient, MobileAgentClient
from aicc_client.token import TokenClient

SECRET = "s3cr3t-app-secret"

# The documented examples, as the pages show them (numbers in String fields included).
STATE_EXAMPLE = {
    "retMsg": "Query call state successfully", "retCode": "0",
    "result": {"caller": "88889050", "called": "88889060", "callerPresent": "640003",
               "startTime": 1621823865000, "state": 3, "reasonCode": 0, "agentPresent": "640060",
               "endTime": 1621823872000},
}
CMS_INFO = {"time": 1606115215000, "dsn": 0, "handle": 0, "server": 0, "keyId": "", "callingNum": "88881364",
            "calledNum": "650550", "mid": 5, "trunkNo": 582, "priority": 0, "deviceType": 2, "deviceNo": 1177,
            "callSkill": "defaultAudioSkill", "partyNum": 1, "callFeature": 0, "orgiCalledNum": "",
            "mediaType": 5, "place": 0, "waitTime": 0, "totalTalkingTimes": 275, "logonTimes": 284,
            "serviceType": 2, "callInCause": 65535, "enterReason": 0, "mediaBillType": 0}
ISALES_EXAMPLE = {
    "returnCode": "0200000",
    "data": {"callId": "1644464743-1388", "called": "88881955", "callEndTime": "2022-02-10 11:45:51", "vdnId": 8,
             "callStatus": "6", "failCode": "00000", "resultCode": "OB99999",
             "callBeginTime": "2022-02-10 11:45:47",
             "recordPath": "https://obs.example/rec/a.wav?AccessKeyId=AKID123&Expires=1644484560&Signature=SIG%2FXYZ",
             "ackBeginTime": "2022-02-10 11:45:43"},
    "resultCode": "0200000", "resultDesc": "Query Success!", "returnDesc": "Query Success!",
}


class TokenIssuer:
    """The token endpoint: a new token per call, so tests can tell fetches apart."""

    def __init__(self) -> None:
        self.issued: list[str] = []

    def __call__(self, request: RecordedRequest) -> Reply:
        body = request.json()
        if body.get("app_secret") != SECRET:
            return Reply.json({"error": "bad secret"}, status=401)
        token = f"tok-{len(self.issued) + 1}"
        self.issued.append(token)
        return Reply.json({"AccessToken": token, "ApplyType": "Bearer", "CreateTime": "1545650171",
                           "Expires": "600", "Scope": "x", "AppKey": body["app_key"], "UserID": "Anonymous"})


@pytest.fixture()
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture()
def tokens(server: LoopbackServer) -> TokenIssuer:
    issuer = TokenIssuer()
    server.on(TOKEN_PATH, issuer)
    return issuer


def agent(server: LoopbackServer, **kw: Any) -> MobileAgentClient:
    return MobileAgentClient(app_key="app-1", app_secret=SECRET, base_url=server.url, **kw)


def no_sleep(_delay: float) -> None:
    return None


def sign(request: httpx.Request) -> None:
    request.headers["Authorization"] = "SDK-HMAC-SHA256 test-signature"


# -- every operation, sync -------------------------------------------------------------

def test_token_operation(server: LoopbackServer, tokens: TokenIssuer) -> None:
    with TokenClient(base_url=server.url) as client:
        response = client.token_by_ak_sk(app_key="app-1", app_secret=SECRET, x_token_expire=600)
    assert response.access_token == "tok-1"
    sent = server.requests_to(TOKEN_PATH)[0]
    assert sent.header("X-Token-Expire") == "600"
    assert SECRET not in repr(response) and "tok-1" not in repr(response)


def test_create_call_sends_once_with_bearer_token_and_app_key(server: LoopbackServer, tokens: TokenIssuer) -> None:
    server.on(CREATE, Reply.json({"retCode": "0", "retMsg": "ok", "result": {"callSerialNo": "645735364434067472"}}))
    with agent(server) as client:
        response = client.create_call(soft_phone="66666666", called="6666614", caller="8888888")
    assert response.result is not None and response.result.call_serial_no == "645735364434067472"
    (sent,) = server.requests_to(CREATE)
    assert sent.header("Authorization") == "Bearer tok-1"
    assert sent.header("X-APP-Key") == "app-1"
    assert sent.json() == {"caller": "8888888", "softPhone": "66666666", "called": "6666614"}


def test_query_call_state_decodes_the_documented_example(server: LoopbackServer, tokens: TokenIssuer) -> None:
    server.on(STATE, Reply.json(STATE_EXAMPLE))
    with agent(server) as client:
        response = client.query_call_state(call_serial_no="645735364434067472")
    result = response.result
    assert result is not None
    assert result.start_time == 1621823865000  # a String field sent as a number: kept (erratum QCS-1)
    assert result.state_info is not None and result.state_info.name == "ENDED"
    assert result.reason_code_info is not None
    assert result.reason_code_info.meaning == "The call ends and the called party hangs up."


def test_query_call_detail_record_and_every_record_across_windows(server: LoopbackServer, tokens: TokenIssuer) -> None:
    day = 86_400_000
    t0 = 1_695_772_800_000
    starts = [t0 + i * day for i in range(10)]  # one record a day for ten days

    def records(request: RecordedRequest) -> Reply:
        body = request.json()
        inside = [s for s in starts if int(body["startTime"]) <= s <= int(body["endTime"])]
        if not inside:
            return Reply.json({"retCode": "1", "retMsg": "No data is found."})
        offset, limit = int(body.get("offset", "0")), int(body.get("limit", "100"))  # documented defaults
        page = inside[offset:offset + limit]
        return Reply.json({"retCode": "0", "retMsg": "ok", "result": {"total": len(inside), "callInfo": [
            {"callSerialNo": str(s), "startTime": s, "endTime": s + 1000, "talkDuration": 26, "state": 3,
             "reasonCode": 17, "taskType": "4"} for s in page]}})

    server.on(CDR, records)
    with agent(server) as client:
        page = client.query_call_detail_record(start_time=str(t0), end_time=str(t0 + day), limit="10")
        assert page.result is not None and page.result.total == 2
        found = list(client.iter_query_call_detail_record(start_time=t0, end_time=t0 + 9 * day + 1,
                                                          page_size=3))
    assert [r.call_serial_no for r in found] == [str(s) for s in starts]
    # taskType "4" is an ITA call: reason code 17 is described with the ITA cause table (QCDR-5).
    assert found[0].reason_code_info is not None and found[0].reason_code_info.name == "USER_BUSY"
    windows = {(r.json()["startTime"], r.json()["endTime"]) for r in server.requests_to(CDR)[1:]}
    assert len(windows) == 2  # ten days: two windows of at most seven days
    assert all(int(e) - int(s) <= 7 * day for s, e in windows)


def test_cms_query_is_signed_by_the_callers_signer(server: LoopbackServer) -> None:
    server.on(CMS, Reply.json({"result": "0", "resultCode": "0100000", "resultDatas": CMS_INFO, "resultDesc": CMS_INFO}))
    with CmsClient(signer=sign, base_url=server.url) as client:
        response = client.query_basic_call_info(cc_id=1, vdn=1, call_id="1453723531-574")
    assert response.result_desc is not None and response.result_desc.call_skill == "defaultAudioSkill"
    (sent,) = server.requests_to(CMS)
    assert sent.header("Authorization") == "SDK-HMAC-SHA256 test-signature"
    assert sent.header("Content-Type") == "application/json; charset=UTF-8"


def test_cms_client_refuses_to_start_without_a_signer() -> None:
    with pytest.raises(aicc_client.ConfigurationError, match="signer"):
        CmsClient(signer=None, base_url="https://cms.example")  # type: ignore[arg-type]


def test_isales_get_with_path_parameters_hides_the_recording_signature(server: LoopbackServer) -> None:
    server.on(ISALES, Reply.json(ISALES_EXAMPLE))
    with IsalesClient(signer=sign, ip="127.0.0.1", port=str(server.port)) as client:
        client_base = client.base_url
    assert client_base == f"https://127.0.0.1:{server.port}"
    with IsalesClient(signer=sign, base_url=server.url) as client:
        response = client.query_call_result_detail(vdn_id=8, call_id="1644464743-1388")
    data = response.data
    assert data is not None and data.call_status_info is not None and data.call_status_info.name == "SUCCEEDED"
    assert data.record_path is not None and "Signature=SIG%2FXYZ" in data.record_path  # the value is usable
    assert "SIG%2FXYZ" not in repr(response) and "SIG%2FXYZ" not in str(data)


def test_isales_server_variables_are_required() -> None:
    with pytest.raises(aicc_client.ConfigurationError, match="ip"):
        IsalesClient(signer=sign)


# -- async -----------------------------------------------------------------------------

def test_async_client_calls_and_iterates(server: LoopbackServer, tokens: TokenIssuer) -> None:
    server.on(STATE, Reply.json(STATE_EXAMPLE))
    server.on(CDR, Reply.json({"retCode": "1", "retMsg": "No data is found."}))
    server.on(ISALES, Reply.json(ISALES_EXAMPLE))

    async def run() -> tuple[Any, list[Any], Any]:
        async with AsyncMobileAgentClient(app_key="app-1", app_secret=SECRET, base_url=server.url) as client:
            state = await client.query_call_state(call_serial_no="1")
            records = [r async for r in client.iter_query_call_detail_record(start_time=0, end_time=1000)]
        async with AsyncIsalesClient(signer=sign, base_url=server.url) as isales:
            detail = await isales.query_call_result_detail(vdn_id=8, call_id="1644464743-1388")
        return state, records, detail

    state, records, detail = asyncio.run(run())
    assert state.ret_code == "0" and records == [] and detail.return_code == "0200000"
    assert len(tokens.issued) == 1


def test_async_create_call_is_not_resent_after_a_reset(server: LoopbackServer, tokens: TokenIssuer) -> None:
    server.on(CREATE, Reply.reset())

    async def run() -> None:
        async with AsyncMobileAgentClient(app_key="app-1", app_secret=SECRET, base_url=server.url) as client:
            await client.create_call(soft_phone="1", called="2")

    with pytest.raises(aicc_client.RequestOutcomeUnknownError):
        asyncio.run(run())
    assert server.count(CREATE) == 1


# -- failure paths -------------------------------------------------------------------

def test_business_failure_carries_code_documented_meaning_and_server_message(
    server: LoopbackServer, tokens: TokenIssuer
) -> None:
    server.on(CREATE, Reply.json({"retMsg": "Called is not configured", "retCode": "5"}))  # the documented example
    with agent(server) as client, pytest.raises(aicc_client.BusinessError) as info:
        client.create_call(soft_phone="66666666", called="6666614")
    err = info.value
    assert err.code == "5"
    assert err.name == "INCORRECT_NUMBER_FORMAT"
    assert err.meaning == "The format of the calling number, called number, or CLIP number is incorrect."
    assert err.server_message == "Called is not configured"  # erratum CC-3: both are kept
    assert server.count(CREATE) == 1


def test_ita_return_code_is_described(server: LoopbackServer, tokens: TokenIssuer) -> None:
    server.on(CREATE, Reply.json({"retMsg": "Too Many Requests", "retCode": "90104029"}))
    with agent(server) as client, pytest.raises(aicc_client.BusinessError) as info:
        client.create_call(soft_phone="1", called="2")
    assert info.value.name == "TOO_MANY_REQUESTS" and info.value.meaning == "Too many requests."


def test_unknown_codes_are_kept_not_fatal(server: LoopbackServer, tokens: TokenIssuer) -> None:
    unknown = {**STATE_EXAMPLE, "result": {**STATE_EXAMPLE["result"], "state": 7, "reasonCode": 4242}}
    server.on(STATE, Reply.json(unknown))
    with agent(server) as client:
        result = client.query_call_state(call_serial_no="1").result
    assert result is not None and result.state == 7 and result.reason_code == 4242
    assert result.state_info is not None and not result.state_info.known
    assert result.reason_code_info is not None and result.reason_code_info.meaning == "Other exceptions occur."


def test_validation_happens_before_any_request(server: LoopbackServer, tokens: TokenIssuer) -> None:
    with agent(server) as client:
        with pytest.raises(aicc_client.RequestValidationError) as info:
            client.create_call(soft_phone="1" * 33, called="2")
        with pytest.raises(aicc_client.RequestValidationError, match="seven days"):
            client.query_call_detail_record(start_time="0", end_time=str(8 * 86_400_000))
        with pytest.raises(aicc_client.RequestValidationError):
            client.query_call_detail_record(start_time="0", end_time="1", task_type="9")  # type: ignore[arg-type]
    err = info.value
    assert (err.operation, err.field, err.constraint, err.limit) == ("createCall", "soft_phone", "maxLength", 32)
    assert server.count() == 0  # not even a token fetch


def test_refusals_describe_each_request_type_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """msgspec's type description of a request struct is built for its first refusal
    only (it was most of the cost of a refusal); later refusals say the same things."""
    from aicc_client._runtime import _validation
    from aicc_client.mobile_agent import _CREATE_CALL

    _validation._type_info.cache_clear()
    built: list[type] = []
    real = _validation.mi.type_info
    monkeypatch.setattr(_validation.mi, "type_info", lambda t: built.append(t) or real(t))
    body = {"caller": "88889050", "softPhone": "66666666", "called": "88889060"}
    errors = []
    for bad in ({**body, "caller": "8" * 33}, {**body, "softPhone": "6" * 33}, {**body, "caller": "8" * 34}):
        with pytest.raises(aicc_client.RequestValidationError) as info:
            _validation.validate_request(_CREATE_CALL, {}, bad)
        errors.append((info.value.field, info.value.constraint, info.value.limit))
    assert errors == [("caller", "maxLength", 32), ("soft_phone", "maxLength", 32), ("caller", "maxLength", 32)]
    assert len(built) == 1


def test_401_renews_the_token_once(server: LoopbackServer, tokens: TokenIssuer) -> None:
    server.script(STATE, Reply.json({"message": "expired"}, status=401))
    server.on(STATE, Reply.json(STATE_EXAMPLE))
    with agent(server) as client:
        client.query_call_state(call_serial_no="1")
    assert tokens.issued == ["tok-1", "tok-2"]
    assert [r.header("Authorization") for r in server.requests_to(STATE)] == ["Bearer tok-1", "Bearer tok-2"]


def test_create_call_is_never_resent_once_it_may_have_arrived(server: LoopbackServer, tokens: TokenIssuer) -> None:
    server.script(CREATE, Reply.reset(), Reply.error(500), Reply.json({"retCode": "0", "retMsg": "ok"}))
    with agent(server, max_retries=5) as client:
        with pytest.raises(aicc_client.RequestOutcomeUnknownError):
            client.create_call(soft_phone="1", called="2")
        assert server.count(CREATE) == 1
        with pytest.raises(aicc_client.ServerError):
            client.create_call(soft_phone="1", called="2")
        assert server.count(CREATE) == 2


def test_queries_retry_5xx_and_429_with_retry_after(server: LoopbackServer, tokens: TokenIssuer) -> None:
    delays: list[float] = []
    server.script(STATE, Reply.error(503), Reply.json({"m": "slow down"}, status=429, headers={"Retry-After": "2"}))
    server.on(STATE, Reply.json(STATE_EXAMPLE))
    client = MobileAgentClient(app_key="app-1", app_secret=SECRET, base_url=server.url)
    client._sleep = delays.append  # type: ignore[attr-defined]  # no real waiting in tests
    with client:
        assert client.query_call_state(call_serial_no="1").ret_code == "0"
    assert server.count(STATE) == 3
    assert delays[1] == 2.0


def test_timeout_and_malformed_bodies_are_typed_errors(server: LoopbackServer, tokens: TokenIssuer) -> None:
    server.script(STATE, Reply.json(STATE_EXAMPLE, delay=1.0), Reply.raw(b'{"retCode": "0", "ret', status=200),
                  Reply.html())
    with agent(server, timeout=0.3, max_retries=0) as client:
        with pytest.raises(aicc_client.APITimeoutError):
            client.query_call_state(call_serial_no="1")
        with pytest.raises(aicc_client.ResponseDecodeError):
            client.query_call_state(call_serial_no="1")
        with pytest.raises(aicc_client.ServerError):
            client.query_call_state(call_serial_no="1")


def test_secrets_never_reach_logs_reprs_or_errors(server: LoopbackServer, tokens: TokenIssuer,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.script(CREATE, Reply.json({"retMsg": "nope", "retCode": "1"}))
    client = agent(server)
    with client, pytest.raises(aicc_client.BusinessError) as info:
        client.create_call(soft_phone="1", called="2")
    text = caplog.text + repr(client) + str(info.value) + repr(info.value) + repr(info.value.response)
    for secret in (SECRET, "tok-1", "Bearer tok-1"):
        assert secret not in text
    assert "createCall" in caplog.text  # the log is there, only the secrets are not
