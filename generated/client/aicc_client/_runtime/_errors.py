"""The exceptions a caller of the generated client can catch, one class per decision.

Each class answers one question the caller has to act on: was my input wrong
(``RequestValidationError``, raised before anything is sent), is the client set up wrong
(``ConfigurationError``), did the network fail and may I retry (``TransportError`` and its
``may_have_reached_server``), did the server refuse (``HTTPStatusError`` by status), did
it answer something unreadable (``ResponseDecodeError``), or did it answer "no" in its
body (``BusinessError``, HTTP 200 with a failure code).

Every message and attribute is built from redacted text: URLs pass through
``redact_url``, headers through ``redact_headers``, body excerpts through ``redact_text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._redact import redact_headers, redact_url

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AiccError",
    "AuthenticationError",
    "BadRequestError",
    "BusinessError",
    "ConfigurationError",
    "HTTPStatusError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOutcomeUnknownError",
    "RequestValidationError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "ServerError",
    "TokenError",
    "TransportError",
    "status_error_class",
]

#: Longest body excerpt an exception carries.
EXCERPT_LIMIT = 500


def _rebuild(
    cls: type[AiccError], args: tuple[Any, ...], state: dict[str, Any]
) -> AiccError:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


class AiccError(Exception):
    """Base of every exception the runtime raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not survive the default pickling; rebuild from
        # the message and attributes instead (for multiprocessing and task queues).
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class RequestValidationError(AiccError, ValueError):
    """The request breaks the operation's documented constraints; nothing was sent.

    ``field`` is the Python attribute name (dotted path for nested values, ``[i]`` for
    list items), ``wire_field`` the JSON name; ``constraint`` is the JSON Schema keyword
    (``maxLength``, ``maximum``, ``enum``, ``required``, ``pattern``, ``type``) or the
    rule kind (``max-interval``); ``value`` is ``None`` when the field is sensitive.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        field: str,
        wire_field: str,
        constraint: str,
        limit: object = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.field = field
        self.wire_field = wire_field
        self.constraint = constraint
        self.limit = limit
        self.value = value


class ConfigurationError(AiccError, ValueError):
    """The client was set up in a way that cannot work (missing server variable, no
    signer for a signed API, a base URL that is not http(s), no timeout)."""


class APIError(AiccError):
    """Something went wrong talking to the API. ``url`` is always redacted."""

    def __init__(
        self, message: str, *, operation: str, method: str, url: object
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.method = method
        self.url = redact_url(url)


class TransportError(APIError):
    """The exchange failed below HTTP: no (complete) response arrived.

    ``may_have_reached_server`` is ``False`` only when the connection was never
    established, so the server cannot have seen the request.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        method: str,
        url: object,
        may_have_reached_server: bool,
    ) -> None:
        super().__init__(message, operation=operation, method=method, url=url)
        self.may_have_reached_server = may_have_reached_server


class APIConnectionError(TransportError):
    """The connection failed (refused, reset, closed early, TLS failure)."""


class APITimeoutError(TransportError):
    """A connect, write, read or pool timeout expired."""


class RequestOutcomeUnknownError(TransportError):
    """A non-repeatable request (createCall dials a customer) may have reached the server
    but no answer arrived. It was NOT resent; check the state on the server (for a call:
    query the call state or the call records) before trying again.

    ``timed_out`` tells whether a timeout or a connection failure ended the exchange;
    ``__cause__`` is the underlying httpx exception.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        method: str,
        url: object,
        timed_out: bool,
    ) -> None:
        super().__init__(
            message,
            operation=operation,
            method=method,
            url=url,
            may_have_reached_server=True,
        )
        self.timed_out = timed_out


class HTTPStatusError(APIError):
    """The server answered with a non-2xx status. ``headers`` and ``body_excerpt``
    (at most 500 characters) are redacted."""

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        method: str,
        url: object,
        status_code: int,
        headers: Mapping[str, str] | None = None,
        body_excerpt: str = "",
    ) -> None:
        super().__init__(message, operation=operation, method=method, url=url)
        self.status_code = status_code
        self.headers = redact_headers(headers or {})
        self.body_excerpt = body_excerpt[:EXCERPT_LIMIT]


class BadRequestError(HTTPStatusError):
    """HTTP 400."""


class AuthenticationError(HTTPStatusError):
    """HTTP 401: the credentials were refused (after one retry with a fresh token, when
    the client obtains tokens itself)."""


class PermissionDeniedError(HTTPStatusError):
    """HTTP 403."""


class NotFoundError(HTTPStatusError):
    """HTTP 404."""


class RateLimitError(HTTPStatusError):
    """HTTP 429. ``retry_after`` is the server's requested wait in seconds, if given."""

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        method: str,
        url: object,
        status_code: int,
        headers: Mapping[str, str] | None = None,
        body_excerpt: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            operation=operation,
            method=method,
            url=url,
            status_code=status_code,
            headers=headers,
            body_excerpt=body_excerpt,
        )
        self.retry_after = retry_after


class ServerError(HTTPStatusError):
    """HTTP 5xx."""


class TokenError(AuthenticationError):
    """The token endpoint did not give a usable token: a non-2xx status (``status_code``
    is that status), a 2xx body without the token field (``status_code`` 2xx), or no
    usable response at all after the client's retries (a connection failure or timeout:
    ``status_code`` 0; ``__cause__`` is the ``TransportError``). The request that needed
    the token was not sent."""


class ResponseDecodeError(APIError):
    """A 2xx response could not be read as the documented JSON: malformed or truncated
    JSON, an HTML error page, or a body that does not match the schema."""

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        method: str,
        url: object,
        status_code: int,
        detail: str,
        body_excerpt: str = "",
    ) -> None:
        super().__init__(message, operation=operation, method=method, url=url)
        self.status_code = status_code
        self.detail = detail
        self.body_excerpt = body_excerpt[:EXCERPT_LIMIT]


class ResponseTooLargeError(APIError):
    """The response body is larger than the client's ``max_response_bytes``.

    Reading stops at the limit (or at once, when the Content-Length says the body is
    larger), so a server that sends 50 MB, or a body that never ends, cannot exhaust the
    caller's memory; the rest of the body is discarded with the connection. The server did
    answer, so the request is not resent. ``status_code`` is the response's status,
    ``limit`` the limit in bytes, ``received`` the (decoded) bytes read before stopping and
    ``declared`` the Content-Length, when the server sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        method: str,
        url: object,
        status_code: int,
        limit: int,
        received: int,
        declared: int | None = None,
    ) -> None:
        super().__init__(message, operation=operation, method=method, url=url)
        self.status_code = status_code
        self.limit = limit
        self.received = received
        self.declared = declared


class BusinessError(APIError):
    """HTTP 2xx whose body reports a failure code.

    ``code`` is the code as sent (``None`` when the body has none); ``name`` and
    ``meaning`` come from the documented code table (``None`` for an unlisted code,
    where ``meaning`` falls back to the table's "other values" text when it has one);
    ``server_message`` is the body's own message (``retMsg``), which may disagree with
    the documented meaning; ``response`` is the decoded body.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        method: str,
        url: object,
        code: str | int | None,
        name: str | None,
        meaning: str | None,
        server_message: str | None,
        response: Any,
        known: bool = False,
    ) -> None:
        super().__init__(message, operation=operation, method=method, url=url)
        self.code = code
        self.name = name
        self.meaning = meaning
        self.server_message = server_message
        self.response = response
        self.known = known


_BY_STATUS: dict[int, type[HTTPStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[HTTPStatusError]:
    """The ``HTTPStatusError`` subclass for ``status_code``."""
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, HTTPStatusError)
