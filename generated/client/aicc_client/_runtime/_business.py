"""Deciding whether an HTTP 200 body is a success, per the operation's ``BusinessRule``.

The AICC APIs report most failures inside a 200 response (``retCode`` other than "0",
``resultCode`` other than "0100000", ``returnCode`` other than "0200000"). A failure
becomes ``BusinessError`` carrying the code as sent, its documented name and meaning
when the code table lists it, and the server's own message side by side (the two can
disagree: the createCall example pairs retCode 5 with "Called is not configured").
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from ._codes import CodeInfo, code_text
from ._descriptors import Operation
from ._errors import BusinessError
from ._models import attribute_path
from ._redact import redact_text

__all__ = ["business_code", "check_business"]


def business_code(operation: Operation, response: Any) -> str | None:
    """The response's business code as text, or ``None`` (no rule, or no code)."""
    rule = operation.business
    if rule is None:
        return None
    value, _owner, _wire = attribute_path(response, rule.code_path)
    return None if value is None else code_text(value)


def check_business(
    operation: Operation,
    response: Any,
    *,
    method: str,
    url: object,
    accept: frozenset[str] = frozenset(),
    secrets: Iterable[str] = (),
) -> bool:
    """True for success, False for a code in ``accept`` (an empty pagination window);
    raises ``BusinessError`` for any other code, and for a missing one."""
    rule = operation.business
    if rule is None:
        return True
    value, owner, wire = attribute_path(response, rule.code_path)
    code = None if value is None else code_text(value)
    if code is not None and code in rule.success:
        return True
    if code is not None and code in accept:
        return False
    server_message: str | None = None
    if rule.message_path is not None:
        raw, _o, _w = attribute_path(response, rule.message_path)
        if raw is not None:
            server_message = redact_text(
                str(raw), secrets, fields=operation.sensitive_fields
            )
    info: CodeInfo | None = None
    if value is not None and rule.selector is not None:
        info = rule.selector.describe(owner, value)
    op = operation.operation_id
    if code is None:
        text = f"{op}: the response has no {wire or 'result code'}, so success cannot be confirmed"
    else:
        text = f"{op} failed: {wire} {code!r}"
        if info is not None and info.known:
            text += (
                f" ({info.name}: {info.meaning})" if info.meaning else f" ({info.name})"
            )
        elif info is not None and info.meaning:
            text += f" (not a documented code; the documentation says: {info.meaning})"
        elif info is not None:
            text += " (not a documented code)"
    if server_message:
        text += f"; server message: {server_message!r}"
    plain = value.value if isinstance(value, enum.Enum) else value
    raw_code: str | int | None
    if plain is None or (isinstance(plain, int | str) and not isinstance(plain, bool)):
        raw_code = plain
    else:
        raw_code = code
    raise BusinessError(
        text,
        operation=op,
        method=method,
        url=url,
        code=raw_code,
        name=info.name if info else None,
        meaning=info.meaning if info else None,
        server_message=server_message,
        response=response,
        known=bool(info and info.known),
    )
