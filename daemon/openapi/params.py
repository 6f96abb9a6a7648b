"""Parsing and validation of open API input; every refusal names the parameter or field."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from multidict import MultiMapping

from daemon.openapi.errors import bad_parameter
from db.inventory_diff import DiffFilter

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_ITEMS = 1000
DIFF_PARAMS = frozenset(
    {"date", "dsco_wid", "dsco_sku", "lingxing_wid", "lingxing_sku", "diff_only", "offset", "limit"}
)
SYNC_FIELDS = frozenset({"dry_run", "items"})
ITEM_FIELDS = frozenset({"sku", "warehouse", "quantity"})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


@dataclass(frozen=True)
class DiffQuery:
    day: date
    where: DiffFilter
    offset: int
    limit: int


@dataclass(frozen=True)
class SyncBody:
    dry_run: bool
    items: Any | None  # None: build the items from today's rows


def day_bounds(day: date) -> tuple[int, int]:
    """``[start, end)`` of a UTC day in unix seconds."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return int(start.timestamp()), int((start + timedelta(days=1)).timestamp())


def utc_today(now: float) -> date:
    return datetime.fromtimestamp(now, tz=UTC).date()


def parse_diff_query(query: MultiMapping[str], today: date) -> DiffQuery:
    for name in query:
        if name not in DIFF_PARAMS:
            raise bad_parameter(name, "unknown parameter")
        if len(query.getall(name)) > 1:
            raise bad_parameter(name, "given more than once")
    day = _date(query.get("date"), today)
    start, end = day_bounds(day)
    where = DiffFilter(
        day_start=start,
        day_end=end,
        dsco_wid=_text(query, "dsco_wid"),
        dsco_sku=_text(query, "dsco_sku"),
        lingxing_wid=_text(query, "lingxing_wid"),
        lingxing_sku=_text(query, "lingxing_sku"),
        diff_only=_flag(query, "diff_only"),
    )
    offset = _int(query, "offset", default=0, low=0, high=None)
    limit = _int(query, "limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    return DiffQuery(day=day, where=where, offset=offset, limit=limit)


def _date(value: str | None, today: date) -> date:
    if value is None:
        return today
    # fromisoformat alone would also take "20240501" or week dates: insist on the one form.
    if not _DATE.fullmatch(value):
        raise bad_parameter("date", "expected YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_parameter("date", "not a calendar date") from None


def _text(query: MultiMapping[str], name: str) -> str | None:
    value = query.get(name)
    if value is not None and not value.strip():
        raise bad_parameter(name, "must not be empty")
    return value


def _flag(query: MultiMapping[str], name: str) -> bool:
    value = query.get(name)
    if value is None:
        return False
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise bad_parameter(name, "expected true or false")


def _int(query: MultiMapping[str], name: str, *, default: int, low: int, high: int | None) -> int:
    value = query.get(name)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise bad_parameter(name, "expected a non-negative integer")
    number = int(value)
    if number < low or (high is not None and number > high):
        limits = f"between {low} and {high}" if high is not None else f">= {low}"
        raise bad_parameter(name, f"must be {limits}")
    return number


def parse_sync_body(raw: bytes) -> SyncBody:
    """The JSON object of ``POST /inventory/sync``; an empty body means all defaults."""
    data = _json_object(raw)
    for name in data:
        if name not in SYNC_FIELDS:
            raise bad_parameter(name, "unknown field")
    dry_run = data.get("dry_run", True)
    if not isinstance(dry_run, bool):
        raise bad_parameter("dry_run", "expected true or false")
    return SyncBody(dry_run=dry_run, items=data.get("items"))


def _json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_parameter("body", "not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_parameter("body", "expected a JSON object")
    return data


def validate_items(items: Any, codes: Collection[str]) -> list[dict[str, Any]]:
    """Explicit ``items``: 1..1000 of ``{sku, warehouse, quantity}``, each pair once."""
    if not isinstance(items, list):
        raise bad_parameter("items", "expected a list of {sku, warehouse, quantity}")
    if not 1 <= len(items) <= MAX_ITEMS:
        raise bad_parameter("items", f"expected 1 to {MAX_ITEMS} items, got {len(items)}")
    seen: set[tuple[str, str]] = set()
    clean = []
    for index, item in enumerate(items):
        sku, code, quantity = _item(item, f"items[{index}]", codes)
        if (sku, code) in seen:
            raise bad_parameter(f"items[{index}]", f"sku {sku!r} / warehouse {code!r} repeated")
        seen.add((sku, code))
        clean.append({"sku": sku, "warehouse": code, "quantity": quantity})
    return clean


def _item(item: Any, where: str, codes: Collection[str]) -> tuple[str, str, int]:
    if not isinstance(item, Mapping):
        raise bad_parameter(where, "expected an object")
    for name in item:
        if name not in ITEM_FIELDS:
            raise bad_parameter(f"{where}.{name}", "unknown field")
    sku, code, quantity = item.get("sku"), item.get("warehouse"), item.get("quantity")
    if not isinstance(sku, str) or not sku.strip():
        raise bad_parameter(f"{where}.sku", "expected a non-empty string")
    if not isinstance(code, str) or code not in codes:
        raise bad_parameter(f"{where}.warehouse", "not a DSCO warehouse code of mapping.warehouse")
    # bool is an int subclass, and 3.0 is not an integer quantity.
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise bad_parameter(f"{where}.quantity", "expected an integer >= 0")
    return sku, code, quantity
