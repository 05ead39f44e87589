"""A scriptable HTTP/1.1 server on 127.0.0.1 for testing HTTP clients end to end.

The server records every request (method, path, query, headers, body) and answers each
from a script: a queue of actions per path, consumed in order, then the path's handler
(``on``), then the server-wide ``default``. An action is a ``Reply`` or a function that
takes the ``RecordedRequest`` and returns a ``Reply`` (for servers that compute answers,
such as paging through records by offset)::

    from tests.loopback import LoopbackServer, Reply

    with LoopbackServer() as server:
        server.script("/v1/thing", Reply.error(503), Reply.json({"ok": True}))
        server.on("/v1/other", lambda req: Reply.json({"echo": req.json()}))
        ...  # point the client at server.url
        assert server.count("/v1/thing") == 2
        assert server.requests_to("/v1/thing")[0].header("authorization") == "Bearer t"

Replies can also misbehave the way networks and gateways do: wait before answering
(``delay``), reset the connection after reading the request (``Reply.reset()``, a TCP RST
through SO_LINGER 0), close it without answering (``Reply.close()``), send a body shorter
than its Content-Length (``Reply.truncated(...)``), send an HTML error page
(``Reply.html()``), a very large body (``Reply.large(n)``) or a chunked body of any size,
endless included (``Reply.chunked(head, total=None)``).

``unused_port()`` gives a port nothing listens on (a connection is refused), and
``LoopbackServer(port=...)`` starts a server on a chosen port later, for tests of
"refused, then reachable".
"""

from __future__ import annotations

import json as _json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

__all__ = ["Action", "LoopbackServer", "RecordedRequest", "Reply", "unused_port"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received_at: float = field(default_factory=time.monotonic)

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (case-insensitive), or None."""
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found

    @property
    def params(self) -> dict[str, list[str]]:
        """The query string parsed into name -> values."""
        return parse_qs(self.query, keep_blank_values=True)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return _json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Reply:
    """What the server does with one request.

    ``mode`` is ``"respond"`` (a normal response), ``"reset"`` (TCP reset after reading
    the request), ``"close"`` (close without answering), ``"truncate"`` (send the
    headers with the full Content-Length but only ``truncate_to`` body bytes, then
    close) or ``"chunked"`` (``body``, then filler, with ``Transfer-Encoding: chunked``
    and no Content-Length, until ``stream_total`` bytes or, when that is None, until
    the client goes away). ``delay`` seconds pass before anything happens.
    """

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    mode: str = "respond"
    truncate_to: int = 0
    stream_total: int | None = 0

    # ---------------------------------------------------------------- constructors

    @classmethod
    def json(
        cls,
        data: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """``data`` as a JSON body (``application/json;charset=UTF-8``)."""
        return cls.raw(_json.dumps(data).encode(), status, headers=headers, delay=delay)

    @classmethod
    def raw(
        cls,
        body: bytes,
        status: int = 200,
        content_type: str = "application/json;charset=UTF-8",
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """``body`` exactly as given (for malformed or truncated JSON with a correct
        Content-Length)."""
        all_headers = (("Content-Type", content_type), *(headers or {}).items())
        return cls(status=status, body=body, headers=tuple(all_headers), delay=delay)

    @classmethod
    def text(
        cls,
        text: str,
        status: int = 200,
        content_type: str = "text/plain; charset=utf-8",
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> Reply:
        return cls.raw(text.encode(), status, content_type, headers, delay)

    @classmethod
    def error(
        cls, status: int, headers: Mapping[str, str] | None = None, delay: float = 0.0
    ) -> Reply:
        """An error status with a small JSON body (``{"error": status}``)."""
        return cls.json({"error": status}, status, headers=headers, delay=delay)

    @classmethod
    def html(cls, status: int = 502, title: str = "502 Bad Gateway", delay: float = 0.0) -> Reply:
        """An HTML error page, as a gateway in front of the API sends one."""
        page = (
            f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1>"
            "</center><hr><center>nginx</center></body></html>"
        )
        return cls.text(page, status, "text/html", delay=delay)

    @classmethod
    def large(
        cls, size: int, status: int = 200, content_type: str = "text/html", delay: float = 0.0
    ) -> Reply:
        """A body of ``size`` bytes (``<html>`` then filler)."""
        head = b"<html>"
        body = head + b"x" * max(0, size - len(head))
        return cls.raw(body, status, content_type, delay=delay)

    @classmethod
    def chunked(
        cls,
        head: bytes,
        total: int | None = None,
        status: int = 200,
        content_type: str = "application/json;charset=UTF-8",
    ) -> Reply:
        """A chunked body with no Content-Length: ``head``, then ``x`` filler up to
        ``total`` bytes, or for ever (``total=None``: until the client disconnects)."""
        return cls(
            status=status,
            body=head,
            headers=(("Content-Type", content_type),),
            mode="chunked",
            stream_total=total,
        )

    @classmethod
    def reset(cls, delay: float = 0.0) -> Reply:
        """Read the request, then reset the connection (the client sees ECONNRESET)."""
        return cls(mode="reset", delay=delay)

    @classmethod
    def close(cls, delay: float = 0.0) -> Reply:
        """Read the request, then close the connection without answering."""
        return cls(mode="close", delay=delay)

    @classmethod
    def truncated(
        cls, data: Any, keep: int | None = None, status: int = 200, delay: float = 0.0
    ) -> Reply:
        """Announce the full JSON body of ``data`` but send only ``keep`` bytes of it
        (half by default), then close."""
        body = data if isinstance(data, bytes) else _json.dumps(data).encode()
        reply = cls.raw(body, status, delay=delay)
        return replace(reply, mode="truncate", truncate_to=len(body) // 2 if keep is None else keep)

    def with_delay(self, delay: float) -> Reply:
        return replace(self, delay=delay)


Handler = Callable[[RecordedRequest], Reply]
Action = Reply | Handler

_NOT_FOUND = Reply.json({"error": "no script for this path"}, 404)


def unused_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops simultaneous connects (then the client's
    # SYN retry costs a second); concurrency tests open many at once.
    request_queue_size = 128
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout tests) makes the late write fail; that is expected.
        import sys

        self.owner.errors.append(repr(sys.exc_info()[1]))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY the second waits
    # for the client's delayed ACK (40 ms per response on Linux).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=parts.path,
            query=parts.query,
            headers=tuple(self.headers.items()),
            body=self._read_body(),
        )
        reply = owner._answer(request)
        if reply.delay and owner._stopping.wait(reply.delay):
            self.close_connection = True
            return
        if reply.mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if reply.mode == "close":
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.mode == "chunked":
            self._send_chunked(reply)
            return
        self.send_header("Content-Length", str(len(reply.body)))
        if reply.mode == "truncate":
            self.send_header("Connection", "close")
        self.end_headers()
        if reply.mode == "truncate":
            self.wfile.write(reply.body[: reply.truncate_to])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _send_chunked(self, reply: Reply) -> None:
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        filler = b"x" * 65536
        sent = 0
        stopping = self.server.owner._stopping
        try:
            chunk = reply.body
            while chunk and not stopping.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                left = None if reply.stream_total is None else reply.stream_total - sent
                chunk = filler if left is None else filler[: max(0, left)]
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:  # the client stopped reading and went away: that is the point
            pass
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class LoopbackServer:
    """A scriptable HTTP/1.1 server on 127.0.0.1 (see the module docstring).

    Use as a context manager, or call ``start()`` and ``stop()``. ``port=0`` picks a
    free port. ``default`` answers paths with no script and no handler (404 JSON unless
    set).
    """

    def __init__(self, port: int = 0, default: Action | None = None) -> None:
        self._port = port
        self.default: Action = default or _NOT_FOUND
        self._queues: dict[str, deque[Action]] = {}
        self._handlers: dict[str, Action] = {}
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        #: Errors raised while answering (mostly clients that went away).
        self.errors: list[str] = []

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.owner = self
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not running")
        port: int = self._server.server_address[1]
        return port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    # ---------------------------------------------------------------- scripting

    def script(self, path: str, *actions: Action) -> None:
        """Append ``actions`` to ``path``'s queue; each answers one request, in order."""
        with self._lock:
            self._queues.setdefault(path, deque()).extend(actions)

    def on(self, path: str, action: Action) -> None:
        """Answer every request to ``path`` with ``action`` once its queue is empty."""
        with self._lock:
            self._handlers[path] = action

    def pending(self, path: str) -> int:
        """Actions still queued for ``path``."""
        with self._lock:
            return len(self._queues.get(path, ()))

    def _answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            queue = self._queues.get(request.path)
            action = queue.popleft() if queue else self._handlers.get(request.path, self.default)
        if isinstance(action, Reply):
            return action
        try:
            return action(request)
        except Exception as exc:  # noqa: BLE001 - a broken test handler becomes a 500
            return Reply.text(f"handler failed: {exc!r}", 500)

    # ---------------------------------------------------------------- inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def count(self, path: str | None = None) -> int:
        """How many requests arrived (at ``path``, when given)."""
        return len(self.requests if path is None else self.requests_to(path))

    def clear(self) -> None:
        """Forget recorded requests, queues and handlers (``default`` stays)."""
        with self._lock:
            self._requests.clear()
            self._queues.clear()
            self._handlers.clear()

    def extend(self, scripts: Mapping[str, Iterable[Action]]) -> None:
        """``script`` for several paths at once."""
        for path, actions in scripts.items():
            self.script(path, *actions)
