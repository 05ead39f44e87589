"""Checking a request against its documented constraints before anything is sent.

msgspec does the checking (lengths, ranges, patterns, closed enums, required fields,
types) when the wire-keyed dicts are converted into the operation's structs; this
module turns its terse messages (``Expected `str` of length <= 32 - at `$.softPhone```)
into ``RequestValidationError`` that names the operation, the Python and JSON field
names, the constraint, its limit and the offending value (never a sensitive one), and
then applies the cross-field ``Rule``s msgspec cannot express (the seven-day window).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import msgspec
import msgspec.inspect as mi

from ._descriptors import Operation, Rule
from ._errors import ConfigurationError, RequestValidationError
from ._models import wire_name

__all__ = ["check_rules", "int_like", "preview", "validate_request", "validation_error"]

_MISSING: Any = object()
_PREVIEW_CHARS = 20
HIDDEN = "(value hidden)"


def preview(value: object) -> str:
    """A short repr of ``value`` for messages: long strings end in ``…``."""
    if isinstance(value, str) and len(value) > _PREVIEW_CHARS:
        return repr(value[:_PREVIEW_CHARS] + "…")
    text = repr(value)
    return text if len(text) <= 2 * _PREVIEW_CHARS else text[: 2 * _PREVIEW_CHARS] + "…"


def validate_request(
    operation: Operation,
    params: Mapping[str, Any] | msgspec.Struct | None,
    body: Mapping[str, Any] | msgspec.Struct | None,
) -> tuple[Any, Any]:
    """``(params_struct, body_struct)`` for ``operation``, or ``RequestValidationError``.

    ``params`` and ``body`` are keyed by wire names (``None`` values are dropped) or are
    already the struct; structs are re-checked too, because building a msgspec struct
    directly does not enforce its constraints.
    """
    params_struct = _convert(operation, operation.params_type, params, "params")
    body_struct = _convert(operation, operation.request_type, body, "body")
    if body_struct is not None:
        check_rules(operation, body_struct)
    return params_struct, body_struct


def _convert(
    operation: Operation,
    target: type | None,
    data: Mapping[str, Any] | msgspec.Struct | None,
    what: str,
) -> Any:
    if target is None:
        if data:
            raise TypeError(f"{operation.operation_id} takes no {what}")
        return None
    if isinstance(data, msgspec.Struct):
        plain: Any = msgspec.to_builtins(data)
    else:
        plain = msgspec.to_builtins(
            {k: v for k, v in (data or {}).items() if v is not None}
        )
        # msgspec ignores unknown keys; a misspelt wire name must not vanish silently.
        known = set(getattr(target, "__struct_encode_fields__", ()))
        for key in plain:
            if known and key not in known:
                raise RequestValidationError(
                    f"{operation.operation_id}: {key} is not a {what} field "
                    f"(expected one of {', '.join(sorted(known))})",
                    operation=operation.operation_id,
                    field=key,
                    wire_field=key,
                    constraint="unknown",
                )
    try:
        return msgspec.convert(plain, target)
    except msgspec.ValidationError as exc:
        raise validation_error(operation, target, plain, exc) from None


# ---------------------------------------------------------------- msgspec messages

# Compiled on the first refusal (`_re`), not at import: compiling them took ~2 ms of every
# `import aicc_client`, for a path most processes never take. No pattern below may rely on
# `.` stopping at a newline: all are compiled with DOTALL.
_AT = r"^(?P<msg>.*?)(?: - at `(?P<path>\$[^`]*)`)?$"
_SEGMENT = r"\.(?P<key>[^.\[]+)|\[(?P<index>\d+)\]|\[(?P<any>\.\.\.)\]"

_REQUIRED = r"Object missing required field `(?P<name>[^`]+)`"
_LENGTH = r"Expected `(?P<t>[^`]+)` of length (?P<op><=|>=) (?P<n>\d+)"
_BOUND = r"Expected `(?P<t>int|float)` (?P<op><=|>=|<|>) (?P<n>\S+)"
_MULTIPLE = r"Expected `(?P<t>int|float)` that's a multiple of (?P<n>\S+)"
_PATTERN = r"Expected `str` matching regex '(?P<re>.*)'"
_ENUM = r"Invalid enum value (?P<v>.*)"
_TYPE = r"Expected `(?P<exp>[^`]+)`, got `(?P<got>[^`]+)`"
_UNKNOWN = r"Object contains unknown field `(?P<name>[^`]+)`"


@functools.cache
def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.DOTALL)


_LENGTH_KIND = {
    ("str", "<="): "maxLength",
    ("str", ">="): "minLength",
    ("array", "<="): "maxItems",
    ("array", ">="): "minItems",
    ("object", "<="): "maxProperties",
    ("object", ">="): "minProperties",
}
_BOUND_KIND = {
    "<=": "maximum",
    ">=": "minimum",
    "<": "exclusiveMaximum",
    ">": "exclusiveMinimum",
}


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def validation_error(
    operation: Operation, target: type, data: Any, exc: msgspec.ValidationError
) -> RequestValidationError:
    """Translate one msgspec ``ValidationError`` raised converting ``data`` to ``target``."""
    m = _re(_AT).match(str(exc))
    assert m is not None  # the pattern matches any text
    msg, path = m["msg"], m["path"] or "$"
    segments: list[str | int | None] = []
    for seg in _re(_SEGMENT).finditer(path[1:]):
        if seg["key"] is not None:
            segments.append(seg["key"])
        elif seg["index"] is not None:
            segments.append(int(seg["index"]))
        else:
            segments.append(None)  # "[...]": some key of a dict

    constraint = "invalid"
    limit: object = None
    if r := _re(_REQUIRED).match(msg):
        segments.append(r["name"])
        constraint = "required"
    elif r := _re(_UNKNOWN).match(msg):
        segments.append(r["name"])
        constraint = "unknown"
    elif r := _re(_LENGTH).match(msg):
        constraint = _LENGTH_KIND.get((r["t"], r["op"]), "length")
        limit = int(r["n"])
    elif r := _re(_BOUND).match(msg):
        constraint, limit = _BOUND_KIND[r["op"]], _number(r["n"])
    elif r := _re(_MULTIPLE).match(msg):
        constraint, limit = "multipleOf", _number(r["n"])
    elif r := _re(_PATTERN).match(msg):
        constraint, limit = "pattern", r["re"]
    elif _re(_ENUM).match(msg):
        constraint = "enum"
    elif r := _re(_TYPE).match(msg):
        expected = [t for t in r["exp"].split(" | ") if t != "null"]
        constraint, limit = "type", " | ".join(expected) or r["exp"]

    located = _locate(_type_info(target), segments)
    if constraint == "enum":
        limit = located.choices
    value = _lookup(data, segments)
    sensitive = located.sensitive or (
        bool(located.wire_parts)
        and located.wire_parts[-1] in operation.sensitive_fields
    )
    shown = HIDDEN if sensitive else preview(value)
    field, wire = located.python, located.wire
    name = field if field == wire else f"{field} ({wire})"
    phrase = _phrase(constraint, limit, value, shown, msg, sensitive)
    return RequestValidationError(
        f"{operation.operation_id}: {name} {phrase}",
        operation=operation.operation_id,
        field=field,
        wire_field=wire,
        constraint=constraint,
        limit=limit,
        value=None if sensitive or value is _MISSING else value,
    )


@functools.cache
def _type_info(target: type) -> mi.Type:
    """msgspec's description of a request struct, built once per struct: building it
    was 0.4 ms of the 0.44 ms a refused createCall took to report, which adds up when a
    whole campaign list is checked before sending."""
    return mi.type_info(target)


def _phrase(
    constraint: str, limit: object, value: Any, shown: str, msg: str, sensitive: bool
) -> str:
    size = len(value) if isinstance(value, str | list | dict) else None
    got = (
        f"got {size}: {shown}" if size is not None and not sensitive else f"got {shown}"
    )
    if constraint == "required":
        return "is required"
    if constraint == "unknown":
        return "is not a field of this request"
    if constraint == "maxLength":
        return f"must be at most {limit} characters, {got}"
    if constraint == "minLength":
        return f"must be at least {limit} characters, {got}"
    if constraint == "maxItems":
        return f"must have at most {limit} items, got {size}"
    if constraint == "minItems":
        return f"must have at least {limit} items, got {size}"
    if constraint in ("maxProperties", "minProperties"):
        most = "most" if constraint == "maxProperties" else "least"
        return f"must have at {most} {limit} entries, got {size}"
    if constraint == "maximum":
        return f"must be at most {limit}, got {shown}"
    if constraint == "minimum":
        return f"must be at least {limit}, got {shown}"
    if constraint == "exclusiveMaximum":
        return f"must be less than {limit}, got {shown}"
    if constraint == "exclusiveMinimum":
        return f"must be greater than {limit}, got {shown}"
    if constraint == "multipleOf":
        return f"must be a multiple of {limit}, got {shown}"
    if constraint == "pattern":
        return f"must match the pattern {limit}, got {shown}"
    if constraint == "enum":
        choices = ", ".join(repr(c) for c in limit) if isinstance(limit, list) else "?"
        return f"must be one of {choices}, got {shown}"
    if constraint == "type":
        got_type = type(value).__name__ if value is not _MISSING else "nothing"
        return f"must be {limit}, got {got_type}: {shown}"
    return f"is invalid ({msg}), got {shown}"


class _Located:
    __slots__ = ("choices", "python_parts", "sensitive", "wire_parts")

    def __init__(self) -> None:
        self.python_parts: list[str] = []
        self.wire_parts: list[str] = []
        self.sensitive = False
        self.choices: list[Any] | None = None

    @staticmethod
    def _join(parts: list[str]) -> str:
        out = ""
        for part in parts:
            out += part if part.startswith("[") or not out else "." + part
        return out or "$"

    @property
    def python(self) -> str:
        return self._join(self.python_parts)

    @property
    def wire(self) -> str:
        return self._join(self.wire_parts)


def _unwrap(ti: mi.Type, want: type[mi.Type] | tuple[type[mi.Type], ...]) -> mi.Type:
    if isinstance(ti, mi.UnionType):
        for alt in ti.types:
            if isinstance(alt, want):
                return alt
    return ti


_CONTAINERS = (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType, mi.TupleType)


def _locate(ti: mi.Type, segments: list[str | int | None]) -> _Located:
    """Python and wire names along ``segments``, and whether the last field is secret."""
    out = _Located()
    current: mi.Type | None = ti
    for seg in segments:
        if isinstance(seg, str):
            current = (
                _unwrap(current, (mi.StructType, mi.DictType)) if current else None
            )
            if isinstance(current, mi.StructType):
                match = [f for f in current.fields if f.encode_name == seg]
                if match:
                    fld = match[0]
                    out.python_parts.append(fld.name)
                    out.wire_parts.append(seg)
                    hidden: frozenset[str] = getattr(
                        current.cls, "__aicc_sensitive__", frozenset()
                    )
                    out.sensitive = fld.name in hidden
                    current = fld.type
                    continue
            out.python_parts.append(seg)
            out.wire_parts.append(seg)
            current = current.value_type if isinstance(current, mi.DictType) else None
        elif isinstance(seg, int):
            current = _unwrap(current, _CONTAINERS) if current else None
            out.python_parts.append(f"[{seg}]")
            out.wire_parts.append(f"[{seg}]")
            if isinstance(current, mi.TupleType):
                current = (
                    current.item_types[seg] if seg < len(current.item_types) else None
                )
            elif isinstance(
                current, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType
            ):
                current = current.item_type
            else:
                current = None
        else:
            current = _unwrap(current, mi.DictType) if current else None
            out.python_parts.append("[...]")
            out.wire_parts.append("[...]")
            current = current.value_type if isinstance(current, mi.DictType) else None
    if current is not None:
        target = _unwrap(current, (mi.EnumType, mi.LiteralType))
        if isinstance(target, mi.EnumType):
            out.choices = [m.value for m in target.cls]
        elif isinstance(target, mi.LiteralType):
            out.choices = list(target.values)
    return out


def _lookup(data: Any, segments: list[str | int | None]) -> Any:
    current = data
    for seg in segments:
        if isinstance(current, Mapping) and isinstance(seg, str):
            found = seg in current
        else:
            found = (
                isinstance(current, list | tuple)
                and isinstance(seg, int)
                and seg < len(current)
            )
        if not found:
            return _MISSING
        current = current[seg]
    return current


# ---------------------------------------------------------------- cross-field rules


def int_like(value: object) -> int | None:
    """``value`` as an int when it is an int or a string of ASCII digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if (
        isinstance(value, str)
        and value.isascii()
        and value.strip().lstrip("-").isdigit()
    ):
        return int(value)
    return None


def check_rules(operation: Operation, body_struct: Any) -> None:
    """Apply ``operation.rules`` to the converted body; ``RequestValidationError`` on the
    first rule broken."""
    if not operation.rules:
        return
    wire: Any = msgspec.to_builtins(body_struct)
    for rule in operation.rules:
        if rule.kind == "max-interval":
            _check_interval(operation, type(body_struct), wire, rule)
        else:
            raise ConfigurationError(
                f"{operation.operation_id}: unknown rule kind {rule.kind!r} "
                "(the runtime is older than the generated code)"
            )


def _check_interval(
    operation: Operation, body_type: type, wire: Any, rule: Rule
) -> None:
    start_name, end_name = rule.fields
    raw_start, raw_end = wire.get(start_name), wire.get(end_name)
    if raw_start is None or raw_end is None:
        return  # presence is the schema's business ("required")
    py_start, py_end = _python_name(body_type, start_name), _python_name(
        body_type, end_name
    )
    for raw, py, wire_name_ in (
        (raw_start, py_start, start_name),
        (raw_end, py_end, end_name),
    ):
        if int_like(raw) is None:
            raise RequestValidationError(
                f"{operation.operation_id}: {py} ({wire_name_}) must be an integer "
                f"(milliseconds), got {preview(raw)}",
                operation=operation.operation_id,
                field=py,
                wire_field=wire_name_,
                constraint="type",
                limit="integer",
                value=raw,
            )
    start, end = int_like(raw_start), int_like(raw_end)
    assert start is not None and end is not None
    span = end - start
    if 0 <= span <= rule.limit:
        return
    why = "is before" if span < 0 else "is too far from"
    raise RequestValidationError(
        f"{operation.operation_id}: {py_end} ({end_name}) {why} {py_start} ({start_name}): "
        f"{rule.message} ({end_name} - {start_name} must be between 0 and {rule.limit}, "
        f"got {span})",
        operation=operation.operation_id,
        field=py_end,
        wire_field=end_name,
        constraint="max-interval",
        limit=rule.limit,
        value=span,
    )


def _python_name(struct_type: type, wire: str) -> str:
    fields: tuple[str, ...] = getattr(struct_type, "__struct_fields__", ())
    for attr in fields:
        if wire_name(struct_type, attr) == wire:
            return attr
    return wire
