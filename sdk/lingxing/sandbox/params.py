"""Reading request-body parameters the way Lingxing does: wrong types are code 102."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .envelopes import BadRequest

INVALID = 102


def int_param(
    body: Mapping[str, Any],
    key: str,
    default: int | None = None,
    *,
    low: int | None = None,
    high: int | None = None,
    code: int = INVALID,
) -> int | None:
    """An integer field (numeric strings tolerated) within ``[low, high]``."""
    value = body.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(INVALID, f"{key}: must be an integer")
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(INVALID, f"{key}: must be an integer") from None
    if low is not None and number < low:
        raise BadRequest(code, f"{key}: {key} 最小值为 {low}")
    if high is not None and number > high:
        raise BadRequest(code, f"{key}: {key} 最大值{high}")
    return number


def list_param(body: Mapping[str, Any], key: str, *, max_items: int | None = None) -> list[Any]:
    """An array field; a string where an array belongs is code 102 (seen upstream)."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest(INVALID, f"{key}: must be an array")
    if max_items is not None and len(value) > max_items:
        raise BadRequest(1, f"{key}: 最多{max_items}个")
    return value


def str_set(body: Mapping[str, Any], key: str, *, max_items: int | None = None) -> frozenset[str]:
    """An array of strings (numbers tolerated) as a set."""
    return frozenset(str(v) for v in list_param(body, key, max_items=max_items))


def int_set(body: Mapping[str, Any], key: str) -> frozenset[int]:
    """An array of integers (numeric strings tolerated) as a set."""
    items = list_param(body, key)
    try:
        return frozenset(int(v) for v in items)
    except (TypeError, ValueError):
        raise BadRequest(INVALID, f"{key}: must be an array of integers") from None


def bool_param(body: Mapping[str, Any], key: str) -> bool:
    """A boolean field (absent = false)."""
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise BadRequest(INVALID, f"{key}: must be a boolean")
    return value


def str_param(body: Mapping[str, Any], key: str, default: str = "") -> str:
    """A string field (numbers tolerated)."""
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str | int):
        raise BadRequest(INVALID, f"{key}: must be a string")
    return str(value)


def page(rows: list[Any], offset: int, length: int) -> list[Any]:
    """``rows[offset : offset + length]``."""
    return rows[offset : offset + length]
