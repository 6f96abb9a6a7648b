"""Lenient scalar types for Lingxing responses (fact sheet §7: the vendor's type drift).

* ``LxStr``: strings, numbers (18-digit ids arrive either way) and ``null`` (→ ``""``).
* ``LxInt`` / ``LxOptInt``: ints, numeric strings (``"12"``, ``"1.0"``), ``""``/``null``
  (→ ``0`` / ``None``).
* ``LxBool``: ``0``/``1``, ``"0"``/``"1"``, ``true``/``false``, ``"true"``/``"false"``.
* ``LxList[T]``: a list, ``null`` (→ ``[]``) or a single value (→ ``[value]``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, TypeVar

from pydantic import BeforeValidator

__all__ = ["LxBool", "LxInt", "LxList", "LxOptInt", "LxStr"]

T = TypeVar("T")


def to_str(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value


def to_opt_int(value: object) -> object:
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {text[:20]!r}") from None
        if number != number.to_integral_value():
            raise ValueError(f"not an integer: {text[:20]!r}")
        return int(number)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_int(value: object) -> object:
    converted = to_opt_int(value)
    return 0 if converted is None else converted


_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no", ""}


def to_bool(value: object) -> object:
    if value is None:
        return False
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
    return value


def to_list(value: object) -> object:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


LxStr = Annotated[str, BeforeValidator(to_str)]
LxInt = Annotated[int, BeforeValidator(to_int)]
LxOptInt = Annotated[int | None, BeforeValidator(to_opt_int)]
LxBool = Annotated[bool, BeforeValidator(to_bool)]
LxList = Annotated[list[T], BeforeValidator(to_list)]
