"""Values that satisfy a schema, or break one keyword of it on purpose.

The mock server answers with them and the contract-test generator builds its boundary
cases from them, so both read one definition of "a valid value". Everything is
deterministic for a given `random.Random`: the same seed gives the same responses.
"""

from __future__ import annotations

import random
import re
from typing import Any, Callable

try:  # Python 3.11+: the parser moved; it is stable API in practice for our small use
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

Resolver = Callable[[dict[str, Any]], dict[str, Any]]
_MAX_REPEAT = 6
_DATE_TIME = "2022-02-10 11:45:51"


def pattern_sample(pattern: str, rng: random.Random | None = None) -> str | None:
    """A short string that `re.search(pattern, ...)` accepts, or None if this small
    generator cannot build one (lookarounds, backreferences)."""
    rng = rng or random.Random(0)
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    try:
        text = _emit(parsed, rng)
    except _Unsupported:
        return None
    return text if re.search(pattern, text) else None


def pattern_violation(pattern: str) -> str | None:
    """A string the pattern rejects: tried from a short list of likely misfits."""
    for candidate in ("", "!", "x", "not valid", "0x!", "-", " ", "\u00e9"):
        if not re.search(pattern, candidate):
            return candidate
    return None


class _Unsupported(Exception):
    pass


def _emit(items: Any, rng: random.Random) -> str:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if arg != ord("a") else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_in_class(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            count = low if low > 0 else 1
            count = min(max(count, low), high if high != sre_parse.MAXREPEAT else max(low, 1), _MAX_REPEAT + low)
            out.append("".join(_emit(sub, rng) for _ in range(count)))
        elif name == "SUBPATTERN":
            out.append(_emit(arg[-1], rng))
        elif name == "BRANCH":
            out.append(_emit(arg[1][0], rng))
        elif name in ("AT",):
            continue  # anchors produce no text
        elif name == "CATEGORY":
            out.append(_category(str(arg)))
        else:
            raise _Unsupported(name)
    return "".join(out)


def _in_class(items: Any) -> str:
    negate = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
            continue
        if negate:
            for candidate in "aZ0_-!":
                if not _class_matches(items, candidate):
                    return candidate
            raise _Unsupported("negated class")
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return _category(str(arg))
    raise _Unsupported("empty class")


def _class_matches(items: Any, ch: str) -> bool:
    for op, arg in items:
        name = str(op)
        if name == "LITERAL" and chr(arg) == ch:
            return True
        if name == "RANGE" and arg[0] <= ord(ch) <= arg[1]:
            return True
        if name == "CATEGORY" and re.fullmatch(_category_regex(str(arg)), ch):
            return True
    return False


def _category(name: str) -> str:
    return {"CATEGORY_DIGIT": "0", "CATEGORY_NOT_DIGIT": "a", "CATEGORY_SPACE": " ", "CATEGORY_NOT_SPACE": "a",
            "CATEGORY_WORD": "a", "CATEGORY_NOT_WORD": "-"}.get(name, "a")


def _category_regex(name: str) -> str:
    return {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
            "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}.get(name, ".")


def first_type(schema: dict[str, Any]) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t is None and "properties" in schema:
        return "object"
    return t


def sample(schema: Any, resolve: Resolver, rng: random.Random, *, name: str = "", depth: int = 0,
           all_optional: bool = True) -> Any:
    """A value valid against `schema` (references resolved through `resolve`)."""
    if not isinstance(schema, dict):
        return None
    schema = resolve(schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        return rng.choice(values) if values else None
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return sample(schema[key][0], resolve, rng, name=name, depth=depth, all_optional=all_optional)
    if schema.get("allOf"):
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = resolve(part)
            merged["properties"].update(part.get("properties") or {})
            merged["required"] += part.get("required") or []
        return sample(merged, resolve, rng, name=name, depth=depth, all_optional=all_optional)
    kind = first_type(schema)
    if kind == "object" or (kind is None and "properties" in schema):
        out = {}
        required = set(schema.get("required") or [])
        for prop, sub in (schema.get("properties") or {}).items():
            if prop in required or (all_optional and depth < 4):
                out[prop] = sample(sub, resolve, rng, name=prop, depth=depth + 1, all_optional=all_optional)
        extra = schema.get("additionalProperties")
        if not out and isinstance(extra, dict) and extra:
            out["key"] = sample(extra, resolve, rng, name="value", depth=depth + 1)
        return out
    if kind == "array":
        low = schema.get("minItems", 1 if depth < 4 else 0)
        high = schema.get("maxItems", max(low, 2))
        count = max(low, min(high, 2))
        return [sample(schema.get("items", {}), resolve, rng, name=name, depth=depth + 1, all_optional=all_optional)
                for _ in range(count)]
    if kind == "integer":
        return _number(schema, rng, integer=True)
    if kind == "number":
        return float(_number(schema, rng, integer=False))
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "string":
        return string_sample(schema, rng, name)
    return None


def _number(schema: dict[str, Any], rng: random.Random, *, integer: bool) -> int | float:
    low = schema.get("minimum")
    high = schema.get("maximum")
    if isinstance(schema.get("exclusiveMinimum"), (int, float)) and not isinstance(schema.get("exclusiveMinimum"), bool):
        low = schema["exclusiveMinimum"] + 1
    if isinstance(schema.get("exclusiveMaximum"), (int, float)) and not isinstance(schema.get("exclusiveMaximum"), bool):
        high = schema["exclusiveMaximum"] - 1
    if schema.get("format") == "epoch-ms":
        low, high = low if low is not None else 1_600_000_000_000, high if high is not None else 1_700_000_000_000
    low = 0 if low is None else low
    high = low + 1000 if high is None else high
    value = rng.randint(int(low), int(high)) if integer else rng.uniform(low, high)
    step = schema.get("multipleOf")
    if integer and isinstance(step, int) and step > 0:
        value = (value // step) * step
        if value < low:
            value += step
    return value


def string_sample(schema: dict[str, Any], rng: random.Random, name: str = "") -> str:
    low = int(schema.get("minLength", 1))
    high = int(schema.get("maxLength", max(low, 12)))
    fmt = schema.get("format")
    if isinstance(schema.get("pattern"), str):
        found = pattern_sample(schema["pattern"], rng)
        if found is not None and low <= len(found) <= high:
            return found
    if fmt == "epoch-ms":
        text = str(rng.randint(1_600_000_000_000, 1_700_000_000_000))
    elif fmt == "local-date-time":
        text = _DATE_TIME
    elif fmt == "date-time":
        text = "2022-02-10T11:45:51Z"
    elif fmt == "date":
        text = "2022-02-10"
    else:
        text = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(8))
    if len(text) < low:
        text = text + "x" * (low - len(text))
    return text[:high]


def string_of_length(schema: dict[str, Any], length: int) -> str:
    """A string of exactly `length` characters that also satisfies the schema's pattern
    when it can: the at-the-limit and one-past-the-limit boundary values."""
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        seed = pattern_sample(pattern) or ""
        # Grow by repeating the seed's last character class: "1234" for ^[0-9]+$.
        filler = seed[-1:] or "0"
        text = (seed + filler * length)[:length] if length >= len(seed) else seed[:length]
        if re.search(pattern, text):
            return text
    return "x" * length
