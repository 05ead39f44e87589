"""Authenticating requests: fetched Bearer tokens, fixed tokens, signers, API keys.

An ``Auth`` sets credentials on a fully built ``httpx.Request`` just before each attempt
is sent (a signer must see the final URL, headers and body, and re-signs every retry).
The mobile agent APIs take a Bearer token from the token endpoint on the same host;
``BearerTokenAuth`` fetches it on first use, caches it, refreshes it shortly before it
expires, and lets only one thread or task fetch while the others wait for its result.
The CMS and iSales APIs are signed with an AK/SK algorithm our sources do not describe,
so ``SignerAuth`` takes the caller's signer instead of guessing one.

Token requests are sent through a ``TokenTransport`` the client lends to ``apply``: the
client's HTTP connection pool, timeouts, retry policy and redacting logger, with the
token endpoint treated as retry-safe.
"""

from __future__ import annotations

import base64
import inspect
import threading
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Protocol

import httpx
import msgspec

from ._descriptors import TokenSource, check_base_url, json_member
from ._errors import (
    ConfigurationError,
    ResponseTooLargeError,
    TokenError,
    TransportError,
)
from ._redact import Secret, body_excerpt, is_sensitive_name, redact_url
from ._validation import int_like

if TYPE_CHECKING:
    # asyncio is imported where the async paths first need it: importing it up front
    # added ~35 ms to importing the client, for sync users too (docs/performance.md).
    import asyncio

__all__ = [
    "ApiKeyAuth",
    "AsyncTokenTransport",
    "Auth",
    "BearerTokenAuth",
    "SignerAuth",
    "StaticBearerAuth",
    "TokenTransport",
]

Signer = Callable[[httpx.Request], None | Awaitable[None]]


class TokenTransport(Protocol):
    """What a sync client lends an ``Auth`` to fetch credentials."""

    @property
    def base_url(self) -> str: ...

    def send(self, request: httpx.Request, *, operation: str) -> httpx.Response:
        """Send with the client's retry policy (as a retry-safe operation); returns the
        final response whatever its status; raises ``TransportError`` subclasses."""
        ...


class AsyncTokenTransport(Protocol):
    """What an async client lends an ``Auth`` to fetch credentials."""

    @property
    def base_url(self) -> str: ...

    async def send(
        self, request: httpx.Request, *, operation: str
    ) -> httpx.Response: ...


class Auth:
    """Base class: sets credentials on a request. Subclasses override ``_authorize`` (no
    I/O) or ``apply``/``async_apply`` (may fetch credentials through the transport)."""

    def apply(self, request: httpx.Request, transport: TokenTransport) -> None:
        self._authorize(request)

    async def async_apply(
        self, request: httpx.Request, transport: AsyncTokenTransport
    ) -> None:
        self._authorize(request)

    def _authorize(self, request: httpx.Request) -> None:
        raise NotImplementedError

    def on_unauthorized(self, request: httpx.Request) -> bool:
        """Called after a 401 to ``request``. True means new credentials were arranged and
        resending once may succeed (a 401 means the request was not processed)."""
        return False

    def secrets(self) -> tuple[str, ...]:
        """Values that must be masked wherever text is shown."""
        return ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _Token(msgspec.Struct, frozen=True):
    value: Secret
    refresh_at: float
    expires_at: float


class BearerTokenAuth(Auth):
    """``Authorization: Bearer <token>`` with a token fetched from ``source``.

    ``credentials`` holds the values named in ``source.credential_fields`` (app_key,
    app_secret); they are kept as ``Secret``. ``lifetime`` (seconds, at most
    ``source.max_lifetime``) is requested in ``source.lifetime_header`` when given. The
    token is renewed ``min(refresh_margin, lifetime / 10)`` seconds before it expires.
    ``token_url`` overrides ``<base_url><source.path>``. ``clock`` (monotonic seconds) is
    injectable for tests. One object may serve sync and async clients at once.
    """

    def __init__(
        self,
        source: TokenSource,
        credentials: Mapping[str, str | Secret],
        lifetime: int | None = None,
        refresh_margin: float = 60.0,
        token_url: str | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        needed = sorted(set(source.credential_fields.values()))
        missing = [name for name in needed if not credentials.get(name)]
        if missing:
            raise ConfigurationError(
                f"{source.operation_id} needs credential(s) {', '.join(missing)} "
                "to obtain an access token"
            )
        if lifetime is not None:
            if (
                isinstance(lifetime, bool)
                or not isinstance(lifetime, int)
                or lifetime < 1
            ):
                raise ConfigurationError(
                    f"token lifetime must be a positive integer, got {lifetime!r}"
                )
            if source.max_lifetime is not None and lifetime > source.max_lifetime:
                raise ConfigurationError(
                    f"token lifetime must be at most {source.max_lifetime} s, got {lifetime}"
                )
        if refresh_margin < 0:
            raise ConfigurationError("refresh_margin must not be negative")
        self._source = source
        self._credentials = {name: Secret(value) for name, value in credentials.items()}
        self._lifetime = lifetime
        self._margin = float(refresh_margin)
        self._token_url = check_base_url(token_url) if token_url is not None else None
        self._clock = clock
        self._token: _Token | None = None
        self._recent: deque[Secret] = deque(maxlen=3)
        self._lock = threading.Lock()
        self._guard = threading.Lock()
        self._async_locks: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Lock
        ] = weakref.WeakKeyDictionary()
        #: How many tokens were fetched (for tests and diagnostics).
        self.fetch_count = 0

    # ------------------------------------------------------------ public behaviour

    def apply(self, request: httpx.Request, transport: TokenTransport) -> None:
        token = self._cached()
        if token is None:
            with self._lock:
                token = self._cached()
                if token is None:
                    started = self._clock()
                    req = self._token_request(transport.base_url)
                    try:
                        response = transport.send(
                            req, operation=self._source.operation_id
                        )
                    except (TransportError, ResponseTooLargeError) as exc:
                        raise self._unreachable(req, exc) from exc
                    token = self._accept(req, response, started)
        request.headers["Authorization"] = f"Bearer {token}"

    async def async_apply(
        self, request: httpx.Request, transport: AsyncTokenTransport
    ) -> None:
        token = self._cached()
        if token is None:
            async with self._async_lock():
                token = self._cached()
                if token is None:
                    started = self._clock()
                    req = self._token_request(transport.base_url)
                    try:
                        response = await transport.send(
                            req, operation=self._source.operation_id
                        )
                    except (TransportError, ResponseTooLargeError) as exc:
                        raise self._unreachable(req, exc) from exc
                    token = self._accept(req, response, started)
        request.headers["Authorization"] = f"Bearer {token}"

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is ``token``, when given), so the next
        request fetches a new one."""
        current = self._token
        if current is not None and (token is None or current.value == token):
            self._token = None

    def on_unauthorized(self, request: httpx.Request) -> bool:
        header = request.headers.get("Authorization", "")
        used = header[7:] if header[:7].lower() == "bearer " else None
        self.invalidate(used)
        return True

    def secrets(self) -> tuple[str, ...]:
        values = [v.get() for k, v in self._credentials.items() if is_sensitive_name(k)]
        values.extend(s.get() for s in self._recent)
        return tuple(values)

    def __repr__(self) -> str:
        where = redact_url(self._token_url) if self._token_url else self._source.path
        state = "cached" if self._token is not None else "none"
        names = ", ".join(sorted(self._credentials))
        return f"BearerTokenAuth(token_url={where!r}, credentials=[{names}], token={state})"

    # ------------------------------------------------------------ internals

    def _cached(self) -> str | None:
        token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token.value.get()
        return None

    def _async_lock(self) -> asyncio.Lock:
        import asyncio

        loop = asyncio.get_running_loop()
        with self._guard:
            lock = self._async_locks.get(loop)
            if lock is None:
                lock = self._async_locks[loop] = asyncio.Lock()
            return lock

    def _token_request(self, base_url: str) -> httpx.Request:
        source = self._source
        url = self._token_url or base_url.rstrip("/") + source.path
        body = {
            field: self._credentials[name].get()
            for field, name in source.credential_fields.items()
        }
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        headers.update(source.extra_headers)
        if source.lifetime_header and self._lifetime is not None:
            headers[source.lifetime_header] = str(self._lifetime)
        return httpx.Request(
            source.method, url, headers=headers, content=msgspec.json.encode(body)
        )

    def _fail(
        self, request: httpx.Request, response: httpx.Response, why: str
    ) -> TokenError:
        source = self._source
        excerpt = body_excerpt(
            response.content, self.secrets(), fields=("AccessToken",)
        )
        return TokenError(
            f"{source.operation_id}: {why} (HTTP {response.status_code} from "
            f"{request.method} {redact_url(request.url)})"
            + (f": {excerpt}" if excerpt else ""),
            operation=source.operation_id,
            method=request.method,
            url=request.url,
            status_code=response.status_code,
            headers=response.headers,
            body_excerpt=excerpt,
        )

    def _unreachable(
        self, request: httpx.Request, exc: TransportError | ResponseTooLargeError
    ) -> TokenError:
        """No usable answer from the token endpoint (after the client's retries): a
        ``TokenError`` too, so that every failure to obtain a token is one type, and so
        that it is never mistaken for a failure of the request that needed the token,
        which was not sent at all (for createCall: no call can have been placed)."""
        source = self._source
        status = exc.status_code if isinstance(exc, ResponseTooLargeError) else 0
        detail = str(exc).removeprefix(f"{source.operation_id}: ")
        return TokenError(
            f"{source.operation_id}: could not obtain an access token: {detail}. The "
            "request that needed the token was not sent.",
            operation=source.operation_id,
            method=request.method,
            url=request.url,
            status_code=status,
        )

    def _accept(
        self, request: httpx.Request, response: httpx.Response, started: float
    ) -> str:
        source = self._source
        if not response.is_success:
            raise self._fail(request, response, "could not obtain an access token")
        try:
            document = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            raise self._fail(request, response, "token response is not JSON") from None
        value = json_member(document, source.token_field)
        if not isinstance(value, str) or not value:
            raise self._fail(
                request, response, f"token response has no {source.token_field}"
            )
        expires = (
            json_member(document, source.expires_field)
            if source.expires_field
            else None
        )
        lifetime = int_like(expires)
        if lifetime is None or lifetime <= 0:
            lifetime = self._lifetime or source.default_lifetime
        early = min(self._margin, lifetime * 0.1)
        token = _Token(Secret(value), started + lifetime - early, started + lifetime)
        self._recent.append(token.value)
        self._token = token
        self.fetch_count += 1
        return value


class StaticBearerAuth(Auth):
    """``Authorization: Bearer <token>`` with a token the caller manages."""

    def __init__(self, token: str | Secret) -> None:
        if not token:
            raise ConfigurationError("StaticBearerAuth needs a non-empty token")
        self._token = Secret(token)

    def _authorize(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self._token.get()}"

    def secrets(self) -> tuple[str, ...]:
        return (self._token.get(),)

    def __repr__(self) -> str:
        return "StaticBearerAuth(token='***')"


class SignerAuth(Auth):
    """Requests signed by the caller's ``signer(request)``, which sets headers (such as
    Authorization) on the final ``httpx.Request``. An async client also accepts a signer
    that returns an awaitable. The runtime never guesses a signature algorithm."""

    def __init__(self, signer: Signer | None) -> None:
        if signer is None or not callable(signer):
            raise ConfigurationError(
                "this API signs every request with AK/SK; pass signer=, a callable that "
                "receives the httpx.Request and sets its Authorization header (the "
                "signature algorithm is not documented in the sources this client was "
                "generated from, so it is not built in)"
            )
        self._signer = signer

    def apply(self, request: httpx.Request, transport: TokenTransport) -> None:
        result = self._signer(request)
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            raise ConfigurationError("an async signer needs the async client")

    async def async_apply(
        self, request: httpx.Request, transport: AsyncTokenTransport
    ) -> None:
        result = self._signer(request)
        if inspect.isawaitable(result):
            await result

    def __repr__(self) -> str:
        name = getattr(self._signer, "__qualname__", type(self._signer).__name__)
        return f"SignerAuth(signer={name})"


class ApiKeyAuth(Auth):
    """A fixed key sent in a header or a query parameter (``location`` ``"header"`` or
    ``"query"``)."""

    def __init__(self, name: str, location: str, value: str | Secret) -> None:
        if location not in ("header", "query"):
            raise ConfigurationError(
                f"ApiKeyAuth location must be 'header' or 'query', got {location!r}"
            )
        if not name or not value:
            raise ConfigurationError("ApiKeyAuth needs a name and a non-empty value")
        self._name = name
        self._location = location
        self._value = Secret(value)

    def _authorize(self, request: httpx.Request) -> None:
        if self._location == "header":
            request.headers[self._name] = self._value.get()
        else:
            request.url = request.url.copy_merge_params({self._name: self._value.get()})

    def secrets(self) -> tuple[str, ...]:
        return (self._value.get(),)

    def __repr__(self) -> str:
        return (
            f"ApiKeyAuth(name={self._name!r}, location={self._location!r}, value='***')"
        )


class BasicAuth(Auth):
    """HTTP Basic credentials (for specs that declare ``scheme: basic``)."""

    def __init__(self, username: str, password: str | Secret) -> None:
        if not username:
            raise ConfigurationError("BasicAuth needs a username")
        self._username = username
        self._password = Secret(password)

    def _header(self) -> str:
        raw = f"{self._username}:{self._password.get()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def _authorize(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = self._header()

    def secrets(self) -> tuple[str, ...]:
        return (self._password.get(), self._header())

    def __repr__(self) -> str:
        return f"BasicAuth(username={self._username!r}, password='***')"
