"""The data the generated code hands to the runtime: one constant per operation.

Generated modules hold no behaviour. They describe each operation (path, types, retry
safety, business rule, cross-field rules, pagination), each server and each token source
with these frozen msgspec Structs (defining one costs a tenth of a slotted dataclass,
which counts at import), and the client methods pass the descriptor to
``SyncAPIClient.request`` / ``AsyncAPIClient.request``. Names in descriptors are JSON
(wire) names where they talk about the request on the wire, and Python attribute paths
where they talk about a decoded response object; each field's docstring says which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import httpx
import msgspec

from ._codes import CodeInfo, code_text
from ._errors import ConfigurationError

__all__ = [
    "BusinessRule",
    "CodeSelector",
    "Operation",
    "Pagination",
    "Rule",
    "ServerTemplate",
    "TokenSource",
]

_NO_STRINGS: Mapping[str, str] = MappingProxyType({})


def _no_strings() -> Mapping[str, str]:
    return _NO_STRINGS


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_\-]*)\}")


class CodeSelector(msgspec.Struct, frozen=True):
    """How to describe a response code field.

    ``tables`` are code table classes (``IntCodeEnum``/``StrCodeEnum`` subclasses) tried
    in order. ``when`` entries ``(other_attr, value, table)`` choose a table by another
    field of the same object (a record whose ``task_type`` is ``"4"`` uses the ITA table);
    values are compared by their text, so ``4`` and ``"4"`` match. Without a matching
    ``when``, the first table that lists the code wins, else the first table (unknown).
    """

    tables: tuple[type, ...]
    when: tuple[tuple[str, object, type], ...] = ()

    def describe(self, owner: object, value: object) -> CodeInfo:
        """Describe ``value``, the code found on ``owner`` (the object holding it)."""
        for other_attr, expected, table in self.when:
            other = getattr(owner, other_attr, None)
            if other is not None and code_text(other) == code_text(expected):
                return _describe(table, value)
        for table in self.tables:
            if table.lookup(value) is not None:  # type: ignore[attr-defined]
                return _describe(table, value)
        if not self.tables:
            raise ConfigurationError("CodeSelector needs at least one table")
        return _describe(self.tables[0], value)


def _describe(table: type, value: object) -> CodeInfo:
    info = table.describe(value)  # type: ignore[attr-defined]
    assert isinstance(info, CodeInfo)
    return info


class BusinessRule(msgspec.Struct, frozen=True):
    """HTTP 200 can still be a failure; this says how to tell.

    ``code_path`` and ``message_path`` are Python attribute paths in the decoded response
    (``("ret_code",)``); codes are compared as ``str(value)`` with ``success``. A missing
    code is a failure with code ``None``. ``selector`` describes the code for the error.
    """

    code_path: tuple[str, ...]
    success: frozenset[str]
    message_path: tuple[str, ...] | None = None
    selector: CodeSelector | None = None


class Rule(msgspec.Struct, frozen=True):
    """A cross-field request rule checked before sending.

    kind ``"max-interval"``: ``fields`` are the wire names ``(start, end)`` of two body
    fields holding integers (or strings of digits); ``0 <= end - start <= limit``.
    """

    kind: str
    fields: tuple[str, ...]
    limit: int
    message: str


class Pagination(msgspec.Struct, frozen=True):
    """Offset pagination of one operation.

    ``offset_field``/``limit_field`` and ``window`` (start, end) are body wire names;
    ``items_path``/``total_path`` are attribute paths in the decoded response. A business
    code in ``empty_codes`` ends the current window without failing. With ``window`` and
    ``max_interval`` a longer time range is split into consecutive windows. ``as_string``
    sends offset and limit as strings (``"0"``, ``"100"``).
    """

    offset_field: str
    limit_field: str
    items_path: tuple[str, ...]
    total_path: tuple[str, ...] | None = None
    empty_codes: frozenset[str] = frozenset()
    window: tuple[str, str] | None = None
    max_interval: int | None = None
    as_string: bool = False
    default_limit: int | None = None


class Operation(msgspec.Struct, frozen=True):
    """One API operation.

    ``path`` has ``{name}`` placeholders (wire names). ``params_type`` is a ``Model``
    with the path/query/header parameters (wire names via ``rename``);
    ``param_locations`` maps each parameter's wire name to ``"path"``, ``"query"`` or
    ``"header"``. ``request_type``/``response_type`` are the body models (``None``: no
    body / body ignored). ``retry_safe=False`` means never resend once the request may
    have reached the server. ``credential_headers`` maps a header name to the client
    credential that fills it when the caller passed none (``{"X-APP-Key": "app_key"}``).
    ``sensitive_fields`` are wire names masked in logs and error excerpts.
    ``requires_auth=False`` lets the operation run on a client without ``auth``.
    """

    operation_id: str
    method: str
    path: str
    request_type: type | None
    params_type: type | None
    param_locations: Mapping[str, str]
    response_type: type | None
    retry_safe: bool
    business: BusinessRule | None
    rules: tuple[Rule, ...] = ()
    fixed_headers: Mapping[str, str] = msgspec.field(default_factory=_no_strings)
    credential_headers: Mapping[str, str] = msgspec.field(default_factory=_no_strings)
    pagination: Pagination | None = None
    sensitive_fields: frozenset[str] = frozenset()
    requires_auth: bool = True


class ServerTemplate(msgspec.Struct, frozen=True):
    """A server URL with ``{variable}`` placeholders (``https://{ip}:{port}``).

    ``required`` variables have placeholder defaults (``nslb.invalid``) that must never be
    used: the client refuses to start without a value.
    """

    url: str
    defaults: Mapping[str, str] = msgspec.field(default_factory=_no_strings)
    required: frozenset[str] = frozenset()

    def variables(self) -> tuple[str, ...]:
        """The placeholder names of ``url``, in order."""
        return tuple(_PLACEHOLDER.findall(self.url))

    def resolve(
        self,
        base_url: str | None = None,
        variables: Mapping[str, str | None] | None = None,
    ) -> str:
        """The base URL to send requests to (no trailing slash).

        ``base_url`` wins when given (it cannot be combined with ``variables``);
        otherwise the template is filled from ``variables`` over ``defaults``. A None
        value means "not given": generated clients pass every variable keyword.
        """
        variables = {k: v for k, v in (variables or {}).items() if v is not None}
        if base_url is not None:
            if variables:
                raise ConfigurationError(
                    "give either base_url or server_variables, not both "
                    f"(server_variables: {', '.join(sorted(variables))})"
                )
            return check_base_url(base_url)
        names = self.variables()
        unknown = sorted(set(variables) - set(names))
        if unknown:
            raise ConfigurationError(
                f"unknown server variable(s) {', '.join(unknown)}; "
                f"{self.url} takes {', '.join(names) or 'none'}"
            )
        missing = sorted(n for n in self.required if n not in variables)
        if missing:
            raise ConfigurationError(
                f"server variable(s) {', '.join(missing)} must be given for {self.url} "
                f"(pass server_variables={{{', '.join(repr(n) + ': ...' for n in missing)}}} "
                "or base_url=...)"
            )
        values = {**self.defaults, **variables}
        absent = [n for n in names if n not in values]
        if absent:
            raise ConfigurationError(
                f"server variable(s) {', '.join(absent)} have no value for {self.url}"
            )
        for name, value in values.items():
            if name in names and (not str(value) or re.search(r"[/?#@\s]", str(value))):
                raise ConfigurationError(
                    f"server variable {name} must be a plain host or port, got {value!r}"
                )
        url = _PLACEHOLDER.sub(lambda m: str(values[m[1]]), self.url)
        return check_base_url(url)


def check_base_url(url: str) -> str:
    """``url`` without trailing slash, or ``ConfigurationError`` if it is not an absolute
    http(s) URL with a host (and no query or fragment)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ConfigurationError(f"base_url is not a valid URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL with a host, got {parsed.scheme or 'no'} scheme"
        )
    if parsed.query or parsed.fragment:
        raise ConfigurationError("base_url must not carry a query string or fragment")
    return str(url).rstrip("/")


class TokenSource(msgspec.Struct, frozen=True):
    """How a Bearer token is obtained.

    ``path`` is requested on the API's own host (``POST /apigovernance/api/oauth/
    tokenByAkSk``); ``credential_fields`` maps JSON body field to credential name
    (``{"app_key": "app_key", "app_secret": "app_secret"}``). ``lifetime_header`` carries
    the requested lifetime in seconds (at most ``max_lifetime``). ``token_field`` and
    ``expires_field`` are JSON member names of the response (or JSON pointers,
    ``"/AccessToken"``); ``Expires`` may be a string of digits or an integer, in seconds,
    and ``default_lifetime`` applies when it is missing or unreadable.
    """

    path: str
    credential_fields: Mapping[str, str]
    lifetime_header: str | None
    token_field: str
    expires_field: str | None
    default_lifetime: int = 600
    max_lifetime: int | None = 3600
    operation_id: str = "tokenByAkSk"
    method: str = "POST"
    extra_headers: Mapping[str, str] = msgspec.field(default_factory=_no_strings)


def json_member(document: Any, name: str) -> Any:
    """``document[name]``, or the value at JSON pointer ``name`` when it starts with ``/``;
    ``None`` when absent."""
    if not name.startswith("/"):
        return document.get(name) if isinstance(document, dict) else None
    current = document
    for raw in name.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict):
            current = current.get(key)
        elif isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return None
    return current
