"""The open API's input, declared per route; every refusal names the parameter or field."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field

from daemon.inputs import INT64_MAX, BodyModel, Offset, QueryModel, Text, decimal
from daemon.openapi.errors import bad_parameter
from db.inventory_diff import DiffFilter

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_ITEMS = 1000
# The last day whose end (the next midnight) is still a date.
LAST_DAY = date(9999, 12, 30)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    # fromisoformat alone would also take "20240501" or week dates: insist on the one form.
    if isinstance(value, str) and not _DATE.fullmatch(value.strip()):
        raise ValueError("expected YYYY-MM-DD")
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() not in ("true", "1", "false", "0"):
        raise ValueError("expected true or false")
    return value


Day = Annotated[date, Field(ge=date(1970, 1, 1), le=LAST_DAY), BeforeValidator(_iso_day)]
Filter = Annotated[Text, Field(min_length=1)]


class DiffQuery(QueryModel):
    """``GET /inventory/diff``: one UTC day's newest row per key, filtered and paged."""

    blank_is_absent: ClassVar[bool] = False

    date: Day | None = Field(None, description="UTC day, YYYY-MM-DD; default today")
    dsco_wid: Filter | None = None
    dsco_sku: Filter | None = None
    lingxing_wid: Filter | None = None
    lingxing_sku: Filter | None = None
    diff_only: Annotated[bool, BeforeValidator(_flag)] = False
    offset: Offset = 0
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT), BeforeValidator(decimal)] = DEFAULT_LIMIT


class SyncItem(BodyModel):
    sku: Annotated[str, Field(min_length=1, max_length=256)]
    warehouse: Annotated[str, Field(max_length=256)]
    quantity: Annotated[int, Field(ge=0, le=INT64_MAX)]


class SyncBody(BodyModel):
    """``POST /inventory/sync``: explicit ``items``, or (absent) today's rows."""

    dry_run: bool = True
    items: Annotated[list[SyncItem], Field(min_length=1, max_length=MAX_ITEMS)] | None = None


@dataclass(frozen=True)
class DiffRequest:
    day: date
    where: DiffFilter
    offset: int
    limit: int


def day_bounds(day: date) -> tuple[int, int]:
    """``[start, end)`` of a UTC day in unix seconds."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return int(start.timestamp()), int((start + timedelta(days=1)).timestamp())


def utc_today(now: float) -> date:
    return datetime.fromtimestamp(now, tz=UTC).date()


def diff_request(query: DiffQuery, today: date) -> DiffRequest:
    day = query.date or today
    start, end = day_bounds(day)
    where = DiffFilter(
        day_start=start,
        day_end=end,
        dsco_wid=query.dsco_wid,
        dsco_sku=query.dsco_sku,
        lingxing_wid=query.lingxing_wid,
        lingxing_sku=query.lingxing_sku,
        diff_only=query.diff_only,
    )
    return DiffRequest(day=day, where=where, offset=query.offset, limit=query.limit)


def validate_items(items: list[SyncItem], codes: Collection[str]) -> list[dict[str, Any]]:
    """Explicit items: each warehouse a mapped DSCO code, each (sku, warehouse) pair once."""
    seen: set[tuple[str, str]] = set()
    clean = []
    for index, item in enumerate(items):
        if not item.sku.strip():
            raise bad_parameter(f"items[{index}].sku", "expected a non-empty string")
        if item.warehouse not in codes:
            raise bad_parameter(
                f"items[{index}].warehouse", "not a DSCO warehouse code of mapping.warehouse"
            )
        if (item.sku, item.warehouse) in seen:
            raise bad_parameter(
                f"items[{index}]", f"sku {item.sku!r} / warehouse {item.warehouse!r} repeated"
            )
        seen.add((item.sku, item.warehouse))
        clean.append({"sku": item.sku, "warehouse": item.warehouse, "quantity": item.quantity})
    return clean
