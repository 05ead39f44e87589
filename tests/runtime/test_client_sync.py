"""SyncAPIClient against the loopback server: requests, errors, retries, decoding."""

from __future__ import annotations

import httpx
import pytest

from generator.runtime import (
    DEFAULT_TIMEOUT,
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BusinessError,
    ConfigurationError,
    HTTPStatusError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestOutcomeUnknownError,
    ResponseDecodeError,
    ServerError,
    SignerAuth,
    SyncAPIClient,
)
from tests.loopback import LoopbackServer, Reply, unused_port

from .conftest import Sleeps, sync_client
from .fakes import (
    APP_KEY,
    CALL_RESULT,
    CMS,
    CREATE_CALL,
    CREATE_CALL_PATH,
    MOBILE,
    QUERY_CALL_STATE,
    QUERY_CALL_STATE_PATH,
    SIGNATURE,
    SIGNED_URL,
    STATIC_TOKEN,
    CallResultResponse,
    CreateCallResponse,
    QueryCallStateResponse,
    call_state_ok,
    sign,
)

CALL = {"softPhone": "66666666", "called": "6666614"}
STATE = {"callSerialNo": "645735364434067472"}


# ------------------------------------------------------------------ the happy path


def test_create_call_sends_documented_request_and_decodes_the_response(
    server: LoopbackServer,
) -> None:
    server.script(
        CREATE_CALL_PATH,
        Reply.json({"retCode": "0", "retMsg": "ok", "result": {"callSerialNo": "42"}}),
    )
    with sync_client(server, credentials={"app_key": APP_KEY}) as client:
        result = client.request(CREATE_CALL, body=CALL)
    assert isinstance(result, CreateCallResponse)
    assert result.result is not None and result.result.call_serial_no == "42"
    (req,) = server.requests
    assert (req.method, req.path) == ("POST", CREATE_CALL_PATH)
    assert req.json() == {"softPhone": "66666666", "called": "6666614"}
    assert req.header("Authorization") == f"Bearer {STATIC_TOKEN}"
    assert req.header("X-APP-Key") == APP_KEY  # filled from the credentials
    assert req.header("Content-Type") == "application/json"
    assert req.header("Accept") == "application/json"


def test_caller_header_parameter_wins_over_the_credential(
    server: LoopbackServer,
) -> None:
    server.script(CREATE_CALL_PATH, Reply.json({"retCode": "0"}))
    with sync_client(server, credentials={"app_key": APP_KEY}) as client:
        client.request(
            CREATE_CALL,
            params={"X-APP-Key": "explicit"},
            body=CALL,
            extra_headers={"X-Trace": "t1"},
        )
    assert server.requests[0].header("X-APP-Key") == "explicit"
    assert server.requests[0].header("X-Trace") == "t1"


def test_get_with_path_and_query_parameters_fixed_headers_and_a_signer(
    server: LoopbackServer,
) -> None:
    path = "/rest/isales/v1/openapi/campaigns/12/callresultdetail/1453723531-574"
    server.script(
        path,
        Reply.json(
            {
                "returnCode": "0200000",
                "data": {"callStatus": "6", "recordPath": SIGNED_URL},
            }
        ),
    )
    with SyncAPIClient(
        server=CMS, base_url=server.url, auth=SignerAuth(sign)
    ) as client:
        result = client.request(
            CALL_RESULT,
            params={"vdnId": 12, "callId": "1453723531-574", "lang": "en us"},
        )
    assert isinstance(result, CallResultResponse) and result.data is not None
    assert result.data.call_status == "6" and result.data.record_path == SIGNED_URL
    assert SIGNATURE not in repr(result)
    (req,) = server.requests
    assert req.method == "GET" and req.params == {"lang": ["en us"]}
    assert req.header("Content-Type") == "application/json; charset=UTF-8"
    assert req.header("Authorization") is not None and SIGNATURE in req.header("Authorization")  # type: ignore[operator]
    assert req.body == b""


def test_path_parameters_are_quoted(server: LoopbackServer) -> None:
    from .fakes import CallResultParams  # noqa: F401 - documents which struct is used

    server.on(
        "/rest/isales/v1/openapi/campaigns/1/callresultdetail/1-2",
        Reply.json({"returnCode": "0200000"}),
    )
    with SyncAPIClient(
        server=CMS, base_url=server.url, auth=SignerAuth(sign)
    ) as client:
        client.request(CALL_RESULT, params={"vdnId": 1, "callId": "1-2"})
    assert server.requests[0].path.endswith("/callresultdetail/1-2")


# ------------------------------------------------------------------ business codes


def test_business_failure_carries_code_meaning_and_server_message(
    server: LoopbackServer,
) -> None:
    server.script(
        CREATE_CALL_PATH,
        Reply.json({"retMsg": "Called is not configured", "retCode": "5"}),
    )
    with sync_client(server) as client, pytest.raises(BusinessError) as info:
        client.request(CREATE_CALL, body=CALL)
    err = info.value
    assert (err.operation, err.code, err.name, err.known) == (
        "createCall",
        "5",
        "INCORRECT_NUMBER_FORMAT",
        True,
    )
    assert (
        err.meaning
        == "The format of the calling number, called number, or CLIP number is incorrect."
    )
    assert err.server_message == "Called is not configured"
    assert isinstance(err.response, CreateCallResponse)
    assert (
        "retCode '5'" in str(err)
        and err.meaning in str(err)
        and "Called is not configured" in str(err)
    )


def test_unknown_business_code_is_kept_with_the_other_meaning(
    server: LoopbackServer,
) -> None:
    server.script(
        CREATE_CALL_PATH, Reply.json({"retMsg": "new failure", "retCode": "77"})
    )
    with sync_client(server) as client, pytest.raises(BusinessError) as info:
        client.request(CREATE_CALL, body=CALL)
    err = info.value
    assert (err.code, err.name, err.known) == ("77", None, False)
    assert err.meaning == "Other values indicate failure."
    info_77 = err.response.ret_code_info
    assert (
        info_77.known is False
        and info_77.code == "77"
        and info_77.meaning == "Other values indicate failure."
    )


def test_a_response_without_its_code_is_a_failure(server: LoopbackServer) -> None:
    server.script(CREATE_CALL_PATH, Reply.json({"retMsg": "?"}))
    with sync_client(server) as client, pytest.raises(BusinessError) as info:
        client.request(CREATE_CALL, body=CALL)
    assert info.value.code is None and "no retCode" in str(info.value)


def test_lax_fields_and_open_codes_in_a_response(server: LoopbackServer) -> None:
    server.script(
        QUERY_CALL_STATE_PATH,
        Reply.json(call_state_ok(state=3, reason=4321, start=1621823865000)),
        Reply.json(call_state_ok(state=8, reason=6, start="1621823865000")),
    )
    with sync_client(server) as client:
        first = client.request(QUERY_CALL_STATE, body=STATE)
        second = client.request(QUERY_CALL_STATE, body=STATE)
    assert isinstance(first, QueryCallStateResponse) and first.result and second.result
    assert (
        first.result.start_time == 1621823865000
        and second.result.start_time == "1621823865000"
    )
    reason = first.result.code_info("reason_code")
    assert (
        reason is not None
        and not reason.known
        and reason.meaning == "Other exceptions occur."
    )
    state = second.result.code_info("state")
    assert state is not None and state.code == 8 and not state.known
    assert first.result.code_info("state").name == "ENDED"  # type: ignore[union-attr]


# ------------------------------------------------------------------ statuses and retries


def test_429_retry_after_is_honoured(server: LoopbackServer, sleeps: Sleeps) -> None:
    server.script(
        QUERY_CALL_STATE_PATH,
        Reply.error(429, headers={"Retry-After": "2"}),
        Reply.error(429, headers={"retry-after-ms": "1500"}),
        Reply.json(call_state_ok()),
    )
    with sync_client(server, sleeps) as client:
        client.request(QUERY_CALL_STATE, body=STATE)
    assert sleeps == [2.0, 1.5]
    assert server.count(QUERY_CALL_STATE_PATH) == 3


def test_5xx_burst_is_retried_up_to_max_retries_then_server_error(
    server: LoopbackServer, sleeps: Sleeps
) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.error(503))
    with (
        sync_client(server, sleeps, max_retries=2) as client,
        pytest.raises(ServerError) as info,
    ):
        client.request(QUERY_CALL_STATE, body=STATE)
    assert server.count(QUERY_CALL_STATE_PATH) == 3
    assert len(sleeps) == 2 and 0.375 <= sleeps[0] <= 0.5 and 0.75 <= sleeps[1] <= 1.0
    assert info.value.status_code == 503 and info.value.operation == "queryCallState"


def test_5xx_then_success(server: LoopbackServer, sleeps: Sleeps) -> None:
    server.script(
        QUERY_CALL_STATE_PATH,
        Reply.error(500),
        Reply.html(502),
        Reply.json(call_state_ok()),
    )
    with sync_client(server, sleeps) as client:
        assert client.request(QUERY_CALL_STATE, body=STATE).ret_code == "0"
    assert len(sleeps) == 2


def test_max_retries_zero_sends_once(server: LoopbackServer, sleeps: Sleeps) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.error(500))
    with (
        sync_client(server, sleeps, max_retries=0) as client,
        pytest.raises(ServerError),
    ):
        client.request(QUERY_CALL_STATE, body=STATE)
    assert server.count() == 1 and sleeps == []


def test_non_retry_safe_operation_is_not_resent_after_a_status(
    server: LoopbackServer, sleeps: Sleeps
) -> None:
    server.script(
        CREATE_CALL_PATH,
        Reply.error(500),
        Reply.error(429, headers={"Retry-After": "7"}),
    )
    with sync_client(server, sleeps) as client:
        with pytest.raises(ServerError):
            client.request(CREATE_CALL, body=CALL)
        with pytest.raises(RateLimitError) as info:
            client.request(CREATE_CALL, body=CALL)
    assert info.value.retry_after == 7.0
    assert server.count(CREATE_CALL_PATH) == 2 and sleeps == []


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
    ],
)
def test_client_errors_map_to_classes_and_are_not_retried(
    server: LoopbackServer, sleeps: Sleeps, status: int, cls: type[HTTPStatusError]
) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.json({"detail": "nope"}, status))
    with sync_client(server, sleeps) as client, pytest.raises(cls) as info:
        client.request(QUERY_CALL_STATE, body=STATE)
    assert (
        info.value.status_code == status
        and '"detail": "nope"' in info.value.body_excerpt
    )
    assert server.count() == 1 and sleeps == []


def test_a_huge_error_body_gives_a_short_excerpt(server: LoopbackServer) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.large(2_000_000, 500))
    with (
        sync_client(server, max_retries=0) as client,
        pytest.raises(ServerError) as info,
    ):
        client.request(QUERY_CALL_STATE, body=STATE)
    assert len(info.value.body_excerpt) <= 500 and len(str(info.value)) < 1000


# ------------------------------------------------------------------ transport failures


def test_reset_on_a_retry_safe_operation_is_retried(
    server: LoopbackServer, sleeps: Sleeps
) -> None:
    server.script(
        QUERY_CALL_STATE_PATH, Reply.reset(), Reply.close(), Reply.json(call_state_ok())
    )
    with sync_client(server, sleeps) as client:
        assert client.request(QUERY_CALL_STATE, body=STATE).ret_code == "0"
    assert server.count(QUERY_CALL_STATE_PATH) == 3 and len(sleeps) == 2


def test_reset_on_a_retry_safe_operation_gives_up_after_max_retries(
    server: LoopbackServer,
) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.reset())
    with (
        sync_client(server, max_retries=1) as client,
        pytest.raises(APIConnectionError) as info,
    ):
        client.request(QUERY_CALL_STATE, body=STATE)
    assert info.value.may_have_reached_server is True
    assert server.count() == 2


@pytest.mark.parametrize(
    "reply",
    [Reply.reset(), Reply.close(), Reply.truncated({"retCode": "0", "retMsg": "x"})],
)
def test_non_retry_safe_operation_is_never_resent_once_sent(
    server: LoopbackServer, sleeps: Sleeps, reply: Reply
) -> None:
    server.script(CREATE_CALL_PATH, reply)
    server.on(CREATE_CALL_PATH, Reply.json({"retCode": "0"}))
    with (
        sync_client(server, sleeps, max_retries=5) as client,
        pytest.raises(RequestOutcomeUnknownError) as info,
    ):
        client.request(CREATE_CALL, body=CALL)
    assert server.count(CREATE_CALL_PATH) == 1 and sleeps == []
    err = info.value
    assert (
        err.may_have_reached_server
        and not err.timed_out
        and err.operation == "createCall"
    )
    assert "NOT resent" in str(err) and "before trying again" in str(err)
    assert isinstance(err.__cause__, httpx.TransportError)


def test_truncated_response_on_a_retry_safe_operation_is_retried(
    server: LoopbackServer,
) -> None:
    server.script(
        QUERY_CALL_STATE_PATH,
        Reply.truncated(call_state_ok()),
        Reply.json(call_state_ok()),
    )
    with sync_client(server) as client:
        assert client.request(QUERY_CALL_STATE, body=STATE).ret_code == "0"
    assert server.count() == 2


def test_refused_connection_is_retried_even_for_create_call() -> None:
    port = unused_port()
    later = LoopbackServer(port=port)
    later.script(CREATE_CALL_PATH, Reply.json({"retCode": "0"}))
    delays: list[float] = []

    def start_listening(
        delay: float,
    ) -> None:  # the injected sleep brings the server up
        delays.append(delay)
        if len(delays) == 1:
            later.start()

    try:
        with SyncAPIClient(
            server=MOBILE,
            base_url=f"http://127.0.0.1:{port}",
            auth=SignerAuth(sign),
            sleep=start_listening,
        ) as client:
            assert client.request(CREATE_CALL, body=CALL).ret_code == "0"
        assert later.count(CREATE_CALL_PATH) == 1 and len(delays) == 1
    finally:
        later.stop()


def test_refused_connection_gives_up_as_never_reached() -> None:
    sleeps = Sleeps()
    with (
        SyncAPIClient(
            server=MOBILE,
            base_url=f"http://127.0.0.1:{unused_port()}",
            auth=SignerAuth(sign),
            sleep=sleeps,
        ) as client,
        pytest.raises(APIConnectionError) as info,
    ):
        client.request(CREATE_CALL, body=CALL)
    assert info.value.may_have_reached_server is False and len(sleeps) == 2
    assert not isinstance(info.value, RequestOutcomeUnknownError)


def test_read_timeout_becomes_api_timeout_error(server: LoopbackServer) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok(), delay=2.0))
    with (
        sync_client(server, timeout=0.2, max_retries=0) as client,
        pytest.raises(APITimeoutError) as info,
    ):
        client.request(QUERY_CALL_STATE, body=STATE)
    assert info.value.may_have_reached_server is True


def test_read_timeout_on_create_call_is_outcome_unknown(
    server: LoopbackServer, sleeps: Sleeps
) -> None:
    server.on(CREATE_CALL_PATH, Reply.json({"retCode": "0"}, delay=2.0))
    with (
        sync_client(server, sleeps) as client,
        pytest.raises(RequestOutcomeUnknownError) as info,
    ):
        client.request(CREATE_CALL, body=CALL, timeout=0.2)
    assert info.value.timed_out is True and server.count() == 1 and sleeps == []


# ------------------------------------------------------------------ decoding


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        (Reply.raw(b'{"retCode": "0", "retMsg": '), "not valid JSON"),
        (Reply.raw(b'{"retCode": "0" "retMsg": "x"}'), "not valid JSON"),
        (Reply.html(200, "Service Portal"), "HTML page"),
        (
            Reply.raw(
                b"<html><body>login</body></html>", content_type="application/json"
            ),
            "HTML page",
        ),
        (
            Reply.json({"retCode": 0, "retMsg": "x"}),
            "does not match the documented schema",
        ),
        (Reply.json({"retCode": "0"}), "does not match the documented schema"),
        (
            Reply.json({"retCode": "0", "retMsg": "x", "result": {"state": 10}}),
            "does not match",
        ),
        (Reply.raw(b""), "empty"),
    ],
)
def test_unreadable_2xx_bodies_raise_response_decode_error(
    server: LoopbackServer, reply: Reply, detail: str
) -> None:
    server.on(QUERY_CALL_STATE_PATH, reply)
    with sync_client(server) as client, pytest.raises(ResponseDecodeError) as info:
        client.request(QUERY_CALL_STATE, body=STATE)
    assert detail in info.value.detail and info.value.status_code == 200
    assert server.count() == 1  # a 200 is an answer: not retried


# ------------------------------------------------------------------ configuration


def test_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="hang forever"):
        SyncAPIClient(server=MOBILE, timeout=None)
    with pytest.raises(ConfigurationError):
        SyncAPIClient(server=MOBILE, timeout=httpx.Timeout(None))
    with pytest.raises(ConfigurationError):
        SyncAPIClient(server=MOBILE, max_retries=-1)
    with pytest.raises(ConfigurationError, match="ip, port"):
        SyncAPIClient(server=CMS, auth=SignerAuth(sign))
    with pytest.raises(ConfigurationError, match="signer"):
        SignerAuth(None)
    with SyncAPIClient(server=MOBILE) as client:
        assert client.timeout == DEFAULT_TIMEOUT and client.max_retries == 2
        with pytest.raises(ConfigurationError, match="needs authentication"):
            client.request(CREATE_CALL, body=CALL)


def test_a_borrowed_http_client_is_not_closed(server: LoopbackServer) -> None:
    server.on(QUERY_CALL_STATE_PATH, Reply.json(call_state_ok()))
    with httpx.Client() as http:
        with sync_client(server, http_client=http) as client:
            client.request(QUERY_CALL_STATE, body=STATE)
        assert not http.is_closed
        # The runtime's own timeout is applied per request even on a borrowed client.
        assert server.count() == 1


def test_logger_is_named_after_the_package() -> None:
    from generator.runtime import PACKAGE
    from generator.runtime._client import _package_name

    assert PACKAGE == "generator.runtime"
    assert _package_name("aicc_client._runtime._client") == "aicc_client"
    with SyncAPIClient(server=MOBILE) as client:
        assert client.logger.name == PACKAGE
