"""Paging queryCallDetailRecord through offsets and seven-day windows, sync and async."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
from typing import Any

import pytest

from generator.runtime import BusinessError, RequestValidationError
from tests.loopback import LoopbackServer, RecordedRequest, Reply

from .conftest import async_client, sync_client
from .fakes import QCDR, QCDR_PATH, SEVEN_DAYS, CallDetailRecord

DAY = 86_400_000
T0 = 1_695_772_800_000  # 2023-09-27T00:00:00Z


class RecordServer:
    """Serves call records by window (inclusive) and offset/limit, like the real API:
    retCode "1" when a window has no record, "2" when the request breaks the rules."""

    def __init__(
        self, starts: list[int], cap: int | None = None, with_total: bool = True
    ) -> None:
        self.starts = sorted(starts)
        self.cap = cap
        self.with_total = with_total
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def problem(self, text: str) -> Reply:
        with self._lock:
            self.problems.append(text)
        return Reply.json({"retCode": "2", "retMsg": text})

    def __call__(self, request: RecordedRequest) -> Reply:
        body = request.json()
        for name in ("startTime", "endTime", "offset", "limit"):
            if not isinstance(body.get(name), str):
                return self.problem(f"{name} must be a string, got {body.get(name)!r}")
        start, end = int(body["startTime"]), int(body["endTime"])
        if not 0 <= end - start <= SEVEN_DAYS:
            return self.problem(f"bad window {start}..{end}")
        inside = [s for s in self.starts if start <= s <= end]
        if not inside:
            return Reply.json({"retCode": "1", "retMsg": "No data is found."})
        offset, limit = int(body["offset"]), int(body["limit"])
        if self.cap is not None:
            limit = min(limit, self.cap)
        page = inside[offset : offset + limit]
        result: dict[str, Any] = {
            "callInfo": [
                {
                    "callSerialNo": str(s),
                    "startTime": s,
                    "taskType": body.get("taskType", "1"),
                }
                for s in page
            ]
        }
        if self.with_total:
            result["total"] = len(inside)
        return Reply.json({"retCode": "0", "retMsg": "ok", "result": result})


def windows_asked(server: LoopbackServer) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    for req in server.requests_to(QCDR_PATH):
        window = (int(req.json()["startTime"]), int(req.json()["endTime"]))
        if not seen or seen[-1] != window:
            seen.append(window)
    return seen


# Window 1 [T0, T0+7d]: 7 records, two on its last millisecond and one on the next
# window's first; window 2 has none (retCode "1"); window 3 has 4; the range ends mid-window.
STARTS = [
    T0,
    T0 + 1,
    T0 + DAY,
    T0 + 2 * DAY,
    T0 + 3 * DAY,
    T0 + SEVEN_DAYS,
    T0 + SEVEN_DAYS,
]
STARTS += [T0 + SEVEN_DAYS + 1]
STARTS += [T0 + 15 * DAY + i for i in range(4)]
END = T0 + 20 * DAY + 12_345


def check_run(
    server: LoopbackServer, records: list[CallDetailRecord], starts: list[int], end: int
) -> None:
    assert sorted(r.start_time for r in records) == sorted(starts)  # type: ignore[type-var]
    assert len(records) == len(starts)  # every record exactly once
    windows = windows_asked(server)
    assert windows[0][0] == T0 and windows[-1][1] == end
    assert all(0 <= e - s <= SEVEN_DAYS for s, e in windows)
    assert all(s2 == e1 + 1 for (_s1, e1), (s2, _e2) in itertools.pairwise(windows))


def test_paging_through_pages_and_seven_day_windows(server: LoopbackServer) -> None:
    handler = RecordServer(STARTS)
    server.on(QCDR_PATH, handler)
    with sync_client(server) as client:
        records = list(
            client.paginate(
                QCDR,
                body={"startTime": str(T0), "endTime": str(END), "taskType": "0"},
                page_size=3,
            )
        )
    assert handler.problems == []
    assert all(isinstance(r, CallDetailRecord) for r in records)
    check_run(server, records, STARTS, END)
    windows = windows_asked(server)
    assert len(windows) == 3
    # The empty middle window was asked once and skipped on retCode "1".
    middle = [
        r
        for r in server.requests_to(QCDR_PATH)
        if int(r.json()["startTime"]) == windows[1][0]
    ]
    assert len(middle) == 1
    # Offsets and limits go as strings; other body fields are kept on every page.
    first = server.requests_to(QCDR_PATH)[:3]
    assert [(r.json()["offset"], r.json()["limit"]) for r in first] == [
        ("0", "3"),
        ("3", "3"),
        ("6", "3"),
    ]
    assert all(r.json()["taskType"] == "0" for r in server.requests_to(QCDR_PATH))


def test_aware_datetimes_are_accepted_and_sent_as_milliseconds(
    server: LoopbackServer,
) -> None:
    server.on(QCDR_PATH, RecordServer([T0 + 5]))
    start = dt.datetime(2023, 9, 27, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with sync_client(server) as client:
        records = list(
            client.paginate(QCDR, body={"startTime": start, "endTime": T0 + DAY})
        )
    assert [r.start_time for r in records] == [T0 + 5]
    body = server.requests[0].json()
    assert body["startTime"] == str(T0) and body["endTime"] == str(T0 + DAY)
    assert (body["offset"], body["limit"]) == ("0", "100")  # the default page size


def test_bad_ranges_fail_before_any_request(server: LoopbackServer) -> None:
    with sync_client(server) as client:
        with pytest.raises(RequestValidationError, match="naive datetime") as info:
            client.paginate(
                QCDR, body={"startTime": dt.datetime(2023, 9, 27), "endTime": str(T0)}
            )
        assert info.value.field == "start_time" and info.value.wire_field == "startTime"
        with pytest.raises(RequestValidationError) as info:
            client.paginate(QCDR, body={"startTime": str(T0), "endTime": str(T0 - 1)})
        assert info.value.constraint == "max-interval"
        with pytest.raises(RequestValidationError):
            client.paginate(
                QCDR, body={"startTime": str(T0), "endTime": str(T0 + 1)}, page_size=0
            )
        with pytest.raises(RequestValidationError):
            client.paginate(QCDR, body={"endTime": str(T0)})
    assert server.count() == 0


def test_a_capped_server_is_read_to_the_total(server: LoopbackServer) -> None:
    starts = [T0 + i for i in range(7)]
    server.on(QCDR_PATH, RecordServer(starts, cap=2))
    with sync_client(server) as client:
        records = list(
            client.paginate(
                QCDR, body={"startTime": str(T0), "endTime": str(T0 + DAY)}, page_size=5
            )
        )
    assert [r.start_time for r in records] == starts


def test_without_total_a_short_page_ends_the_window(server: LoopbackServer) -> None:
    starts = [T0 + i for i in range(5)]
    server.on(QCDR_PATH, RecordServer(starts, with_total=False))
    with sync_client(server) as client:
        records = list(
            client.paginate(
                QCDR, body={"startTime": str(T0), "endTime": str(T0 + DAY)}, page_size=2
            )
        )
    assert [r.start_time for r in records] == starts
    assert server.count() == 3  # 2 + 2 + 1


def test_other_business_codes_still_fail(server: LoopbackServer) -> None:
    server.script(QCDR_PATH, Reply.json({"retCode": "4", "retMsg": "bad paging"}))
    with sync_client(server) as client, pytest.raises(BusinessError) as info:
        list(
            client.paginate(QCDR, body={"startTime": str(T0), "endTime": str(T0 + DAY)})
        )
    assert (
        info.value.code == "4"
        and info.value.meaning == "Other values indicate failure."
    )


def test_request_treats_the_empty_code_as_a_failure(server: LoopbackServer) -> None:
    # Only iteration treats retCode "1" as an empty window; a plain request reports it.
    server.script(
        QCDR_PATH, Reply.json({"retCode": "1", "retMsg": "No data is found."})
    )
    with sync_client(server) as client, pytest.raises(BusinessError) as info:
        client.request(QCDR, body={"startTime": str(T0), "endTime": str(T0 + DAY)})
    assert info.value.name == "NO_DATA_FOUND"


def test_async_paging_through_pages_and_windows(server: LoopbackServer) -> None:
    handler = RecordServer(STARTS)
    server.on(QCDR_PATH, handler)

    async def main() -> list[CallDetailRecord]:
        async with async_client(server) as client:
            pages = client.paginate(
                QCDR, body={"startTime": T0, "endTime": END}, page_size=3
            )
            return [record async for record in pages]

    records = asyncio.run(main())
    assert handler.problems == []
    check_run(server, records, STARTS, END)


def test_async_validation_happens_before_iteration(server: LoopbackServer) -> None:
    async def main() -> None:
        async with async_client(server) as client:
            with pytest.raises(RequestValidationError):
                client.paginate(
                    QCDR,
                    body={
                        "startTime": str(T0),
                        "endTime": str(T0 + 1),
                        "taskType": "x",
                    },
                )

    asyncio.run(main())
    assert server.count() == 0


def test_a_server_ignoring_the_offset_does_not_loop_forever(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    """No total, always the same full page: iteration stops after the first repeat."""
    page = [{"callSerialNo": str(i), "startTime": T0 + i} for i in range(3)]
    server.on(
        QCDR_PATH,
        lambda _req: Reply.json(
            {"retCode": "0", "retMsg": "ok", "result": {"callInfo": page}}
        ),
    )
    with sync_client(server) as client:
        records = list(
            client.paginate(
                QCDR, body={"startTime": str(T0), "endTime": str(T0 + DAY)}, page_size=3
            )
        )
    assert [r.call_serial_no for r in records] == ["0", "1", "2"]
    assert server.count(QCDR_PATH) == 2
    assert "repeats the previous page" in caplog.text
