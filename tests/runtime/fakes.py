"""Hand-written stand-ins for generated code: code tables, structs and descriptors shaped
like what aiccgen emits for the mobile agent, token and iSales specs, plus a token issuer
for the loopback server. Secrets are distinctive strings so tests can search for them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from msgspec import Meta

from generator.runtime import (
    BusinessRule,
    CodeSelector,
    IntCodeEnum,
    Model,
    Operation,
    Pagination,
    Rule,
    ServerTemplate,
    StrCodeEnum,
    TokenSource,
)
from tests.loopback import RecordedRequest, Reply

APP_KEY = "appkey-0001"
APP_SECRET = "S3cr3t-app-secret-7f1e9d2c"
STATIC_TOKEN = "static-token-Qw9rT5yU1iO3"
SIGNATURE = "SIGNATURE-b64-Zm9vYmFyYmF6"
SEVEN_DAYS = 604_800_000

MOBILE = ServerTemplate("https://{domain}", {"domain": "service.besclouds.com"})
CMS = ServerTemplate(
    "https://{ip}:{port}",
    {"ip": "nslb.invalid", "port": "443"},
    frozenset({"ip", "port"}),
)

TOKEN_PATH = "/apigovernance/api/oauth/tokenByAkSk"
TOKEN_SOURCE = TokenSource(
    path=TOKEN_PATH,
    credential_fields={"app_key": "app_key", "app_secret": "app_secret"},
    lifetime_header="X-Token-Expire",
    token_field="AccessToken",
    expires_field="Expires",
)
CREDENTIALS = {"app_key": APP_KEY, "app_secret": APP_SECRET}


# ------------------------------------------------------------------ code tables


class CallState(IntCodeEnum):
    """Call status."""

    __meanings__: ClassVar[Mapping[int, str]] = {
        0: "to be called",
        1: "calling",
        2: "talking",
        3: "ended",
    }
    TO_BE_CALLED = 0
    CALLING = 1
    TALKING = 2
    ENDED = 3


class ReasonCode(IntCodeEnum):
    """Reason codes for ending a call."""

    __meanings__: ClassVar[Mapping[int, str]] = {
        0: "The call ends and the called party hangs up.",
        1: "The call ends and the calling party hangs up.",
        6: "Failed to initiate the call.",
    }
    __other__: ClassVar[str | None] = "Other exceptions occur."
    CALLED_PARTY_HUNG_UP = 0
    CALLING_PARTY_HUNG_UP = 1
    CALL_INITIATION_FAILED = 6


class ItaCauseCode(IntCodeEnum):
    """Reason codes for ITA bidirectional calls."""

    __meanings__: ClassVar[Mapping[int, str]] = {
        0: "N/A",
        1: "The number cannot be found.",
        16: "Normal call clearance.",
    }
    NOT_APPLICABLE = 0
    NUMBER_CANNOT_BE_FOUND = 1
    NORMAL_CALL_CLEARANCE = 16


class TaskType(StrCodeEnum):
    """Task type."""

    __meanings__: ClassVar[Mapping[str, str]] = {
        "0": "all types of tasks",
        "4": "ITA bidirectional call",
    }
    ALL = "0"
    CEC_BIDIRECTIONAL_CALL = "1"
    ITA_BIDIRECTIONAL_CALL = "4"


class CreateCallRetCode(StrCodeEnum):
    """Return codes of createCall."""

    __meanings__: ClassVar[Mapping[str, str]] = {
        "0": "The value 0 indicates success.",
        "5": "The format of the calling number, called number, or CLIP number is incorrect.",
    }
    __labels__: ClassVar[Mapping[str, str]] = {"5": "Incorrect number format"}
    __other__: ClassVar[str | None] = "Other values indicate failure."
    SUCCESS = "0"
    INCORRECT_NUMBER_FORMAT = "5"


class QcdrRetCode(StrCodeEnum):
    """Return codes of queryCallDetailRecord."""

    __meanings__: ClassVar[Mapping[str, str]] = {
        "0": "The value 0 indicates success.",
        "1": "No data is found.",
    }
    __other__: ClassVar[str | None] = "Other values indicate failure."
    SUCCESS = "0"
    NO_DATA_FOUND = "1"


class IsalesCallStatus(IntCodeEnum):
    """Call result."""

    __meanings__: ClassVar[Mapping[int, str]] = {
        5: "the call fails",
        6: "the call is successful",
    }
    FAILED = 5
    SUCCEEDED = 6


# ------------------------------------------------------------------ createCall


class AppKeyHeader(Model, kw_only=True, rename={"x_app_key": "X-APP-Key"}):
    x_app_key: str | None = None


class CreateCallRequest(
    Model,
    kw_only=True,
    rename={"soft_phone": "softPhone", "call_data": "callData", "pin": "agentPin"},
):
    __aicc_sensitive__: ClassVar[frozenset[str]] = frozenset({"pin"})
    caller: Annotated[str, Meta(max_length=32)] | None = None
    soft_phone: Annotated[str, Meta(max_length=32)]
    called: Annotated[str, Meta(max_length=32)]
    call_data: Annotated[str, Meta(max_length=1024)] | None = None
    pin: Annotated[str, Meta(max_length=8)] | None = None


class CreateCallResult(Model, kw_only=True, rename={"call_serial_no": "callSerialNo"}):
    call_serial_no: str | None = None


class CreateCallResponse(
    Model, kw_only=True, rename={"ret_code": "retCode", "ret_msg": "retMsg"}
):
    __aicc_codes__: ClassVar[Mapping[str, CodeSelector]] = {
        "ret_code": CodeSelector((CreateCallRetCode,))
    }
    ret_code: str | None = None
    ret_msg: str | None = None
    result: CreateCallResult | None = None

    @property
    def ret_code_info(self) -> Any:
        return self.code_info("ret_code")


RET_CODE = BusinessRule(
    code_path=("ret_code",),
    success=frozenset({"0"}),
    message_path=("ret_msg",),
    selector=CodeSelector((CreateCallRetCode,)),
)

CREATE_CALL_PATH = "/apiaccess/CC-Management/v3/mobileAgent/createCall"
CREATE_CALL = Operation(
    operation_id="createCall",
    method="POST",
    path=CREATE_CALL_PATH,
    request_type=CreateCallRequest,
    params_type=AppKeyHeader,
    param_locations={"X-APP-Key": "header"},
    response_type=CreateCallResponse,
    retry_safe=False,
    business=RET_CODE,
    credential_headers={"X-APP-Key": "app_key"},
    sensitive_fields=frozenset({"agentPin"}),
)

# ------------------------------------------------------------------ queryCallState


class QueryCallStateRequest(
    Model, kw_only=True, rename={"call_serial_no": "callSerialNo"}
):
    call_serial_no: Annotated[str, Meta(max_length=50)]


class CallStateResult(
    Model,
    kw_only=True,
    rename={
        "reason_code": "reasonCode",
        "start_time": "startTime",
        "end_time": "endTime",
    },
):
    __aicc_codes__: ClassVar[Mapping[str, CodeSelector]] = {
        "state": CodeSelector((CallState,)),
        "reason_code": CodeSelector((ReasonCode, ItaCauseCode)),
    }
    state: Annotated[int, Meta(ge=0, le=9)] | None = None
    reason_code: Annotated[int, Meta(ge=0, le=65535)] | None = None
    start_time: str | int | None = None
    end_time: str | int | None = None


class QueryCallStateResponse(
    Model, kw_only=True, rename={"ret_code": "retCode", "ret_msg": "retMsg"}
):
    ret_code: str
    ret_msg: str
    result: CallStateResult | None = None


QUERY_CALL_STATE_PATH = "/apiaccess/CC-Management/v1/mobileAgent/queryCallState"
QUERY_CALL_STATE = Operation(
    operation_id="queryCallState",
    method="POST",
    path=QUERY_CALL_STATE_PATH,
    request_type=QueryCallStateRequest,
    params_type=AppKeyHeader,
    param_locations={"X-APP-Key": "header"},
    response_type=QueryCallStateResponse,
    retry_safe=True,
    business=BusinessRule(("ret_code",), frozenset({"0"}), ("ret_msg",), None),
    credential_headers={"X-APP-Key": "app_key"},
)


def call_state_ok(
    state: int = 3, reason: int = 0, start: Any = 1621823865000
) -> dict[str, Any]:
    return {
        "retCode": "0",
        "retMsg": "Query call state successfully",
        "result": {"state": state, "reasonCode": reason, "startTime": start},
    }


# ------------------------------------------------------------------ queryCallDetailRecord


class QcdrRequest(
    Model,
    kw_only=True,
    rename={"start_time": "startTime", "end_time": "endTime", "task_type": "taskType"},
):
    end_time: Annotated[str, Meta(pattern="^[0-9]+$")]
    offset: Annotated[str, Meta(pattern="^[0-9]+$")] | None = None
    limit: Annotated[str, Meta(pattern="^[0-9]+$")] | None = None
    start_time: Annotated[str, Meta(pattern="^[0-9]+$")]
    caller: Annotated[str, Meta(max_length=32)] | None = None
    task_type: TaskType | None = None


class CallDetailRecord(
    Model,
    kw_only=True,
    rename={
        "call_serial_no": "callSerialNo",
        "start_time": "startTime",
        "reason_code": "reasonCode",
        "task_type": "taskType",
        "talk_duration": "talkDuration",
    },
):
    __aicc_codes__: ClassVar[Mapping[str, CodeSelector]] = {
        "reason_code": CodeSelector(
            (ReasonCode, ItaCauseCode), when=(("task_type", "4", ItaCauseCode),)
        ),
        "state": CodeSelector((CallState,)),
    }
    call_serial_no: str | None = None
    start_time: str | int | None = None
    state: Annotated[int, Meta(ge=0, le=9)] | None = None
    reason_code: Annotated[int, Meta(ge=0, le=65535)] | None = None
    task_type: str | None = None
    talk_duration: str | int | None = None


class CallDetailRecordPage(Model, kw_only=True, rename={"call_info": "callInfo"}):
    total: Annotated[int, Meta(ge=0)] | None = None
    call_info: list[CallDetailRecord] | None = None


class QcdrResponse(
    Model, kw_only=True, rename={"ret_code": "retCode", "ret_msg": "retMsg"}
):
    ret_code: str
    ret_msg: str
    result: CallDetailRecordPage | None = None


QCDR_PATH = "/apiaccess/CC-Management/v1/mobileAgent/queryCallDetailRecord"
QCDR = Operation(
    operation_id="queryCallDetailRecord",
    method="POST",
    path=QCDR_PATH,
    request_type=QcdrRequest,
    params_type=AppKeyHeader,
    param_locations={"X-APP-Key": "header"},
    response_type=QcdrResponse,
    retry_safe=True,
    business=BusinessRule(
        ("ret_code",), frozenset({"0"}), ("ret_msg",), CodeSelector((QcdrRetCode,))
    ),
    rules=(
        Rule(
            "max-interval",
            ("startTime", "endTime"),
            SEVEN_DAYS,
            "The interval between the start and the end time cannot exceed seven days.",
        ),
    ),
    credential_headers={"X-APP-Key": "app_key"},
    pagination=Pagination(
        offset_field="offset",
        limit_field="limit",
        items_path=("result", "call_info"),
        total_path=("result", "total"),
        empty_codes=frozenset({"1"}),
        window=("startTime", "endTime"),
        max_interval=SEVEN_DAYS,
        as_string=True,
        default_limit=100,
    ),
)

# ------------------------------------------------------------------ iSales (GET, signed)


class CallResultParams(
    Model, kw_only=True, rename={"vdn_id": "vdnId", "call_id": "callId", "lang": "lang"}
):
    vdn_id: Annotated[int, Meta(ge=1, le=9999)]
    call_id: Annotated[str, Meta(max_length=20, pattern="^[0-9]+-[0-9]+$")]
    lang: str | None = None


class CallResultDetail(
    Model,
    kw_only=True,
    rename={
        "call_status": "callStatus",
        "record_path": "recordPath",
        "call_id": "callId",
    },
):
    __aicc_codes__: ClassVar[Mapping[str, CodeSelector]] = {
        "call_status": CodeSelector((IsalesCallStatus,))
    }
    __aicc_sensitive__: ClassVar[frozenset[str]] = frozenset({"record_path"})
    call_status: int | str | None = None
    record_path: str | None = None
    call_id: str | None = None


class CallResultResponse(
    Model,
    kw_only=True,
    rename={"return_code": "returnCode", "return_desc": "returnDesc"},
):
    return_code: str | None = None
    return_desc: str | None = None
    data: CallResultDetail | None = None


CALL_RESULT_PATH = "/rest/isales/v1/openapi/campaigns/{vdnId}/callresultdetail/{callId}"
CALL_RESULT = Operation(
    operation_id="queryCallResultDetail",
    method="GET",
    path=CALL_RESULT_PATH,
    request_type=None,
    params_type=CallResultParams,
    param_locations={"vdnId": "path", "callId": "path", "lang": "query"},
    response_type=CallResultResponse,
    retry_safe=True,
    business=BusinessRule(
        ("return_code",), frozenset({"0200000"}), ("return_desc",), None
    ),
    fixed_headers={"Content-Type": "application/json; charset=UTF-8"},
    sensitive_fields=frozenset({"recordPath"}),
)

SIGNED_URL = (
    "https://obs.example.com/rec/1.wav?AccessKeyId=AKIDEXAMPLE123&Expires=1700000000"
    f"&Signature={SIGNATURE}"
)


def sign(request: Any) -> None:
    """A stand-in AK/SK signer: sets a header whose value is a secret."""
    request.headers["Authorization"] = (
        f"SDK-HMAC-SHA256 Access=AKIDEXAMPLE123, Signature={SIGNATURE}"
    )


# ------------------------------------------------------------------ token issuer


class TokenIssuer:
    """Loopback handler for the token endpoint: issues token-1, token-2, ... for the
    right credentials, 401 otherwise."""

    def __init__(self, expires: Any = "600", delay: float = 0.0) -> None:
        self.expires = expires
        self.delay = delay
        self.issued: list[str] = []
        self.lifetimes: list[str | None] = []
        self._lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> Reply:
        body = request.json()
        if body.get("app_key") != APP_KEY or body.get("app_secret") != APP_SECRET:
            return Reply.json({"error": "invalid app_key or app_secret"}, 401)
        with self._lock:
            token = f"issued-token-{len(self.issued) + 1}-Xk2Lm9Pq"
            self.issued.append(token)
            self.lifetimes.append(request.header("X-Token-Expire"))
        document = {
            "AccessToken": token,
            "ApplyType": "Bearer",
            "CreateTime": "1545650171",
            "Expires": self.expires,
            "AppKey": APP_KEY,
        }
        return Reply.json(document, delay=self.delay)
