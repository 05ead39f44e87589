"""The HTTP clients the generated family clients delegate every call to.

``SyncAPIClient`` and ``AsyncAPIClient`` run one pipeline per call: validate the request
(no I/O before it passes), build the URL and JSON body, add fixed, default, parameter and
credential headers, authenticate, send with the retry policy, map failures to the
exceptions in ``_errors``, decode the 2xx body into the operation's response struct,
check the business code, and return the struct. ``paginate`` drives that pipeline page by
page (and window by window for time ranges longer than an operation allows).

The retry policy has one rule that outranks every default: an operation with
``retry_safe=False`` (createCall dials a customer) is never resent once the request may
have reached the server; only a failure to connect at all, or a 401 (the request was not
processed) followed by a fresh token, leads to a second send.

Response bodies are read as a stream and never kept beyond ``max_response_bytes``
(``DEFAULT_MAX_RESPONSE_BYTES``, 10 MiB, by default; each documented response is a few KB):
a larger or endless body raises ``ResponseTooLargeError`` with bounded memory.

Everything logged or raised is redacted: URLs, excerpts and messages go through
``_redact``; headers are never logged; bodies only at DEBUG, with sensitive fields
masked.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Self
from urllib.parse import quote

import httpx
import msgspec
import msgspec.inspect as mi

from ._auth import Auth, BearerTokenAuth
from ._business import check_business
from ._descriptors import Operation, ServerTemplate
from ._errors import (
    AiccError,
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    HTTPStatusError,
    RateLimitError,
    RequestOutcomeUnknownError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseTooLargeError,
    status_error_class,
)
from ._models import wire_name
from ._pagination import next_page, page_items, page_total, split_windows, to_epoch_ms
from ._redact import (
    MASK,
    Secret,
    body_excerpt,
    header_secrets,
    is_sensitive_name,
    redact_text,
    redact_url,
)
from ._retry import is_retryable_status, parse_retry_after, retry_delay
from ._validation import int_like, preview, validate_request

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "AsyncAPIClient",
    "SyncAPIClient",
]


def _package_name(module: str) -> str:
    parts = module.split(".")[:-1]
    if parts and parts[-1] == "_runtime":
        parts = parts[:-1]
    return ".".join(parts) or module


#: The logger name: the generated package (``aicc_client``) once copied there.
PACKAGE = _package_name(__name__)
#: Always on: 60 s overall per phase, 5 s to connect.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
#: The largest response body a client reads (decoded bytes), unless ``max_response_bytes``
#: says otherwise. The documented responses are a few KB (a page of 100 call records is
#: about 45 KB); anything near this size is a misbehaving server or gateway.
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
#: Fields masked in logged bodies whatever the operation says.
ALWAYS_SENSITIVE = frozenset({"app_secret", "AccessToken"})
_LOG_BODY_LIMIT = 2000
_DEFAULT_PAGE_SIZE = 100

# Failures that happen before any byte of the request can have been sent.
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
)


_ssl_lock = threading.Lock()
_ssl_context: ssl.SSLContext | None = None


def default_ssl_context() -> ssl.SSLContext:
    """The TLS context of the HTTP clients the runtime creates, built once per process:
    loading the CA bundle costs about 50 ms, which every client would otherwise pay."""
    global _ssl_context
    with _ssl_lock:
        if _ssl_context is None:
            _ssl_context = httpx.create_ssl_context()
        return _ssl_context


def _check_timeout(timeout: object, *, what: str = "timeout") -> httpx.Timeout:
    if timeout is None:
        raise ConfigurationError(
            f"{what}=None would let a request hang forever; pass seconds or an httpx.Timeout "
            f"(the default is {DEFAULT_TIMEOUT!r})"
        )
    if isinstance(timeout, httpx.Timeout):
        parts = (timeout.connect, timeout.read, timeout.write, timeout.pool)
        if any(p is None for p in parts):
            raise ConfigurationError(
                f"{what} must set connect, read, write and pool timeouts"
            )
        return timeout
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not timeout > 0
    ):
        raise ConfigurationError(
            f"{what} must be a positive number of seconds, got {timeout!r}"
        )
    return httpx.Timeout(float(timeout))


def _check_max_response_bytes(value: object) -> int:
    if value is None:
        return DEFAULT_MAX_RESPONSE_BYTES
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(
            f"max_response_bytes must be a positive number of bytes, got {value!r} "
            f"(the default is {DEFAULT_MAX_RESPONSE_BYTES})"
        )
    return value


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def _keep(response: httpx.Response, chunks: list[bytes]) -> None:
    # What httpx's own ``Response.read()`` does once the stream is consumed; the body was
    # read here instead, chunk by chunk, to stop at the size limit.
    response._content = b"".join(chunks)


def _query_value(value: object) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, list | tuple):
        return [v for item in value for v in _query_value(item)]
    return [str(value)]


def _mask_document(document: Any, fields: frozenset[str]) -> Any:
    if isinstance(document, dict):
        return {
            key: (
                MASK
                if value is not None and (key in fields or is_sensitive_name(key))
                else _mask_document(value, fields)
            )
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [_mask_document(item, fields) for item in document]
    return document


class _Prepared(msgspec.Struct, frozen=True):
    """One call, validated and ready to be built into a request for each attempt."""

    operation: Operation
    method: str
    url: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    content: bytes | None
    timeout: httpx.Timeout


class _Retry(msgspec.Struct, frozen=True):
    delay: float
    reason: str


class _PagePlan(msgspec.Struct):
    """A validated pagination run: the base body and how each page's body differs."""

    operation: Operation
    params: Any
    body: dict[str, Any]
    limit: int
    first_offset: int
    windows: Iterator[tuple[int, int]] | None
    window_as_str: tuple[bool, bool]

    def page_body(self, window: tuple[int, int] | None, offset: int) -> dict[str, Any]:
        pg = self.operation.pagination
        assert pg is not None
        body = dict(self.body)
        if window is not None and pg.window is not None:
            for name, value, as_str in zip(
                pg.window, window, self.window_as_str, strict=True
            ):
                body[name] = str(value) if as_str else value
        body[pg.offset_field] = str(offset) if pg.as_string else offset
        body[pg.limit_field] = str(self.limit) if pg.as_string else self.limit
        return body


class _BaseClient:
    """Configuration and every decision that does not depend on sync or async I/O."""

    def __init__(
        self,
        *,
        server: ServerTemplate,
        base_url: str | None,
        server_variables: Mapping[str, str | None] | None,
        auth: Auth | None,
        credentials: Mapping[str, str | Secret] | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        logger: logging.Logger | None,
        max_response_bytes: int | None = None,
    ) -> None:
        self.base_url = server.resolve(base_url, server_variables)
        self.timeout = _check_timeout(timeout)
        #: Response bodies larger than this many bytes raise ``ResponseTooLargeError``.
        self.max_response_bytes = _check_max_response_bytes(max_response_bytes)
        if (
            isinstance(max_retries, bool)
            or not isinstance(max_retries, int)
            or max_retries < 0
        ):
            raise ConfigurationError(
                f"max_retries must be an integer >= 0, got {max_retries!r}"
            )
        self.max_retries = max_retries
        if auth is not None and not isinstance(auth, Auth):
            raise ConfigurationError(
                f"auth must be an Auth object, got {type(auth).__name__}"
            )
        self.auth = auth
        self._credentials = {k: Secret(v) for k, v in (credentials or {}).items() if v}
        for name, value in (default_headers or {}).items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise ConfigurationError("default_headers must map str to str")
        self._default_headers = tuple((default_headers or {}).items())
        self.logger = logger or logging.getLogger(PACKAGE)
        self._jitter: Callable[[], float] = random.random
        self._user_agent = f"{PACKAGE} (python; httpx {httpx.__version__})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={redact_url(self.base_url)!r}, "
            f"auth={self.auth!r}, max_retries={self.max_retries})"
        )

    # ------------------------------------------------------------ redaction

    def _secrets(self, request: httpx.Request | None = None) -> tuple[str, ...]:
        """Values to mask: credentials, the auth's secrets and, given the request a text
        is about, the credentials in its headers (a signer's Authorization value is known
        only there, and servers quote it back in error pages)."""
        values = [v.get() for k, v in self._credentials.items() if is_sensitive_name(k)]
        if self.auth is not None:
            values.extend(self.auth.secrets())
        if request is not None:
            values.extend(header_secrets(request.headers))
        return tuple(values)

    def _show_url(self, url: object) -> str:
        return redact_text(redact_url(url), self._secrets())

    def _log_body(
        self,
        label: str,
        operation: str,
        content: bytes | None,
        fields: frozenset[str],
        request: httpx.Request | None = None,
    ) -> None:
        if not content or not self.logger.isEnabledFor(logging.DEBUG):
            return
        all_fields = ALWAYS_SENSITIVE | fields
        try:
            shown = msgspec.json.encode(
                _mask_document(msgspec.json.decode(content), all_fields)
            )
        except (msgspec.DecodeError, msgspec.EncodeError):
            shown = content
        text = body_excerpt(
            shown, self._secrets(request), fields=all_fields, limit=_LOG_BODY_LIMIT
        )
        self.logger.debug(
            "%s %s: %s", operation, label, text, extra={"aicc_operation": operation}
        )

    def _log_attempt(
        self,
        operation: str,
        request: httpx.Request,
        attempt: int,
        started: float,
        outcome: str,
    ) -> None:
        if not self.logger.isEnabledFor(logging.DEBUG):
            return
        elapsed = (time.perf_counter() - started) * 1000.0
        self.logger.debug(
            "%s: %s %s -> %s in %.0f ms (attempt %d)",
            operation,
            request.method,
            self._show_url(request.url),
            outcome,
            elapsed,
            attempt,
            extra={
                "aicc_operation": operation,
                "aicc_attempt": attempt,
                "aicc_elapsed_ms": elapsed,
            },
        )

    def _log_retry(self, operation: str, retry: _Retry, number: int) -> None:
        self.logger.warning(
            "%s: %s; retrying in %.2f s (retry %d of %d)",
            operation,
            retry.reason,
            retry.delay,
            number,
            self.max_retries,
            extra={
                "aicc_operation": operation,
                "aicc_retry": number,
                "aicc_delay": retry.delay,
            },
        )

    # ------------------------------------------------------------ preparing a call

    def _prepare(
        self,
        operation: Operation,
        params: Mapping[str, Any] | msgspec.Struct | None,
        body: Mapping[str, Any] | msgspec.Struct | None,
        extra_headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | None,
    ) -> _Prepared:
        params_struct, body_struct = validate_request(operation, params, body)
        op_id = operation.operation_id
        if operation.requires_auth and self.auth is None:
            raise ConfigurationError(
                f"{op_id} needs authentication; create the client with credentials "
                "(or auth=/signer=, as the family client documents)"
            )
        wire: dict[str, Any] = (
            dict(msgspec.to_builtins(params_struct))
            if params_struct is not None
            else {}
        )
        path = operation.path
        query: list[tuple[str, str]] = []
        param_headers: list[tuple[str, str]] = []
        for name, value in wire.items():
            if value is None:
                continue
            location = operation.param_locations.get(name)
            if location == "path":
                text = str(value)
                if not text:
                    raise RequestValidationError(
                        f"{op_id}: path parameter {name} must not be empty",
                        operation=op_id,
                        field=name,
                        wire_field=name,
                        constraint="minLength",
                        limit=1,
                        value=value,
                    )
                quoted = quote(text, safe="")
                if quoted in (".", ".."):
                    quoted = quoted.replace(".", "%2E")
                path = path.replace("{" + name + "}", quoted)
            elif location == "query":
                query.extend((name, v) for v in _query_value(value))
            elif location == "header":
                param_headers.append((name, ",".join(_query_value(value))))
            else:
                raise ConfigurationError(
                    f"{op_id}: parameter {name} has no location ({location!r})"
                )
        if "{" in path:
            missing = (
                path[path.index("{") + 1 : path.index("}")] if "}" in path else path
            )
            raise RequestValidationError(
                f"{op_id}: path parameter {missing} is required",
                operation=op_id,
                field=missing,
                wire_field=missing,
                constraint="required",
            )
        content = msgspec.json.encode(body_struct) if body_struct is not None else None
        headers = httpx.Headers(
            {"Accept": "application/json", "User-Agent": self._user_agent}
        )
        if content is not None:
            headers["Content-Type"] = "application/json"
        for group in (
            operation.fixed_headers.items(),
            self._default_headers,
            param_headers,
        ):
            for name, value in group:
                headers[name] = value
        for header, credential in operation.credential_headers.items():
            if header not in headers and credential in self._credentials:
                headers[header] = self._credentials[credential].get()
        for name, value in (extra_headers or {}).items():
            headers[name] = value
        return _Prepared(
            operation=operation,
            method=operation.method.upper(),
            url=self.base_url + path,
            query=tuple(query),
            headers=tuple(headers.multi_items()),
            content=content,
            timeout=self.timeout if timeout is None else _check_timeout(timeout),
        )

    # ------------------------------------------------------------ deciding after an attempt

    def _after_exception(
        self,
        exc: httpx.HTTPError,
        operation: str,
        retry_safe: bool,
        request: httpx.Request,
        retries: int,
    ) -> _Retry | AiccError:
        """A retry, or the error to raise, after ``exc`` ended an attempt."""
        timed_out = isinstance(exc, httpx.TimeoutException)
        kind = type(exc).__name__
        detail = redact_text(str(exc), self._secrets(request)) or kind
        method, url = request.method, request.url
        shown = self._show_url(url)
        if isinstance(exc, httpx.UnsupportedProtocol):
            return ConfigurationError(f"{operation}: {detail} ({shown})")
        not_sent = isinstance(exc, _NOT_SENT)
        if not not_sent and not retry_safe:
            return RequestOutcomeUnknownError(
                f"{operation}: {kind} ({detail}) after the request to {method} {shown} may have "
                f"reached the server. It was NOT resent, because {operation} is not safe to "
                "repeat (a second send could, for example, dial the customer again). Check the "
                "state on the server (for a call: query the call state or the call records) "
                "before trying again.",
                operation=operation,
                method=method,
                url=url,
                timed_out=timed_out,
            )
        retryable = not isinstance(
            exc, httpx.LocalProtocolError | httpx.TooManyRedirects
        )
        if retryable and retries < self.max_retries:
            what = "could not connect" if not_sent else "connection failed"
            return _Retry(
                retry_delay(retries + 1, jitter=self._jitter()),
                f"{what} ({kind}: {detail})",
            )
        cls = APITimeoutError if timed_out else APIConnectionError
        attempts = retries + 1
        if not_sent:
            text = f"{operation}: could not connect to {shown} ({kind}: {detail})"
        else:
            text = f"{operation}: {method} {shown} failed before a complete response arrived ({kind}: {detail})"
        return cls(
            f"{text}; gave up after {attempts} attempt{'s' if attempts > 1 else ''}",
            operation=operation,
            method=method,
            url=url,
            may_have_reached_server=not not_sent,
        )

    def _after_status(
        self, response: httpx.Response, operation: str, retry_safe: bool, retries: int
    ) -> _Retry | None:
        """A retry after a non-2xx status, or None to stop and report it."""
        status = response.status_code
        if (
            not retry_safe
            or not is_retryable_status(status)
            or retries >= self.max_retries
        ):
            return None
        delay = retry_delay(retries + 1, response.headers, jitter=self._jitter())
        return _Retry(delay, f"HTTP {status} {response.reason_phrase}".rstrip())

    def _too_large(
        self,
        operation: str,
        retry_safe: bool,
        request: httpx.Request,
        response: httpx.Response,
        received: int,
        declared: int | None,
    ) -> ResponseTooLargeError:
        limit = self.max_response_bytes
        size = (
            f"announces {declared} bytes"
            if declared is not None and received <= limit
            else f"went past it ({received} bytes read)"
        )
        text = (
            f"{operation}: the HTTP {response.status_code} response from {request.method} "
            f"{self._show_url(request.url)} is larger than the client's limit of {limit} bytes "
            f"(max_response_bytes): the body {size}; reading stopped there"
        )
        if not retry_safe:
            text += (
                f". {operation} was not resent; its outcome is unknown, so check the state "
                "on the server before trying again"
            )
        return ResponseTooLargeError(
            text,
            operation=operation,
            method=request.method,
            url=request.url,
            status_code=response.status_code,
            limit=limit,
            received=received,
            declared=declared,
        )

    def _status_error(
        self,
        operation: Operation | str,
        request: httpx.Request,
        response: httpx.Response,
        note: str = "",
    ) -> HTTPStatusError:
        op_id = operation if isinstance(operation, str) else operation.operation_id
        fields = (
            frozenset() if isinstance(operation, str) else operation.sensitive_fields
        )
        status = response.status_code
        excerpt = body_excerpt(
            response.content, self._secrets(request), fields=ALWAYS_SENSITIVE | fields
        )
        text = f"{op_id}: HTTP {status} {response.reason_phrase} from {request.method} {self._show_url(request.url)}"
        text += note
        if excerpt:
            text += f": {excerpt[:200]}"
        cls = status_error_class(status)
        common: dict[str, Any] = {
            "operation": op_id,
            "method": request.method,
            "url": request.url,
            "status_code": status,
            "headers": response.headers,
            "body_excerpt": excerpt,
        }
        if cls is RateLimitError:
            return RateLimitError(
                text, retry_after=parse_retry_after(response.headers), **common
            )
        return cls(text, **common)

    def _finish(
        self,
        prepared: _Prepared,
        request: httpx.Request,
        response: httpx.Response,
        accept: frozenset[str],
    ) -> tuple[Any, bool]:
        """Decode a final response: ``(object, True)``, ``(object, False)`` for a code in
        ``accept``, or an exception."""
        op = prepared.operation
        if not response.is_success:
            note = (
                " (a fresh token was refused too)"
                if response.status_code == 401 and self._refreshable()
                else ""
            )
            raise self._status_error(op, request, response, note)
        self._log_body(
            "response body",
            op.operation_id,
            response.content,
            op.sensitive_fields,
            request,
        )
        if op.response_type is None:
            return None, True
        content = response.content
        detail: str | None = None
        result: Any = None
        if not content.strip():
            detail = "the body is empty"
        else:
            try:
                result = msgspec.json.decode(content, type=op.response_type)
            except msgspec.ValidationError as exc:
                detail = f"the body does not match the documented schema: {exc}"
            except msgspec.DecodeError as exc:
                ctype = response.headers.get("content-type", "")
                if "html" in ctype.lower() or content.lstrip()[:1] == b"<":
                    detail = f"expected JSON, got an HTML page (content-type {ctype or 'missing'})"
                else:
                    detail = f"the body is not valid JSON: {exc}"
        if detail is not None:
            secrets = self._secrets(request)
            fields = ALWAYS_SENSITIVE | op.sensitive_fields
            detail = redact_text(detail, secrets, fields=fields)
            excerpt = body_excerpt(content, secrets, fields=fields)
            raise ResponseDecodeError(
                f"{op.operation_id}: cannot read the HTTP {response.status_code} response from "
                f"{request.method} {self._show_url(request.url)}: {detail}",
                operation=op.operation_id,
                method=request.method,
                url=request.url,
                status_code=response.status_code,
                detail=detail,
                body_excerpt=excerpt,
            )
        ok = check_business(
            op,
            result,
            method=request.method,
            url=request.url,
            accept=accept,
            secrets=self._secrets(request),
        )
        return result, ok

    def _refreshable(self) -> bool:
        return isinstance(self.auth, BearerTokenAuth)

    def _build(
        self, http: httpx.Client | httpx.AsyncClient, prepared: _Prepared
    ) -> httpx.Request:
        return http.build_request(
            prepared.method,
            prepared.url,
            params=list(prepared.query) or None,
            headers=list(prepared.headers),
            content=prepared.content,
            timeout=prepared.timeout,
        )

    # ------------------------------------------------------------ pagination plan

    def _plan_pages(
        self,
        operation: Operation,
        params: Mapping[str, Any] | msgspec.Struct | None,
        body: Mapping[str, Any] | msgspec.Struct | None,
        page_size: int | None,
    ) -> _PagePlan:
        pg = operation.pagination
        op_id = operation.operation_id
        if pg is None:
            raise ConfigurationError(f"{op_id} is not paginated")
        if isinstance(body, msgspec.Struct):
            base: dict[str, Any] = dict(msgspec.to_builtins(body))
        else:
            base = {k: v for k, v in (body or {}).items() if v is not None}
        limit = page_size
        if limit is None:
            limit = (
                int_like(base.get(pg.limit_field))
                or pg.default_limit
                or _DEFAULT_PAGE_SIZE
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise RequestValidationError(
                f"{op_id}: page_size must be a positive integer, got {preview(limit)}",
                operation=op_id,
                field="page_size",
                wire_field=pg.limit_field,
                constraint="minimum",
                limit=1,
                value=limit,
            )
        first_offset = int_like(base.get(pg.offset_field)) or 0
        windows: Iterator[tuple[int, int]] | None = None
        as_str = (True, True)
        if pg.window is not None and all(base.get(n) is not None for n in pg.window):
            start_name, end_name = pg.window
            start = self._epoch(operation, base[start_name], start_name)
            end = self._epoch(operation, base[end_name], end_name)
            as_str = (
                self._is_str_field(operation, start_name, base[start_name]),
                self._is_str_field(operation, end_name, base[end_name]),
            )
            if end < start:
                raise RequestValidationError(
                    f"{op_id}: {pg.window[1]} ({end}) is before {pg.window[0]} ({start})",
                    operation=op_id,
                    field=self._python_name(operation, pg.window[1]),
                    wire_field=pg.window[1],
                    constraint="max-interval",
                    limit=pg.max_interval,
                    value=end - start,
                )
            step = pg.max_interval if pg.max_interval is not None else end - start
            windows = split_windows(start, end, step)
        plan = _PagePlan(operation, params, base, limit, first_offset, windows, as_str)
        # Fail now, before any I/O, if the first page's request is invalid.
        first = None
        if windows is not None:
            first = next(windows)
            plan.windows = _prepend(first, windows)
        validate_request(operation, params, plan.page_body(first, first_offset))
        return plan

    def _epoch(self, operation: Operation, value: Any, wire: str) -> int:
        try:
            return to_epoch_ms(value)
        except (ValueError, TypeError) as exc:
            raise RequestValidationError(
                f"{operation.operation_id}: {self._python_name(operation, wire)} ({wire}): {exc}",
                operation=operation.operation_id,
                field=self._python_name(operation, wire),
                wire_field=wire,
                constraint="type",
                limit="epoch milliseconds or an aware datetime",
                value=value,
            ) from None

    @staticmethod
    def _python_name(operation: Operation, wire: str) -> str:
        struct = operation.request_type
        if struct is not None:
            for field in getattr(struct, "__struct_fields__", ()):
                if wire_name(struct, field) == wire:
                    return str(field)
        return wire

    @staticmethod
    def _is_str_field(operation: Operation, wire: str, given: object) -> bool:
        struct = operation.request_type
        if struct is not None:
            info = mi.type_info(struct)
            if isinstance(info, mi.StructType):
                for field in info.fields:
                    if field.encode_name == wire:
                        types = (
                            field.type.types
                            if isinstance(field.type, mi.UnionType)
                            else (field.type,)
                        )
                        if any(isinstance(t, mi.StrType) for t in types):
                            return True
                        if any(isinstance(t, mi.IntType) for t in types):
                            return False
        return isinstance(given, str)

    def _log_repeated_page(self, operation: str, offset: int) -> None:
        self.logger.warning(
            "%s: the page at offset %d repeats the previous page; the server seems to "
            "ignore the offset, so iteration stops here",
            operation,
            offset,
            extra={"aicc_operation": operation},
        )


def _prepend(
    first: tuple[int, int], rest: Iterator[tuple[int, int]]
) -> Iterator[tuple[int, int]]:
    yield first
    yield from rest


class SyncAPIClient(_BaseClient):
    """Blocking client over ``httpx.Client``. Thread-safe; use as a context manager or
    call ``close()`` (an ``http_client`` you pass in is yours to close)."""

    def __init__(
        self,
        *,
        server: ServerTemplate,
        base_url: str | None = None,
        server_variables: Mapping[str, str | None] | None = None,
        auth: Auth | None = None,
        credentials: Mapping[str, str | Secret] | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_response_bytes: int | None = None,
    ) -> None:
        super().__init__(
            server=server,
            base_url=base_url,
            server_variables=server_variables,
            auth=auth,
            credentials=credentials,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            logger=logger,
            max_response_bytes=max_response_bytes,
        )
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                "http_client must be an httpx.Client (use AsyncAPIClient for AsyncClient)"
            )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            timeout=self.timeout, follow_redirects=False, verify=default_ssl_context()
        )
        self._sleep = sleep
        self._transport = _SyncTokenTransport(self)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(
        self,
        operation: Operation,
        *,
        params: Mapping[str, Any] | msgspec.Struct | None = None,
        body: Mapping[str, Any] | msgspec.Struct | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> Any:
        """Run ``operation`` and return its decoded response (see the module docstring)."""
        prepared = self._prepare(operation, params, body, extra_headers, timeout)
        result, _ok = self._call(prepared, frozenset())
        return result

    def paginate(
        self,
        operation: Operation,
        *,
        params: Mapping[str, Any] | msgspec.Struct | None = None,
        body: Mapping[str, Any] | msgspec.Struct | None = None,
        page_size: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> Iterator[Any]:
        """Every item of every page (and window), in order. The request is validated
        now; pages are fetched as the iterator is consumed."""
        plan = self._plan_pages(operation, params, body, page_size)
        return self._pages(plan, extra_headers, timeout)

    def _pages(
        self,
        plan: _PagePlan,
        extra_headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | None,
    ) -> Iterator[Any]:
        pg = plan.operation.pagination
        assert pg is not None
        windows: Iterator[tuple[int, int] | None] = (
            plan.windows if plan.windows is not None else iter([None])
        )
        offset = plan.first_offset
        previous: list[Any] | None = None
        for window in windows:
            while True:
                prepared = self._prepare(
                    plan.operation,
                    plan.params,
                    plan.page_body(window, offset),
                    extra_headers,
                    timeout,
                )
                result, ok = self._call(prepared, pg.empty_codes)
                if not ok:
                    break
                items = page_items(result, pg.items_path)
                if items and items == previous:
                    # A server that ignores the offset would page forever.
                    self._log_repeated_page(plan.operation.operation_id, offset)
                    break
                previous = items
                yield from items
                step = next_page(
                    offset, plan.limit, len(items), page_total(result, pg.total_path)
                )
                if step.done:
                    break
                offset = step.offset
            offset = 0

    def _call(self, prepared: _Prepared, accept: frozenset[str]) -> tuple[Any, bool]:
        op = prepared.operation
        self._log_body(
            "request body", op.operation_id, prepared.content, op.sensitive_fields
        )
        request, response = self._send(
            op.operation_id,
            op.retry_safe,
            lambda: self._build(self._http, prepared),
            authorize=True,
        )
        return self._finish(prepared, request, response, accept)

    def _send(
        self,
        operation: str,
        retry_safe: bool,
        build: Callable[[], httpx.Request],
        *,
        authorize: bool,
    ) -> tuple[httpx.Request, httpx.Response]:
        retries = 0
        attempt = 0
        reauthorized = False
        while True:
            request = build()
            if authorize and self.auth is not None:
                self.auth.apply(request, self._transport)
            attempt += 1
            started = time.perf_counter()
            try:
                response = self._http.send(request, stream=True)
                try:
                    self._read_limited(response, operation, retry_safe, request)
                finally:
                    response.close()
            except httpx.HTTPError as exc:
                self._log_attempt(
                    operation, request, attempt, started, type(exc).__name__
                )
                decision = self._after_exception(
                    exc, operation, retry_safe, request, retries
                )
                if isinstance(decision, _Retry):
                    retries += 1
                    self._log_retry(operation, decision, retries)
                    self._sleep(decision.delay)
                    continue
                raise decision from exc
            self._log_attempt(
                operation, request, attempt, started, f"HTTP {response.status_code}"
            )
            if (
                response.status_code == 401
                and authorize
                and self.auth is not None
                and not reauthorized
                and self.auth.on_unauthorized(request)
            ):
                reauthorized = True
                self.logger.warning(
                    "%s: HTTP 401; resending once with fresh credentials",
                    operation,
                    extra={"aicc_operation": operation},
                )
                continue
            retry = self._after_status(response, operation, retry_safe, retries)
            if retry is not None:
                retries += 1
                self._log_retry(operation, retry, retries)
                self._sleep(retry.delay)
                continue
            return request, response

    def _read_limited(
        self,
        response: httpx.Response,
        operation: str,
        retry_safe: bool,
        request: httpx.Request,
    ) -> None:
        """Read the body, raising ``ResponseTooLargeError`` past ``max_response_bytes``."""
        limit = self.max_response_bytes
        declared = _declared_length(response)
        if declared is not None and declared > limit:
            raise self._too_large(operation, retry_safe, request, response, 0, declared)
        chunks: list[bytes] = []
        received = 0
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > limit:
                raise self._too_large(
                    operation, retry_safe, request, response, received, declared
                )
            chunks.append(chunk)
        _keep(response, chunks)


class _SyncTokenTransport:
    """The client's transport as lent to ``Auth.apply`` for token requests."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    @property
    def base_url(self) -> str:
        return self._client.base_url

    def send(self, request: httpx.Request, *, operation: str) -> httpx.Response:
        client = self._client
        request.extensions.setdefault("timeout", client.timeout.as_dict())
        client._log_body("request body", operation, request.content, frozenset())
        _req, response = client._send(operation, True, lambda: request, authorize=False)
        client._log_body(
            "response body", operation, response.content, frozenset(), request
        )
        return response


async def _asyncio_sleep(seconds: float) -> None:
    # asyncio is imported on first use: importing it with the client added ~35 ms for
    # every user, sync ones included (docs/performance.md).
    import asyncio

    await asyncio.sleep(seconds)


class AsyncAPIClient(_BaseClient):
    """Asynchronous client over ``httpx.AsyncClient`` (asyncio). Use ``async with`` or
    ``await close()`` (an ``http_client`` you pass in is yours to close)."""

    def __init__(
        self,
        *,
        server: ServerTemplate,
        base_url: str | None = None,
        server_variables: Mapping[str, str | None] | None = None,
        auth: Auth | None = None,
        credentials: Mapping[str, str | Secret] | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        max_response_bytes: int | None = None,
    ) -> None:
        super().__init__(
            server=server,
            base_url=base_url,
            server_variables=server_variables,
            auth=auth,
            credentials=credentials,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            logger=logger,
            max_response_bytes=max_response_bytes,
        )
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise ConfigurationError(
                "http_client must be an httpx.AsyncClient (use SyncAPIClient for Client)"
            )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=self.timeout, follow_redirects=False, verify=default_ssl_context()
        )
        self._sleep = sleep if sleep is not None else _asyncio_sleep
        self._transport = _AsyncTokenTransport(self)

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def request(
        self,
        operation: Operation,
        *,
        params: Mapping[str, Any] | msgspec.Struct | None = None,
        body: Mapping[str, Any] | msgspec.Struct | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> Any:
        """Run ``operation`` and return its decoded response (see the module docstring)."""
        prepared = self._prepare(operation, params, body, extra_headers, timeout)
        result, _ok = await self._call(prepared, frozenset())
        return result

    def paginate(
        self,
        operation: Operation,
        *,
        params: Mapping[str, Any] | msgspec.Struct | None = None,
        body: Mapping[str, Any] | msgspec.Struct | None = None,
        page_size: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> AsyncIterator[Any]:
        """Every item of every page (and window), in order: ``async for item in ...``.
        The request is validated now; pages are fetched as the iterator is consumed."""
        plan = self._plan_pages(operation, params, body, page_size)
        return self._pages(plan, extra_headers, timeout)

    async def _pages(
        self,
        plan: _PagePlan,
        extra_headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | None,
    ) -> AsyncIterator[Any]:
        pg = plan.operation.pagination
        assert pg is not None
        windows: Iterator[tuple[int, int] | None] = (
            plan.windows if plan.windows is not None else iter([None])
        )
        offset = plan.first_offset
        previous: list[Any] | None = None
        for window in windows:
            while True:
                prepared = self._prepare(
                    plan.operation,
                    plan.params,
                    plan.page_body(window, offset),
                    extra_headers,
                    timeout,
                )
                result, ok = await self._call(prepared, pg.empty_codes)
                if not ok:
                    break
                items = page_items(result, pg.items_path)
                if items and items == previous:
                    # A server that ignores the offset would page forever.
                    self._log_repeated_page(plan.operation.operation_id, offset)
                    break
                previous = items
                for item in items:
                    yield item
                step = next_page(
                    offset, plan.limit, len(items), page_total(result, pg.total_path)
                )
                if step.done:
                    break
                offset = step.offset
            offset = 0

    async def _call(
        self, prepared: _Prepared, accept: frozenset[str]
    ) -> tuple[Any, bool]:
        op = prepared.operation
        self._log_body(
            "request body", op.operation_id, prepared.content, op.sensitive_fields
        )
        request, response = await self._send(
            op.operation_id,
            op.retry_safe,
            lambda: self._build(self._http, prepared),
            authorize=True,
        )
        return self._finish(prepared, request, response, accept)

    async def _send(
        self,
        operation: str,
        retry_safe: bool,
        build: Callable[[], httpx.Request],
        *,
        authorize: bool,
    ) -> tuple[httpx.Request, httpx.Response]:
        retries = 0
        attempt = 0
        reauthorized = False
        while True:
            request = build()
            if authorize and self.auth is not None:
                await self.auth.async_apply(request, self._transport)
            attempt += 1
            started = time.perf_counter()
            try:
                response = await self._http.send(request, stream=True)
                try:
                    await self._read_limited(response, operation, retry_safe, request)
                finally:
                    await response.aclose()
            except httpx.HTTPError as exc:
                self._log_attempt(
                    operation, request, attempt, started, type(exc).__name__
                )
                decision = self._after_exception(
                    exc, operation, retry_safe, request, retries
                )
                if isinstance(decision, _Retry):
                    retries += 1
                    self._log_retry(operation, decision, retries)
                    await self._sleep(decision.delay)
                    continue
                raise decision from exc
            self._log_attempt(
                operation, request, attempt, started, f"HTTP {response.status_code}"
            )
            if (
                response.status_code == 401
                and authorize
                and self.auth is not None
                and not reauthorized
                and self.auth.on_unauthorized(request)
            ):
                reauthorized = True
                self.logger.warning(
                    "%s: HTTP 401; resending once with fresh credentials",
                    operation,
                    extra={"aicc_operation": operation},
                )
                continue
            retry = self._after_status(response, operation, retry_safe, retries)
            if retry is not None:
                retries += 1
                self._log_retry(operation, retry, retries)
                await self._sleep(retry.delay)
                continue
            return request, response

    async def _read_limited(
        self,
        response: httpx.Response,
        operation: str,
        retry_safe: bool,
        request: httpx.Request,
    ) -> None:
        """Read the body, raising ``ResponseTooLargeError`` past ``max_response_bytes``."""
        limit = self.max_response_bytes
        declared = _declared_length(response)
        if declared is not None and declared > limit:
            raise self._too_large(operation, retry_safe, request, response, 0, declared)
        chunks: list[bytes] = []
        received = 0
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > limit:
                raise self._too_large(
                    operation, retry_safe, request, response, received, declared
                )
            chunks.append(chunk)
        _keep(response, chunks)


class _AsyncTokenTransport:
    """The async client's transport as lent to ``Auth.async_apply``."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    @property
    def base_url(self) -> str:
        return self._client.base_url

    async def send(self, request: httpx.Request, *, operation: str) -> httpx.Response:
        client = self._client
        request.extensions.setdefault("timeout", client.timeout.as_dict())
        client._log_body("request body", operation, request.content, frozenset())
        _req, response = await client._send(
            operation, True, lambda: request, authorize=False
        )
        client._log_body(
            "response body", operation, response.content, frozenset(), request
        )
        return response
