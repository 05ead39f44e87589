"""Code tables: names and meanings for known codes, unknown codes kept and described."""

from __future__ import annotations

import msgspec
import pytest

from generator.runtime import CodeInfo, CodeSelector

from .fakes import (
    CallDetailRecord,
    CallResultDetail,
    CallState,
    CallStateResult,
    CreateCallRequest,
    CreateCallRetCode,
    ItaCauseCode,
    ReasonCode,
    TaskType,
)


def test_dunder_attributes_are_not_members() -> None:
    assert [m.name for m in CallState] == [
        "TO_BE_CALLED",
        "CALLING",
        "TALKING",
        "ENDED",
    ]
    assert [m.value for m in CreateCallRetCode] == ["0", "5"]


def test_members_expose_meaning_label_and_read_well() -> None:
    assert CallState.ENDED.meaning == "ended"
    assert CreateCallRetCode.INCORRECT_NUMBER_FORMAT.label == "Incorrect number format"
    assert CallState.ENDED.label is None
    assert str(CallState.ENDED) == "ENDED (3): ended"
    assert f"{CallState.ENDED}" == "ENDED (3): ended" and f"{CallState.ENDED:d}" == "3"
    assert (
        str(CreateCallRetCode.SUCCESS)
        == "SUCCESS ('0'): The value 0 indicates success."
    )
    # Values (and JSON) stay the wire codes.
    assert CallState.ENDED.value == 3 and TaskType.ALL.value == "0"
    assert isinstance(CallState.ENDED, int) and isinstance(TaskType.ALL, str)
    assert msgspec.json.encode([CallState.ENDED, TaskType.ALL]) == b'[3,"0"]'


def test_lookup_is_tolerant_across_int_and_str() -> None:
    assert CallState.lookup("3") is CallState.ENDED
    assert CallState.lookup(3) is CallState.ENDED
    assert CallState.lookup(" 3 ") is CallState.ENDED
    assert TaskType.lookup(4) is TaskType.ITA_BIDIRECTIONAL_CALL
    assert CreateCallRetCode.lookup("5") is CreateCallRetCode.INCORRECT_NUMBER_FORMAT
    assert CallState.lookup(True) is None
    assert CallState.lookup("x") is None
    assert CallState.lookup(99) is None
    assert CallState.lookup(1.0) is None


def test_describe_known_and_unknown_codes() -> None:
    assert ReasonCode.describe("6") == CodeInfo(
        "ReasonCode",
        6,
        "CALL_INITIATION_FAILED",
        "Failed to initiate the call.",
        None,
        True,
    )
    unknown = ReasonCode.describe(4321)
    assert unknown == CodeInfo(
        "ReasonCode", 4321, None, "Other exceptions occur.", None, False
    )
    assert "4321" in str(unknown) and "Other exceptions occur." in str(unknown)
    assert CallState.describe(7).meaning is None and not CallState.describe(7).known


def test_code_info_on_models_uses_selector_and_keeps_unknown_codes() -> None:
    result = msgspec.json.decode(
        b'{"state": 9, "reasonCode": 16}', type=CallStateResult
    )
    state = result.code_info("state")
    assert state is not None and state.known is False and state.code == 9
    reason = result.code_info("reason_code")
    # Not in ReasonCode, listed in ItaCauseCode: the first table that knows it wins.
    assert reason is not None and reason.table == "ItaCauseCode" and reason.known
    assert CallStateResult().code_info("state") is None
    with pytest.raises(KeyError):
        result.code_info("start_time")


def test_selector_when_picks_the_table_by_another_field() -> None:
    ita = msgspec.json.decode(
        b'{"reasonCode": 1, "taskType": "4"}', type=CallDetailRecord
    )
    cec = msgspec.json.decode(
        b'{"reasonCode": 1, "taskType": "1"}', type=CallDetailRecord
    )
    assert ita.code_info("reason_code") == ItaCauseCode.describe(1)
    assert cec.code_info("reason_code") == ReasonCode.describe(1)
    # Compared as text: an integer taskType 4 selects the ITA table too.
    sel = CodeSelector((ReasonCode,), when=(("task_type", 4, ItaCauseCode),))
    assert sel.describe(ita, 1).table == "ItaCauseCode"
    # Unknown everywhere: the first table describes it.
    assert (
        CodeSelector((ReasonCode, ItaCauseCode)).describe(None, 999).table
        == "ReasonCode"
    )


def test_lax_union_fields_keep_what_was_sent() -> None:
    as_int = msgspec.json.decode(
        b'{"startTime": 1621823865000, "talkDuration": 26}', type=CallDetailRecord
    )
    as_str = msgspec.json.decode(
        b'{"startTime": "1621823865000", "talkDuration": "26"}', type=CallDetailRecord
    )
    assert as_int.start_time == 1621823865000 and as_int.talk_duration == 26
    assert as_str.start_time == "1621823865000" and as_str.talk_duration == "26"
    status = msgspec.json.decode(b'{"callStatus": "6"}', type=CallResultDetail)
    assert status.code_info("call_status") is not None
    assert status.code_info("call_status").name == "SUCCEEDED"  # type: ignore[union-attr]


def test_model_repr_masks_sensitive_fields() -> None:
    detail = CallResultDetail(
        call_status=6, record_path="https://x/?Signature=SECRETSIG", call_id="1"
    )
    shown = [repr(detail), str(detail), repr([detail])]
    assert all("SECRETSIG" not in s for s in shown)
    assert (
        repr(detail)
        == "CallResultDetail(call_status=6, record_path='***', call_id='1')"
    )
    assert dict(detail.__rich_repr__())["record_path"] != detail.record_path
    # Unset sensitive values show as None; the value is still encoded for the server.
    assert "record_path=None" in repr(CallResultDetail())
    assert b"SECRETSIG" in msgspec.json.encode(detail)
    req = CreateCallRequest(soft_phone="1", called="2", pin="9876")
    assert "9876" not in repr(req)


def test_model_omits_unset_fields_and_is_keyword_only() -> None:
    assert CallDetailRecord.__struct_config__.omit_defaults
    assert msgspec.json.encode(CallDetailRecord(state=1)) == b'{"state":1}'
    with pytest.raises(TypeError):
        CallDetailRecord("1")  # type: ignore[call-arg]
