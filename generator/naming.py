"""Names: from documentation words and wire names to safe Python identifiers.

One module owns every naming rule, so the importer (which derives enum member names
from documented meanings) and the generator (which turns wire names into attributes)
can never disagree, and a collision is detected in one place.
"""

from __future__ import annotations

import keyword
import re
import unicodedata

#: Words that carry no meaning in a code's name ("The user is busy." -> USER_BUSY).
_STOP_WORDS = frozenset("a an the is are was were has have had been".split())
#: Meanings that are abbreviations, not words.
_ABBREVIATIONS = {"n/a": "NOT_APPLICABLE"}
_MAX_NAME_WORDS = 6

#: Names a generated attribute or argument must not take: Python keywords, and the names
#: generated annotations and method bodies use (a field called `str` would shadow the type
#: in its own class body). Other builtins (`id`, `type`, `filter`) are fine as attributes.
_RESERVED = frozenset(keyword.kwlist) | {
    "str", "int", "float", "bool", "bytes", "list", "dict", "set", "frozenset", "tuple", "object",
    "self", "cls", "client", "options", "timeout", "headers", "extra_headers", "msgspec", "typing",
    "Annotated", "Any", "ClassVar", "Literal", "Mapping", "Meta", "codes", "httpx", "datetime", "logging",
}

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9A-Za-z]+")


def ascii_words(text: str) -> list[str]:
    """Split any text into ASCII word parts, transliterating accents and dropping the rest."""
    normalized = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    spaced = _CAMEL_BOUNDARY.sub(" ", normalized)
    return [w for w in _NON_WORD.split(spaced) if w]


def snake_case(name: str) -> str:
    words = ascii_words(name)
    return "_".join(w.lower() for w in words)


def pascal_case(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in ascii_words(name))


def safe_identifier(name: str, *, fallback: str = "field", reserved: frozenset[str] = _RESERVED) -> str:
    """A valid, non-reserved Python identifier: `class` -> `class_`, `1st` -> `field_1st`."""
    if not name:
        name = fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if name in reserved or keyword.iskeyword(name):
        name += "_"
    return name


def attribute_name(wire_name: str) -> str:
    """callSerialNo -> call_serial_no; X-APP-Key -> x_app_key; class -> class_."""
    return safe_identifier(snake_case(wire_name), fallback="field")


def class_name(name: str) -> str:
    return safe_identifier(pascal_case(name), fallback="Model")


def constant_name(text: str) -> str:
    """An UPPER_SNAKE name for any label, safe as an enum member."""
    words = [w.upper() for w in ascii_words(text)]
    name = "_".join(words) or "VALUE"
    if name[0].isdigit():
        name = f"VALUE_{name}"
    if keyword.iskeyword(name.lower()) and name.lower() == name:
        name += "_"
    return name


def member_name_from_meaning(meaning: str) -> str:
    """Derive an enum member name from a documented meaning.

    "The user is busy." -> USER_BUSY; "N/A" -> N_A. Deterministic, so re-importing an
    unchanged page yields the same names and a changed meaning shows up as a renamed
    member in `aiccgen diff`.
    """
    first_sentence = re.split(r"(?<=[.;:])\s", meaning.strip(), maxsplit=1)[0]
    abbreviation = _ABBREVIATIONS.get(first_sentence.rstrip(".").strip().lower())
    if abbreviation:
        return abbreviation
    words = [w for w in ascii_words(first_sentence) if w.lower() not in _STOP_WORDS]
    if not words:
        words = ascii_words(first_sentence)
    return constant_name(" ".join(words[:_MAX_NAME_WORDS]))


def unique_member_names(values: list[str], names: list[str]) -> list[str]:
    """Make names unique by suffixing every colliding name with its code value.

    All members of a colliding group get the suffix (not just the second), so the name a
    code gets never depends on the order codes appear in.
    """
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    out = []
    for value, name in zip(values, names):
        suffix = _NON_WORD.sub("_", str(value)).strip("_").upper()
        out.append(f"{name}_{suffix}" if counts[name] > 1 else name)
    return out


def dedupe(names: list[str]) -> list[str]:
    """Suffix _2, _3 ... onto repeats (names that collide after case conversion)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            candidate = f"{n}_{seen[n]}"
            while candidate in seen:
                seen[n] += 1
                candidate = f"{n}_{seen[n]}"
            seen[candidate] = 1
            out.append(candidate)
        else:
            seen[n] = 1
            out.append(n)
    return out
