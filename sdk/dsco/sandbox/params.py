"""Query-string parsing for the DSCO read endpoints; a violation becomes 400 VALIDATION_FAILED."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from multidict import MultiMapping

from .batches import LOG_STATUSES
from .clock import parse_ts
from .orders import DSCO_STATUSES, OrderQuery
from .switches import SandboxSwitches

Query = MultiMapping[str]


class BadRequest(Exception):
    """A query parameter DSCO would refuse; the text becomes the message description."""


def date_param(query: Query, name: str) -> datetime | None:
    raw = query.get(name)
    if raw is None:
        return None
    parsed = parse_ts(raw)
    if parsed is None:
        raise BadRequest(f"{name}: not an RFC 3339 date-time with an offset")
    return parsed


def bool_param(query: Query, name: str) -> bool | None:
    raw = query.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise BadRequest(f"{name}: expected true or false")
    return raw.lower() == "true"


def required(query: Query, name: str) -> str:
    value = query.get(name)
    if not value:
        raise BadRequest(f"{name}: required")
    return value


def enum_param(query: Query, name: str, allowed: tuple[str, ...]) -> str:
    value = required(query, name)
    if value not in allowed:
        raise BadRequest(f"{name}: must be one of {', '.join(allowed)}")
    return value


def order_page_query(query: Query, now: datetime, sw: SandboxSwitches) -> tuple[OrderQuery, int]:
    """The filters and page size of a first ``GET /order/page`` call."""
    statuses = frozenset(query.getall("status", []))
    if not statuses <= set(DSCO_STATUSES):
        raise BadRequest(f"status: values must be among {', '.join(DSCO_STATUSES)}")
    consumer = query.get("consumerOrderNumber") or None
    created, updated = (
        date_param(query, "ordersCreatedSince"),
        date_param(query, "ordersUpdatedSince"),
    )
    until = date_param(query, "until")
    if consumer is None:
        _check_window(created, updated, until, now, sw)
    order_query = OrderQuery(
        created_since=created,
        updated_since=updated,
        until=until,
        statuses=statuses,
        include_test=bool_param(query, "includeTestOrders") or False,
        consumer_order_number=consumer,
        returned_only=bool_param(query, "returnedOnly"),
    )
    return order_query, _per_page(query)


def _check_window(
    created: datetime | None,
    updated: datetime | None,
    until: datetime | None,
    now: datetime,
    sw: SandboxSwitches,
) -> None:
    if created is None and updated is None:
        raise BadRequest("ordersCreatedSince or ordersUpdatedSince is required")
    if until is None:
        raise BadRequest("until: required with a date window")
    if until > now - timedelta(seconds=sw.until_min_age_seconds):
        raise BadRequest(f"until: must be at least {sw.until_min_age_seconds:g} s in the past")


def _per_page(query: Query) -> int:
    raw = query.get("ordersPerPage")
    if raw is None:
        return 1000
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest("ordersPerPage: must be an integer") from None
    if not value.is_integer() or not 10 <= value <= 1000:
        raise BadRequest("ordersPerPage: must be an integer from 10 to 1000")
    return int(value)


@dataclass(frozen=True)
class LogQuery:
    """The filters of a first change-log call."""

    request_id: str | None
    status: str | None
    start: datetime | None
    end: datetime | None


def log_query(query: Query) -> LogQuery:
    status = query.get("status")
    if status is not None and status not in LOG_STATUSES:
        raise BadRequest(f"status: must be one of {', '.join(LOG_STATUSES)}")
    request_id = query.get("requestId") or None
    start, end = date_param(query, "startDate"), date_param(query, "endDate")
    if request_id is None and (start is None or end is None):
        raise BadRequest("startDate and endDate are required without requestId or scrollId")
    return LogQuery(request_id, status, start, end)
