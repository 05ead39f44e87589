"""Code tables: documented codes with their names and meanings, tolerant lookups.

Generated tables subclass ``IntCodeEnum`` (the page types the field Number) or
``StrCodeEnum`` (String) and carry the page's words in dunder class attributes, which
``enum`` does not turn into members::

    class CallState(IntCodeEnum):
        __meanings__ = {0: "to be called", 1: "calling"}
        __labels__ = {}          # optional short labels (the retMsg column)
        __other__ = None         # meaning of unlisted codes, e.g. "Other values: failure"
        TO_BE_CALLED = 0
        CALLING = 1

Request fields use the tables as closed enums (msgspec rejects other values). Response
fields are open: they are decoded as plain ``int``/``str`` so an unlisted code is kept,
and ``describe`` turns any value into a ``CodeInfo`` with ``known=False`` when the table
does not list it. Lookups treat ``"6"`` and ``6`` alike, because pages and servers
disagree on whether codes are numbers or strings.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import msgspec

__all__ = ["CodeInfo", "IntCodeEnum", "StrCodeEnum", "code_text"]


class CodeInfo(msgspec.Struct, frozen=True):
    """What a code means: ``table`` is the code table's class name; ``code`` the value as
    the table spells it when known, else as received; ``known`` whether the table lists
    it. For an unlisted code ``meaning`` is the table's ``__other__`` text (or None)."""

    table: str
    code: int | str
    name: str | None
    meaning: str | None
    label: str | None
    known: bool

    def __str__(self) -> str:
        if self.known:
            text = f"{self.name} ({self.code!r})"
        else:
            text = f"unlisted {self.table} code {self.code!r}"
        return f"{text}: {self.meaning}" if self.meaning else text


def code_text(value: object) -> str:
    """The comparable text of a code: an enum's value, else ``str(value)``."""
    if isinstance(value, enum.Enum):
        value = value.value
    return str(value)


class _CodeTable:
    """Behaviour shared by the int and str tables (a mixin: enum bases cannot share a
    common Enum parent with members of different types)."""

    __meanings__: ClassVar[Mapping[Any, str]] = {}
    __labels__: ClassVar[Mapping[Any, str]] = {}
    __other__: ClassVar[str | None] = None

    # Provided by the Enum side of the concrete classes.
    name: str
    value: Any

    @classmethod
    def _normalise(cls, value: object) -> object:
        raise NotImplementedError

    @property
    def meaning(self) -> str | None:
        """The documented meaning of this code, verbatim from the page."""
        return type(self).__meanings__.get(self.value)

    @property
    def label(self) -> str | None:
        """The documented short label (for example the ``retMsg`` text), if any."""
        return type(self).__labels__.get(self.value)

    @classmethod
    def lookup(cls, value: object) -> Self | None:
        """The member for ``value`` (``"6"`` finds 6 and 6 finds ``"6"``), else None."""
        if isinstance(value, enum.Enum):
            if isinstance(value, cls):
                return value
            value = value.value
        key = cls._normalise(value)
        if key is None:
            return None
        try:
            return cls(key)  # type: ignore[call-arg]
        except ValueError:
            return None

    @classmethod
    def describe(cls, value: object) -> CodeInfo:
        """A ``CodeInfo`` for any value, listed or not."""
        member = cls.lookup(value)
        if member is not None:
            return CodeInfo(
                table=cls.__name__,
                code=member.value,
                name=member.name,
                meaning=member.meaning,
                label=member.label,
                known=True,
            )
        raw = value.value if isinstance(value, enum.Enum) else value
        code = (
            raw
            if isinstance(raw, int | str) and not isinstance(raw, bool)
            else str(raw)
        )
        return CodeInfo(
            table=cls.__name__,
            code=code,
            name=None,
            meaning=cls.__other__,
            label=None,
            known=False,
        )

    def _text(self) -> str:
        meaning = self.meaning
        return (
            f"{self.name} ({self.value!r}): {meaning}"
            if meaning
            else f"{self.name} ({self.value!r})"
        )


class IntCodeEnum(_CodeTable, enum.IntEnum):
    """A code table whose codes are integers. ``str()`` reads ``ENDED (3): ended``;
    ``.value`` (and JSON encoding) is the plain integer."""

    @classmethod
    def _normalise(cls, value: object) -> object:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return int(value)
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("+-").isdigit() and text.isascii():
                return int(text)
        return None

    def __str__(self) -> str:
        return self._text()

    def __format__(self, spec: str) -> str:
        return self._text() if not spec else format(self.value, spec)


class StrCodeEnum(_CodeTable, str, enum.Enum):
    """A code table whose codes are strings (``"0200000"`` keeps its leading zero).
    ``str()`` reads ``SUCCESS ('0'): ...``; ``.value`` (and JSON encoding) is the code.
    """

    @classmethod
    def _normalise(cls, value: object) -> object:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | str):
            return str(value)
        return None

    def __str__(self) -> str:
        return self._text()

    def __format__(self, spec: str) -> str:
        return self._text() if not spec else format(self.value, spec)
