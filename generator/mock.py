"""`aiccgen mock`: a real HTTP server on loopback that serves the specs.

For integration tests without a vendor sandbox, built from the same specs as the client,
so the two cannot drift apart:

- every operation of every spec is routed by method and path template;
- requests are validated against the spec (parameters, body, x-rules); a violation gets
  HTTP 400 with an `application/problem+json` body whose `errors` name each field;
- authentication is checked as the spec declares it; the operation a spec names in
  `x-token-source` issues fresh tokens, and only issued tokens are accepted;
- the answer is the documented example of the first 2xx response, or a generated value
  that conforms to the schema (seeded: the same seed gives the same answers);
- a `Prefer` header chooses per request (directives separated by commas or semicolons):
  `example=NAME`, `status=CODE`, `dynamic` (generated instead of the example),
  `code=VALUE` (put VALUE in the business code field), and faults:
  `fault=reset|close|timeout|malformed|truncated|html|401|429|500|503|...` with
  `delay=MS`, `retry-after=S` and `times=N` (the fault applies to the first N requests
  of that operation carrying it, then the server behaves).

AK/SK-signed APIs: the vendor's signature algorithm is not in our sources, so the mock
cannot verify signatures. By default it accepts any non-empty Authorization header;
`signature=` (CLI `--signature`) makes it accept exactly one value, so tests can prove a
client signs and a wrong signature is refused.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import socket
import struct
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, unquote, urlsplit

from .diagnostics import AiccgenError, split_pointer
from .samples import first_type, sample
from .specset import SpecSet, get_pointer, iter_operations, load_spec_set

PROBLEM = "application/problem+json"
_MAX_BODY = 10 * 1024 * 1024


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    operation_id: str | None

    def header(self, name: str) -> str | None:
        return next((v for k, v in reversed(self.headers) if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class _Auth:
    kind: str  # none | issued-token | bearer | header | query
    name: str = ""


@dataclass(frozen=True)
class _TokenIssue:
    token_field: str
    expires_field: str | None


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    names: tuple[str, ...]  # path parameter names, in the order of the regex groups
    path: str  # spec file
    op_ptr: str
    op: dict[str, Any]
    auth: _Auth
    business: dict[str, Any] | None
    issues_tokens: _TokenIssue | None


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    action: str = "send"  # send | reset | close | truncated
    delay: float = 0.0


class MockSpec:
    """The routes and rules of a spec set; answers requests without any networking."""

    def __init__(self, spec_set: SpecSet, seed: int = 0, signature: str | None = None) -> None:
        self.spec_set = spec_set
        self.seed = seed
        self.signature = signature
        self.routes: list[_Route] = []
        self.tokens: set[str] = set()
        self._token_counter = itertools.count(1)
        self._request_counter: dict[str, int] = {}
        self._fault_counter: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._build()

    # -- routes --------------------------------------------------------------------
    def _build(self) -> None:
        token_ops: dict[tuple[str, str], _TokenIssue] = {}
        for doc in self.spec_set.documents():
            schemes = ((doc.data.get("components") or {}).get("securitySchemes") or {})
            for scheme in schemes.values():
                src = scheme.get("x-token-source") if isinstance(scheme, dict) else None
                if isinstance(src, dict):
                    target = str((Path(doc.path).parent / src.get("spec", Path(doc.path).name)).resolve())
                    token_ops[(target, str(src.get("operationId")))] = _TokenIssue(
                        _last(src.get("token")), _last(src.get("expires-in")) if src.get("expires-in") else None)
        for doc in self.spec_set.documents():
            data = doc.data
            for op_ptr, url, method, op in iter_operations(data):
                names = re.findall(r"\{([^}]+)\}", url)
                pattern = "".join(re.escape(part) if i % 2 == 0 else "([^/]+)"
                                  for i, part in enumerate(re.split(r"\{[^}]+\}", url) and _alternate(url)))
                self.routes.append(_Route(
                    method=method.upper(), template=url, regex=re.compile(f"^{pattern}$"), names=tuple(names),
                    path=doc.path, op_ptr=op_ptr, op=op,
                    auth=self._auth_of(doc.path, data, op), business=op.get("x-business-result", data.get("x-business-result")),
                    issues_tokens=token_ops.get((doc.path, str(op.get("operationId")))),
                ))

    def _auth_of(self, path: str, data: dict[str, Any], op: dict[str, Any]) -> _Auth:
        requirements = op.get("security", data.get("security"))
        if not requirements or not requirements[0]:
            return _Auth("none")
        name = next(iter(requirements[0]))
        scheme = ((data.get("components") or {}).get("securitySchemes") or {}).get(name) or {}
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            return _Auth("issued-token" if scheme.get("x-token-source") else "bearer")
        if scheme.get("type") == "apiKey":
            return _Auth("query" if scheme.get("in") == "query" else "header", str(scheme.get("name")))
        if scheme.get("type") == "http":
            return _Auth("header", "Authorization")
        return _Auth("none")

    def match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str], bool]:
        """(route, path parameters, whether the path exists under another method)."""
        other_method = False
        for route in self.routes:
            m = route.regex.match(path)
            if m:
                if route.method == method:
                    return route, {n: unquote(v) for n, v in zip(route.names, m.groups())}, False
                other_method = True
        return None, {}, other_method

    # -- answering -----------------------------------------------------------------
    def answer(self, request: Recorded) -> _Reply:
        route, path_params, other = self.match(request.method, urlsplit(request.path).path)
        if route is None:
            status = 405 if other else 404
            reply = _problem(status, "No such operation" if status == 404 else "Method not allowed",
                             f"{request.method} {request.path} is not in the specs")
            if other:
                allowed = sorted({r.method for r in self.routes if r.regex.match(urlsplit(request.path).path)})
                reply.headers = (("Allow", ", ".join(allowed)),)
            return reply
        prefer = parse_prefer(request.header("Prefer") or "")
        op_id = str(route.op.get("operationId"))
        with self._lock:
            n = self._request_counter[op_id] = self._request_counter.get(op_id, 0) + 1
        fault = self._fault(op_id, prefer)
        if fault is not None and fault.action != "send" or (fault is not None and fault.status >= 400):
            return fault
        delay = fault.delay if fault is not None else 0.0
        denied = self._check_auth(route, request)
        if denied is not None:
            return denied
        errors = self._validate(route, request, path_params)
        if errors:
            first = errors[0]
            problem = _problem(400, "Request does not match the spec",
                               f"{first['in']} {first['name'] or ''} {first['message']}".replace("  ", " ").strip(),
                               errors=errors)
            problem.delay = delay
            return problem
        reply = self._respond(route, prefer, n)
        reply.delay = delay
        if prefer.get("fault") == "malformed" and fault is not None:
            reply.body = reply.body[: max(1, len(reply.body) // 2)]
        return reply

    def _fault(self, op_id: str, prefer: dict[str, str]) -> _Reply | None:
        kind = prefer.get("fault")
        delay = float(prefer.get("delay", "0") or 0) / 1000.0
        if kind is None:
            return _Reply(200, delay=delay) if delay else None
        times = prefer.get("times")
        key = (op_id, ",".join(f"{k}={v}" for k, v in sorted(prefer.items())))
        with self._lock:
            used = self._fault_counter.get(key, 0)
            if times is not None and times.isdigit() and used >= int(times):
                return _Reply(200, delay=0.0) if delay else None
            self._fault_counter[key] = used + 1
        if kind == "timeout":
            return _Reply(200, delay=delay or 30.0)
        if kind in ("reset", "close"):
            return _Reply(0, action=kind, delay=delay)
        if kind == "truncated":
            return _Reply(200, b'{"partial": tr', action="truncated", delay=delay)
        if kind == "html":
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            return _Reply(502, page, "text/html", delay=delay)
        if kind == "malformed":
            return _Reply(200, delay=delay)  # a normal answer, cut in half by `answer`
        if kind.isdigit():
            status = int(kind)
            reply = _problem(status, f"Injected fault {status}", "requested with the Prefer header")
            if status == 429 or status == 503:
                reply.headers = (("Retry-After", prefer.get("retry-after", "1")),)
            reply.delay = delay
            return reply
        return _problem(400, "Unknown fault", f"fault={kind!r}: use reset, close, timeout, malformed, truncated, "
                        "html or an HTTP status")

    def _check_auth(self, route: _Route, request: Recorded) -> _Reply | None:
        auth = route.auth
        if auth.kind == "none":
            return None
        if auth.kind in ("issued-token", "bearer"):
            header = request.header("Authorization") or ""
            token = header[7:] if header.startswith("Bearer ") else ""
            if not token or (auth.kind == "issued-token" and token not in self.tokens):
                return _problem(401, "Unauthorized", "a Bearer token issued by the token operation is required"
                                if auth.kind == "issued-token" else "a Bearer token is required")
            return None
        if auth.kind == "header":
            value = (request.header(auth.name) or "").strip()
            if not value:
                return _problem(401, "Unauthorized", f"the {auth.name} header is required")
            if self.signature is not None and auth.name.lower() == "authorization" and value != self.signature:
                return _problem(401, "Unauthorized", "the request signature does not match the one configured")
        if auth.kind == "query" and auth.name not in parse_qs(request.query):
            return _problem(401, "Unauthorized", f"the {auth.name} query parameter is required")
        return None

    def expire_tokens(self) -> None:
        """Forget every issued token: the next request with one gets a 401."""
        with self._lock:
            self.tokens.clear()

    # -- validation ----------------------------------------------------------------
    def _validate(self, route: _Route, request: Recorded, path_params: dict[str, str]) -> list[dict[str, Any]]:
        from .lint import schema_errors

        errors: list[dict[str, Any]] = []
        query = parse_qs(request.query, keep_blank_values=True)
        for param in self._parameters(route):
            where, name = param.get("in"), str(param.get("name"))
            if where == "path":
                raw: str | None = path_params.get(name)
            elif where == "query":
                raw = query.get(name, [None])[-1]
            elif where == "header":
                raw = request.header(name)
            else:
                continue
            if raw is None:
                if param.get("required") or where == "path":
                    errors.append({"in": where, "name": name, "pointer": "", "message": "is required"})
                continue
            schema = param.get("schema") or {}
            value = _coerce(raw, self._resolve(route.path, schema))
            ptr = param["__ptr__"] + "/schema"
            for _where, message in schema_errors(self.spec_set, param["__file__"], ptr, value):
                errors.append({"in": where, "name": name, "pointer": "", "message": message})
        body_spec = route.op.get("requestBody")
        if isinstance(body_spec, dict) and "$ref" in body_spec:
            body_spec = self._resolve(route.path, body_spec)
        if isinstance(body_spec, dict) and body_spec.get("content"):
            media = next((m for m in body_spec["content"] if "json" in m), None)
            if media is None:
                return errors
            if not request.body:
                if body_spec.get("required"):
                    errors.append({"in": "body", "name": None, "pointer": "", "message": "a JSON body is required"})
                return errors
            try:
                body = json.loads(request.body)
            except ValueError as exc:
                errors.append({"in": "body", "name": None, "pointer": "", "message": f"is not JSON: {exc}"})
                return errors
            ptr = f"{route.op_ptr}/requestBody/content/{media.replace('~', '~0').replace('/', '~1')}/schema"
            for where, message in schema_errors(self.spec_set, route.path, ptr, body):
                field = split_pointer(where)[-1] if where else None
                errors.append({"in": "body", "name": field, "pointer": where, "message": message})
            if not errors:
                errors.extend(self._rules(route, media, body))
        return errors

    def _parameters(self, route: _Route) -> list[dict[str, Any]]:
        data = self.spec_set.doc(route.path).data
        item_ptr = route.op_ptr.rsplit("/", 1)[0]
        item = get_pointer(data, item_ptr)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for base, params in ((item_ptr, item.get("parameters")), (route.op_ptr, route.op.get("parameters"))):
            for i, param in enumerate(params or []):
                path, ptr, resolved = route.path, f"{base}/parameters/{i}", param
                if isinstance(param, dict) and "$ref" in param:
                    path, ptr_, resolved = self.spec_set.deref(route.path, param)
                    ptr = ptr_ or ptr
                if isinstance(resolved, dict):
                    found[(str(resolved.get("in")), str(resolved.get("name")))] = {**resolved, "__ptr__": ptr,
                                                                                  "__file__": path}
        return [p for p in found.values()
                if not (p.get("in") == "header" and str(p.get("name")).lower() in ("authorization", "content-type"))]

    def _rules(self, route: _Route, media: str, body: Any) -> list[dict[str, Any]]:
        schema = self._resolve(route.path, route.op["requestBody"]["content"][media].get("schema") or {})
        out = []
        for rule in schema.get("x-rules") or []:
            if rule.get("kind") != "max-interval" or not isinstance(body, dict):
                continue
            start, end = body.get(rule["start"]), body.get(rule["end"])
            if not isinstance(start, (int, float, str)) or not isinstance(end, (int, float, str)):
                continue
            try:
                span = int(end) - int(start)
            except ValueError:
                continue
            if not 0 <= span <= int(rule["max"]):
                out.append({"in": "body", "name": rule["end"], "pointer": "/" + rule["end"],
                            "message": str(rule.get("message") or f"must be within {rule['max']} of {rule['start']}")})
        return out

    def _resolve(self, path: str, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 50:
            path, _ptr, schema = self.spec_set.deref(path, schema)
            seen += 1
        return schema

    # -- responses -----------------------------------------------------------------
    def _respond(self, route: _Route, prefer: dict[str, str], n: int) -> _Reply:
        responses = route.op.get("responses") or {}
        wanted = prefer.get("status")
        status_key = wanted if wanted in responses else next((s for s in responses if str(s).startswith("2")), None)
        if wanted is not None and wanted not in responses:
            return _problem(400, "Undocumented status", f"status={wanted} is not documented for this operation")
        if status_key is None:
            return _Reply(204, b"", None)
        response = self._resolve(route.path, responses[status_key])
        status = int(status_key) if str(status_key).isdigit() else 200
        content = (response or {}).get("content") or {}
        media = next((m for m in content if "json" in m), None)
        if media is None:
            if status >= 400:
                return _problem(status, str(response.get("description") or "Error"), "documented response")
            return _Reply(status if status != 200 else 204, b"", None)
        media_obj = content[media]
        examples = media_obj.get("examples") or {}
        body: Any
        name = prefer.get("example")
        if name is not None:
            if name not in examples:
                return _problem(400, "Unknown example", f"example={name!r}; this response has {sorted(examples) or 'none'}")
            body = examples[name].get("value")
        elif "dynamic" not in prefer and examples:
            body = next(iter(examples.values())).get("value")
        elif "dynamic" not in prefer and "example" in media_obj:
            body = media_obj["example"]
        else:
            rng = random.Random(zlib.crc32(f"{self.seed}:{route.op.get('operationId')}:{n}".encode()))
            schema = media_obj.get("schema") or {}
            body = sample(schema, lambda s: self._resolve(route.path, s), rng)
            if route.business and status < 300:
                _set(body, route.business.get("code"), (route.business.get("success") or [None])[0])
        if route.issues_tokens is not None and isinstance(body, dict):
            token = f"mock-token-{next(self._token_counter)}-{self.seed}"
            with self._lock:
                self.tokens.add(token)
            body = dict(body)
            body[route.issues_tokens.token_field] = token
        if "code" in prefer and route.business:
            _set(body, route.business.get("code"), prefer["code"])
            if route.business.get("message"):
                _set(body, route.business.get("message"), f"code {prefer['code']} injected by the mock")
        return _Reply(status, json.dumps(body, ensure_ascii=False).encode("utf-8"), media)


def _alternate(url: str) -> list[str]:
    """"/a/{x}/b" -> ["/a/", "x", "/b"]: literal parts at even, parameters at odd indexes."""
    return re.split(r"\{([^}]+)\}", url)


def _last(pointer: Any) -> str:
    text = str(pointer or "")
    return split_pointer(text)[-1] if text.startswith("/") else text


def _set(body: Any, pointer: Any, value: Any) -> None:
    if not isinstance(body, dict) or not isinstance(pointer, str) or not pointer.startswith("/"):
        return
    tokens = split_pointer(pointer)
    node = body
    for token in tokens[:-1]:
        node = node.setdefault(token, {})
        if not isinstance(node, dict):
            return
    node[tokens[-1]] = value


def _coerce(raw: str, schema: Any) -> Any:
    """Parameters arrive as text; read them as the schema's type when they can be."""
    kind = first_type(schema) if isinstance(schema, dict) else None
    if kind == "integer" and re.fullmatch(r"-?[0-9]+", raw):
        return int(raw)
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def parse_prefer(header: str) -> dict[str, str]:
    """`Prefer: fault=429; retry-after=2, times=1` -> {"fault": "429", "retry-after": "2", "times": "1"}."""
    out: dict[str, str] = {}
    for part in re.split(r"[,;]", header):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition("=")
        out[key.strip().lower()] = value.strip().strip('"')
    return out


def _problem(status: int, title: str, detail: str, *, errors: list[dict[str, Any]] | None = None) -> _Reply:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return _Reply(status, json.dumps(body, ensure_ascii=False).encode("utf-8"), PROBLEM)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self._send(_problem(413, "Payload too large", f"bodies over {_MAX_BODY} bytes are refused"))
            return
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        recorded = Recorded(self.command, split.path, split.query, tuple(self.headers.items()), body, None)
        try:
            reply = self.server.mock.answer(recorded)
        except Exception as exc:  # a mock bug must not look like a network failure
            reply = _problem(500, "Mock server error", f"{exc.__class__.__name__}: {exc}")
        route, _params, _other = self.server.mock.match(self.command, split.path)
        self.server.record(Recorded(self.command, split.path, split.query, tuple(self.headers.items()), body,
                                    str(route.op.get("operationId")) if route else None))
        if reply.delay:
            time.sleep(reply.delay)
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        if reply.action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if reply.action == "close":
            self.close_connection = True
            return
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        length = len(reply.body) + (100 if reply.action == "truncated" else 0)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(reply.body)
        if reply.action == "truncated":
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, PROPFIND, ...): routed too, so it gets 405, not 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], mock: MockSpec, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.mock = mock
        self.verbose = verbose
        self.requests: deque[Recorded] = deque(maxlen=10_000)

    def record(self, request: Recorded) -> None:
        self.requests.append(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up is not news


@dataclass
class MockServer:
    """The mock as a context manager, for tests: `with MockServer(["specs"]) as mock: mock.url`."""

    specs: list[str]
    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 0
    verbose: bool = False
    signature: str | None = None
    _server: _Server | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def start(self) -> MockServer:
        spec_set = load_spec_set(self.specs)
        if spec_set.findings:
            raise AiccgenError(spec_set.findings)
        self._server = _Server((self.host, self.port), MockSpec(spec_set, self.seed, self.signature), self.verbose)
        self._thread = threading.Thread(target=self._server.serve_forever, name="aiccgen-mock", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def mock(self) -> MockSpec:
        assert self._server is not None
        return self._server.mock

    @property
    def requests(self) -> list[Recorded]:
        assert self._server is not None
        return list(self._server.requests)

    def requests_for(self, operation_id: str) -> list[Recorded]:
        return [r for r in self.requests if r.operation_id == operation_id]

    def serve_forever(self) -> None:
        """Block serving requests (the CLI); Ctrl-C returns."""
        assert self._server is not None and self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()


def iter_route_summaries(spec: MockSpec) -> Iterator[str]:
    for route in spec.routes:
        yield f"{route.method:6} {route.template}  ({route.op.get('operationId')})"
