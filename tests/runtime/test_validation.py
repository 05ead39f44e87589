"""Invalid requests fail before sending, naming operation, field, constraint, limit, value."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from msgspec import Meta

from generator.runtime import Model, Operation, RequestValidationError, validate_request
from tests.loopback import LoopbackServer

from .conftest import sync_client
from .fakes import (
    CALL_RESULT,
    CREATE_CALL,
    QCDR,
    SEVEN_DAYS,
    CallResultParams,
    CreateCallRequest,
)


def invalid(op: Any, params: Any = None, body: Any = None) -> RequestValidationError:
    with pytest.raises(RequestValidationError) as info:
        validate_request(op, params, body)
    return info.value


def test_max_length_names_python_and_wire_field_limit_and_value() -> None:
    err = invalid(
        CREATE_CALL, body={"softPhone": "1234567890" * 3 + "123", "called": "1"}
    )
    assert (err.operation, err.field, err.wire_field) == (
        "createCall",
        "soft_phone",
        "softPhone",
    )
    assert (err.constraint, err.limit, err.value) == (
        "maxLength",
        32,
        "1234567890" * 3 + "123",
    )
    assert str(err).startswith(
        "createCall: soft_phone (softPhone) must be at most 32 characters, got 33: '12345678901234567890…'"
    )
    assert isinstance(err, ValueError)


def test_required_field() -> None:
    err = invalid(CREATE_CALL, body={"softPhone": "1"})
    assert (err.field, err.wire_field, err.constraint, err.value) == (
        "called",
        "called",
        "required",
        None,
    )
    assert str(err) == "createCall: called is required"


def test_documented_type_is_enforced_not_coerced() -> None:
    # The page's example sends numbers; the table says String (erratum CC-2).
    err = invalid(CREATE_CALL, body={"softPhone": 66666666, "called": "1"})
    assert (err.field, err.constraint, err.limit, err.value) == (
        "soft_phone",
        "type",
        "str",
        66666666,
    )
    assert "must be str, got int: 66666666" in str(err)


def test_maximum_on_a_path_parameter() -> None:
    err = invalid(CALL_RESULT, params={"vdnId": 10000, "callId": "1-2"})
    assert (err.field, err.wire_field, err.constraint, err.limit, err.value) == (
        "vdn_id",
        "vdnId",
        "maximum",
        9999,
        10000,
    )
    assert (
        str(err)
        == "queryCallResultDetail: vdn_id (vdnId) must be at most 9999, got 10000"
    )


def test_pattern_and_closed_enum() -> None:
    err = invalid(QCDR, body={"startTime": "abc", "endTime": "1"})
    assert (err.field, err.constraint, err.limit, err.value) == (
        "start_time",
        "pattern",
        "^[0-9]+$",
        "abc",
    )
    err = invalid(QCDR, body={"startTime": "1", "endTime": "2", "taskType": "9"})
    assert (err.field, err.wire_field, err.constraint, err.value) == (
        "task_type",
        "taskType",
        "enum",
        "9",
    )
    assert err.limit == ["0", "1", "4"]
    assert "must be one of '0', '1', '4', got '9'" in str(err)


def test_sensitive_values_are_never_shown() -> None:
    err = invalid(
        CREATE_CALL, body={"softPhone": "1", "called": "2", "agentPin": "123456789-PIN"}
    )
    assert (err.field, err.constraint, err.limit) == ("pin", "maxLength", 8)
    assert err.value is None
    assert "123456789-PIN" not in str(err) and "123456789-PIN" not in repr(err.args)


def test_max_interval_rule() -> None:
    start = 1_700_000_000_000
    err = invalid(
        QCDR, body={"startTime": str(start), "endTime": str(start + SEVEN_DAYS + 1)}
    )
    assert (err.constraint, err.limit, err.value) == (
        "max-interval",
        SEVEN_DAYS,
        SEVEN_DAYS + 1,
    )
    assert (err.field, err.wire_field) == ("end_time", "endTime")
    assert "cannot exceed seven days" in str(err)
    err = invalid(QCDR, body={"startTime": str(start), "endTime": str(start - 1)})
    assert err.constraint == "max-interval" and err.value == -1
    # Exactly seven days is allowed.
    _p, body = validate_request(
        QCDR, None, {"startTime": str(start), "endTime": str(start + SEVEN_DAYS)}
    )
    assert body.end_time == str(start + SEVEN_DAYS)


def test_structs_built_directly_are_checked_too() -> None:
    # Building a msgspec struct does not check its constraints; the runtime does.
    body = CreateCallRequest(soft_phone="x" * 40, called="1")
    assert invalid(CREATE_CALL, body=body).constraint == "maxLength"
    params = CallResultParams(vdn_id=0, call_id="1-2")
    assert invalid(CALL_RESULT, params=params).constraint == "minimum"


def test_optional_fields_report_the_plain_type_and_unknown_keys_are_refused() -> None:
    err = invalid(CREATE_CALL, body={"softPhone": "1", "called": "2", "caller": 5})
    assert (err.field, err.constraint, err.limit) == ("caller", "type", "str")
    err = invalid(
        CREATE_CALL, body={"softPhone": "1", "called": "2", "calledNumber": "3"}
    )
    assert (err.field, err.constraint) == ("calledNumber", "unknown")
    err = invalid(
        CREATE_CALL, params={"x-app-key": "k"}, body={"softPhone": "1", "called": "2"}
    )
    assert err.constraint == "unknown" and "X-APP-Key" in str(err)


def test_none_values_are_dropped_and_valid_input_converts() -> None:
    params, body = validate_request(
        CREATE_CALL,
        {"X-APP-Key": None},
        {"softPhone": "1", "called": "2", "caller": None},
    )
    assert params.x_app_key is None and body.caller is None and body.soft_phone == "1"


class Item(Model, kw_only=True, rename={"item_name": "itemName"}):
    item_name: Annotated[str, Meta(max_length=3)]


class Body(Model, kw_only=True, rename={"item_list": "itemList"}):
    item_list: list[Item]


def test_nested_paths_use_python_names() -> None:
    op = Operation("bulk", "POST", "/bulk", Body, None, {}, None, True, None)
    err = invalid(op, body={"itemList": [{"itemName": "ok"}, {"itemName": "toolong"}]})
    assert (err.field, err.wire_field, err.value) == (
        "item_list[1].item_name",
        "itemList[1].itemName",
        "toolong",
    )
    err = invalid(op, body={"itemList": [{}]})
    assert (err.field, err.constraint) == ("item_list[0].item_name", "required")


def test_no_request_is_sent_when_validation_fails(server: LoopbackServer) -> None:
    with sync_client(server) as client:
        with pytest.raises(RequestValidationError):
            client.request(CREATE_CALL, body={"softPhone": "1" * 33, "called": "1"})
        with pytest.raises(RequestValidationError):
            client.request(CALL_RESULT, params={"vdnId": 0, "callId": "1-2"})
        with pytest.raises(RequestValidationError):
            list(
                client.paginate(
                    QCDR, body={"startTime": "1", "endTime": "2", "taskType": "7"}
                )
            )
    assert server.count() == 0
