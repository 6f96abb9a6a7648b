"""Untrusted request input → typed values, or an :class:`InputError` naming the field.

Both HTTP APIs (admin and open API) read their input here, so the same rules hold everywhere:

- **JSON bodies** must be strict UTF-8, at most :data:`MAX_DEPTH` levels deep, free of duplicate
  keys, ``NaN``/``Infinity``, integers outside 64 bits, and strings holding NUL or lone
  surrogates (PostgreSQL cannot store the first, UTF-8 cannot encode the second);
- **query strings** are read into a pydantic model that forbids unknown and repeated
  parameters; integers are plain decimal digits; text is stripped and free of control characters.

Each route declares its input as a pydantic model (``QueryModel`` / ``BodyModel`` subclasses), so
the rules are data: the same models can be rendered as JSON Schema for an API description.
"""

from __future__ import annotations

import json
import math
import re
import typing
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, ClassVar, Final, TypeVar

from multidict import MultiMapping
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic_core import ErrorDetails

MAX_DEPTH: Final = 32
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
# 9999-12-31T23:59:59Z: the last second a four-digit year can show.
MAX_UNIX_TIME: Final = 253_402_300_799
MAX_OFFSET: Final = 2**31 - 1
MAX_TEXT: Final = 256
_DIGITS = re.compile(r"[+-]?[0-9]{1,19}")
# C0 and C1 controls and DEL; a filter or identifier never needs them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

M = TypeVar("M", bound=BaseModel)
Q = TypeVar("Q", bound="QueryModel")


class InputError(Exception):
    """Refused input: ``field`` is the dotted path (``items[2].quantity``), ``reason`` why."""

    def __init__(self, field: str, reason: str, *, code: str = "invalid_request") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.code = code


# --- JSON bodies --------------------------------------------------------------------------------


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    """``raw`` as JSON under the rules above (an empty body is ``{}``)."""
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise InputError("body", "not valid UTF-8", code="invalid_json") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except _DuplicateKeyError as exc:
        raise InputError("body", f"duplicate key {exc.key!r}", code="invalid_json") from None
    except RecursionError:
        raise InputError("body", f"nested deeper than {MAX_DEPTH}", code="invalid_json") from None
    except ValueError as exc:
        raise InputError("body", f"not valid JSON ({exc})", code="invalid_json") from None
    check_json_values(data)
    return data


def check_json_values(data: Any) -> None:
    """Depth, integer range, finite floats and clean strings, walked without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(path or "body", f"nested deeper than {MAX_DEPTH}", code="invalid_json")
        for child, child_path in _children(value, path):
            stack.append((child, child_path, depth + 1))
        _check_scalar(value, path or "body")


def _children(value: Any, path: str) -> Iterator[tuple[Any, str]]:
    if isinstance(value, dict):
        for key, child in value.items():
            _check_text(f"{path}.{key}" if path else key, key, what="key")
            yield child, f"{path}.{key}" if path else key
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield child, f"{path}[{index}]"


def _check_scalar(value: Any, path: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise InputError(path, "integer out of range (64-bit)")
    if isinstance(value, float) and (not math.isfinite(value) or abs(value) > 2.0**63):
        raise InputError(path, "number out of range")
    if isinstance(value, str):
        _check_text(path, value, what="string")


def _check_text(path: str, value: str, *, what: str) -> None:
    if "\x00" in value:
        raise InputError(path, f"{what} contains a NUL character")
    if _SURROGATE.search(value):
        raise InputError(path, f"{what} contains an unpaired surrogate")


# --- declared models ----------------------------------------------------------------------------


def _clean_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if _SURROGATE.search(value):
        raise ValueError("must not contain unpaired surrogates")
    return value


def decimal(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not _DIGITS.fullmatch(text):
            raise ValueError("expected an integer (decimal digits)")
        return int(text)
    return value


def comma_list(value: Any) -> Any:
    """``"a, b,,c"`` → ``("a", "b", "c")``: blanks dropped, order kept, duplicates once."""
    if isinstance(value, str):
        return tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_clean_text)]
"""A filter or identifier: at most 256 characters, no control characters."""
UnixTime = Annotated[int, Field(ge=0, le=MAX_UNIX_TIME)]
"""Unix seconds from 1970 to the end of year 9999."""
QueryTime = Annotated[UnixTime, BeforeValidator(decimal)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET), BeforeValidator(decimal)]
TextList = Annotated[
    tuple[Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_clean_text)], ...],
    Field(max_length=100),
    BeforeValidator(comma_list),
]
"""A comma list (``?x=a,b&x=c`` also works), at most 100 entries."""


class QueryModel(BaseModel):
    """Query parameters of one route: unknown ones are refused, blanks count as absent
    (unless ``blank_is_absent`` is off: then a blank value is validated like any other)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    blank_is_absent: ClassVar[bool] = True


class BodyModel(BaseModel):
    """A JSON body of one route: strict types (``"1"`` is not 1, ``true`` is not 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def parse_query(model: type[Q], query: MultiMapping[str]) -> Q:
    """``query`` as ``model``; repeated parameters only for list fields (joined by commas)."""
    data: dict[str, str] = {}
    for name in dict.fromkeys(query):
        values = [v for v in query.getall(name) if v.strip() or not model.blank_is_absent]
        if not values:
            continue
        if len(values) > 1 and not _is_list(model, name):
            raise InputError(name, "given more than once")
        data[name] = ",".join(values)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        detail = exc.errors(include_url=False)[0]
        reason = error_reason(detail, "unknown parameter")
        param, *rest = detail["loc"] or ("query",)
        # A list parameter's entry is named by position, the parameter as the user wrote it.
        if rest and isinstance(rest[0], int):
            reason = f"entry {rest[0] + 1}: {reason}"
        raise InputError(str(param), reason) from None


def parse_body(model: type[M], data: Any) -> M:
    """Parsed JSON (see :func:`parse_json`) as ``model``."""
    if not isinstance(data, Mapping):
        raise InputError("body", "expected a JSON object", code="invalid_json")
    return validate(model, data, unknown="unknown field")


def validate(model: type[M], data: Any, *, unknown: str = "unknown field") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        detail = exc.errors(include_url=False)[0]
        raise InputError(error_path(detail), error_reason(detail, unknown)) from None


def _is_list(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields.get(name)
    return info is not None and typing.get_origin(info.annotation) in (tuple, list)


def error_path(detail: ErrorDetails) -> str:
    path = ""
    for part in detail["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not path:
            path = str(part)
        else:
            path += f".{part}"
    return path or "body"


_REASONS: Final = {
    "missing": "required",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "int_from_float": "expected an integer",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected a string",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected an object",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
}


def error_reason(detail: ErrorDetails, unknown: str = "unknown field") -> str:
    kind, ctx = detail["type"], detail.get("ctx", {})
    if kind == "extra_forbidden":
        return unknown
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind == "string_too_long":
        return f"at most {ctx['max_length']} characters"
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else detail["msg"]
    if kind == "too_long":
        return f"at most {ctx['max_length']} entries"
    if kind == "too_short":
        return f"at least {ctx['min_length']} entries"
    return _REASONS.get(kind) or detail["msg"].removeprefix("Value error, ")
