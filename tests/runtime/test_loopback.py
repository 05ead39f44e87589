"""The loopback server does what its docstring promises (the end-to-end tests rely on it)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.loopback import LoopbackServer, Reply, unused_port


def test_records_requests_and_answers_queue_then_handler_then_default(
    server: LoopbackServer,
) -> None:
    server.script("/a", Reply.json({"n": 1}), Reply.error(503))
    server.on("/a", lambda req: Reply.json({"echo": req.json(), "q": req.params}))
    with httpx.Client(base_url=server.url) as http:
        assert http.post("/a", json={"x": 1}).json() == {"n": 1}
        assert http.post("/a").status_code == 503
        assert http.post("/a?k=v", json={"y": 2}).json() == {
            "echo": {"y": 2},
            "q": {"k": ["v"]},
        }
        assert http.get("/nowhere").status_code == 404
        chunked = http.post("/a", content=iter([b'{"z"', b": 3}"]))  # chunked upload
        assert chunked.json()["echo"] == {"z": 3}
    assert server.count("/a") == 4 and server.count() == 5
    first = server.requests_to("/a")[0]
    assert (first.method, first.path, first.query, first.json()) == (
        "POST",
        "/a",
        "",
        {"x": 1},
    )
    assert first.header("content-type") == "application/json"
    assert server.pending("/a") == 0


def test_misbehaving_replies(server: LoopbackServer) -> None:
    server.script(
        "/bad",
        Reply.reset(),
        Reply.close(),
        Reply.truncated({"long": "x" * 100}, keep=10),
        Reply.raw(b'{"cut": '),
        Reply.html(502),
        Reply.large(1_000_000, 500),
    )
    with httpx.Client(base_url=server.url) as http:
        with pytest.raises(httpx.ReadError):
            http.get("/bad")
        with pytest.raises(
            httpx.RemoteProtocolError, match="without sending a response"
        ):
            http.get("/bad")
        with pytest.raises(
            httpx.RemoteProtocolError, match="incomplete|complete message body"
        ):
            http.get("/bad")
        assert http.get("/bad").content == b'{"cut": '
        html = http.get("/bad")
        assert html.status_code == 502 and html.headers["content-type"] == "text/html"
        assert len(http.get("/bad").content) == 1_000_000
    assert server.count("/bad") == 6  # every request was read before misbehaving


def test_delay_and_timeouts(server: LoopbackServer) -> None:
    server.on("/slow", Reply.json({}, delay=0.3))
    with (
        httpx.Client(base_url=server.url, timeout=0.1) as http,
        pytest.raises(httpx.ReadTimeout),
    ):
        http.get("/slow")
    started = time.perf_counter()
    with httpx.Client(base_url=server.url, timeout=2.0) as http:
        http.get("/slow")
    assert time.perf_counter() - started >= 0.3


def test_unused_port_refuses_until_a_server_starts_there() -> None:
    port = unused_port()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/")
    with LoopbackServer(port=port, default=Reply.json({"up": True})) as late:
        assert httpx.get(f"{late.url}/").json() == {"up": True}
