"""The base of every generated request and response struct.

Generated structs subclass ``Model`` and add two class variables:

* ``__aicc_codes__``: field attribute -> ``CodeSelector``, so ``code_info(attr)`` can
  describe an open code field (decoded as plain ``int``/``str``) with its documented name
  and meaning, or ``known=False`` for a code the page did not list;
* ``__aicc_sensitive__``: attributes that hold secrets (a token, a signed URL). Their
  values never show in ``repr``/``str`` (or rich's pretty printer); they are still
  encoded to JSON, because the server needs them. Other string values are shown with
  credential-shaped parts (signed URL query values, ``Bearer <token>``) masked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import msgspec

from ._codes import CodeInfo
from ._descriptors import CodeSelector
from ._redact import MASK, redact_text

__all__ = ["Model", "attribute_path", "wire_name"]


class Model(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Base struct: keyword-only construction, unset optional fields are not sent."""

    __aicc_codes__: ClassVar[Mapping[str, CodeSelector]] = {}
    __aicc_sensitive__: ClassVar[frozenset[str]] = frozenset()

    def code_info(self, attr: str) -> CodeInfo | None:
        """Describe the code in field ``attr``; ``None`` when the field is unset.

        Raises ``KeyError`` when ``attr`` is not a code field of this model.
        """
        selector = type(self).__aicc_codes__.get(attr)
        if selector is None:
            raise KeyError(f"{type(self).__name__}.{attr} is not a code field")
        value = getattr(self, attr)
        if value is None:
            return None
        return selector.describe(self, value)

    def _shown_fields(self) -> Iterator[tuple[str, Any]]:
        hidden = type(self).__aicc_sensitive__
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if value is not None and name in hidden:
                value = _Masked()
            elif isinstance(value, str):
                # Free text can still carry a credential by shape (a server echoing a
                # signed URL or "Bearer ..." into a message field).
                value = redact_text(value)
            yield name, value

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={value!r}" for name, value in self._shown_fields())
        return f"{type(self).__name__}({body})"

    def __str__(self) -> str:
        return self.__repr__()

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return list(self._shown_fields())


class _Masked:
    """Stands in for a sensitive value in reprs: shows as ``'***'``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"'{MASK}'"


def wire_name(struct_type: type, attr: str) -> str:
    """The JSON name of attribute ``attr`` of a msgspec struct type (``attr`` itself when
    it is not a field)."""
    fields: tuple[str, ...] = getattr(struct_type, "__struct_fields__", ())
    encoded: tuple[str, ...] = getattr(struct_type, "__struct_encode_fields__", fields)
    try:
        return encoded[fields.index(attr)]
    except ValueError:
        return attr


def attribute_path(obj: Any, path: tuple[str, ...]) -> tuple[Any, Any, str]:
    """Follow ``path`` (attribute names; dict keys for plain mappings) from ``obj``.

    Returns ``(value, owner, wire)``: the value (``None`` if any step is missing), the
    object holding it and the JSON name of its last step.
    """
    owner: Any = None
    current: Any = obj
    wire = path[-1] if path else ""
    for step in path:
        owner = current
        if current is None:
            return None, None, wire
        if isinstance(current, Mapping):
            current = current.get(step)
            wire = step
        else:
            wire = wire_name(type(current), step)
            current = getattr(current, step, None)
    return current, owner, wire
