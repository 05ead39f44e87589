"""Keeping secrets out of everything a person or a log collector can read.

App secrets, access tokens, the Authorization header and signed URLs (an OBS recording
link carries ``AccessKeyId``/``Signature`` in its query string) must never reach a repr, a
log line or an exception message. Every piece of text the runtime shows goes through one
of these functions first; they err on the side of masking too much.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "MASK",
    "Secret",
    "body_excerpt",
    "header_secrets",
    "is_sensitive_name",
    "redact_headers",
    "redact_text",
    "redact_url",
    "secret_values",
]

#: What a masked value is replaced with.
MASK = "***"

# Names are compared lower-cased with "-", "_" and "." removed, so "Access_Token",
# "access-token" and "AccessToken" are one name.
_EXACT_NAMES = frozenset(
    {"sig", "key", "apikey", "accesskey", "accesskeyid", "ak", "sk", "auth"}
)
_NAME_PARTS = (
    "signature",
    "token",
    "secret",
    "password",
    "passwd",
    "credential",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "cookie",
    "session",
)
# Header names that carry credentials even though the name does not say so.
_HEADER_EXACT = frozenset(
    {"authorization", "proxyauthorization", "cookie", "setcookie"}
)
_HEADER_PARTS = _NAME_PARTS + ("auth", "sign", "key")
# Headers whose value is a URL that may be a signed one.
_URL_HEADERS = frozenset({"location", "contentlocation", "referer"})


def _norm(name: str) -> str:
    return re.sub(r"[-_.\s]", "", name).lower()


def is_sensitive_name(name: str) -> bool:
    """Whether a query parameter or JSON field called ``name`` likely holds a credential.

    ``Expires`` is deliberately not sensitive: it says when a signed URL stops working,
    which helps debugging and gives nothing away.
    """
    n = _norm(name)
    return n in _EXACT_NAMES or any(part in n for part in _NAME_PARTS)


def _is_sensitive_header(name: str) -> bool:
    n = _norm(name)
    return n in _HEADER_EXACT or any(part in n for part in _HEADER_PARTS)


_CREDENTIAL_PARTS = re.compile(r"[\s,;]+")


def header_secrets(headers: Mapping[str, str]) -> tuple[str, ...]:
    """The credential values a request carries in its headers, to mask wherever they are
    echoed back (a server's error page quoting the request).

    A caller's signer sets ``Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host,
    Signature=3f2a...``: the runtime never holds that value as a known secret, so it is
    taken from the request itself: the whole value, and each part of it (``Signature=``
    values, a Bearer token) long enough to be a credential rather than a word.
    """
    found: list[str] = []
    for name, value in headers.items():
        if not value or not _is_sensitive_header(name):
            continue
        found.append(value)
        for part in _CREDENTIAL_PARTS.split(value):
            part = part.split("=", 1)[1] if "=" in part else part
            if len(part) >= 8:
                found.append(part)
    return tuple(found)


class Secret:
    """A string that refuses to show itself.

    ``get()`` returns the value; ``repr``, ``str`` and ``format`` give ``***``, so a
    secret that ends up in a log call, an f-string or a debugger view stays hidden.
    Pickling is refused: a secret should not travel by accident.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.get()
        if not isinstance(value, str):
            raise TypeError(f"Secret takes a str, got {type(value).__name__}")
        self._value = value

    def get(self) -> str:
        """The secret value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return f"'{MASK}'"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            other = other.get()
        if not isinstance(other, str):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("Secret values cannot be pickled")


def secret_values(values: Iterable[str | Secret | None]) -> tuple[str, ...]:
    """The non-empty plain values of ``values``, longest first (for ``redact_text``)."""
    plain = {v.get() if isinstance(v, Secret) else v for v in values if v}
    return tuple(sorted((v for v in plain if v), key=len, reverse=True))


def _mask_query(query: str) -> str:
    if not query:
        return query
    parts = []
    for piece in query.split("&"):
        name, eq, _value = piece.partition("=")
        if eq and is_sensitive_name(name):
            parts.append(f"{name}={MASK}")
        else:
            parts.append(piece)
    return "&".join(parts)


def redact_url(url: object) -> str:
    """``url`` with credential query values and any userinfo password masked.

    Accepts ``str`` or ``httpx.URL`` (anything whose ``str`` is a URL). A value that does
    not parse as a URL is returned through ``redact_text`` instead.
    """
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact_text(text)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo else f"{MASK}@{host}"
    return urlunsplit(
        (parts.scheme, netloc, parts.path, _mask_query(parts.query), parts.fragment)
    )


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> dict[str, str]:
    """A copy of ``headers`` with credential-bearing values masked.

    Authorization, Proxy-Authorization, Cookie, Set-Cookie and any header whose name
    mentions a token, key, secret, signature or auth are masked; URL-valued headers
    (Location) keep their URL with credential query values masked.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        if _is_sensitive_header(name):
            out[name] = MASK
        elif _norm(name) in _URL_HEADERS:
            out[name] = redact_url(value)
        else:
            out[name] = value
    return out


# ?name=value or &name=value inside free text (a URL in a message or body).
_QUERY_PAIR = re.compile(
    r"(?P<lead>[?&;](?P<name>[A-Za-z0-9_.\-]+)=)(?P<value>[^&\s\"'<>#]*)"
)
# "name": "value" / "name": 123 in JSON-ish text, also when cut off before the closing quote.
_JSON_PAIR = re.compile(
    r"(?P<lead>\"(?P<name>[A-Za-z0-9_.\-]+)\"\s*:\s*)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*(?:\"|$)|[^,}\]\s]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9\-._~+/=]+")


def redact_text(
    text: str,
    secrets: Iterable[str | Secret | None] = (),
    *,
    fields: Iterable[str] = (),
) -> str:
    """``text`` with known secret values, credential query values, ``Bearer <token>``
    and the values of credential-named (or ``fields``-named) JSON members masked.

    Used for anything shown from outside the program: response body excerpts, server
    messages, validation details.
    """
    for value in secret_values(secrets):
        text = text.replace(value, MASK)
    extra = {_norm(f) for f in fields}

    def sensitive(name: str) -> bool:
        return is_sensitive_name(name) or _norm(name) in extra

    def query_sub(m: re.Match[str]) -> str:
        return m["lead"] + MASK if sensitive(m["name"]) else m[0]

    def json_sub(m: re.Match[str]) -> str:
        if not sensitive(m["name"]):
            return m[0]
        quoted = m["value"].startswith('"')
        return m["lead"] + (f'"{MASK}"' if quoted else MASK)

    text = _JSON_PAIR.sub(json_sub, text)
    text = _QUERY_PAIR.sub(query_sub, text)
    return _BEARER.sub(lambda m: f"{m[1]} {MASK}", text)


def body_excerpt(
    content: bytes,
    secrets: Iterable[str | Secret | None] = (),
    *,
    fields: Iterable[str] = (),
    limit: int = 500,
) -> str:
    """At most ``limit`` characters of a response body, decoded leniently and redacted.

    Redaction runs before cutting, so a secret cut in half by the limit is still masked.
    """
    text = content[: max(limit * 8, 16384)].decode("utf-8", errors="replace")
    text = redact_text(text, secrets, fields=fields)
    return text if len(text) <= limit else text[: limit - 1] + "…"
