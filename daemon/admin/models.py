"""The admin API's input, declared once per route (query parameters and JSON bodies).

Field rules live in the types (``daemon.inputs``): bounded integers, times within years
1970–9999, text without control characters. Rules across fields (``end`` after ``start``, the
export window) are checked by the handlers, which know the configured limits.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from daemon.inputs import (
    INT64_MAX,
    BodyModel,
    Offset,
    QueryModel,
    QueryTime,
    Text,
    TextList,
    UnixTime,
    comma_list,
    decimal,
)
from db.order_search import MAX_LIMIT as ORDERS_MAX_LIMIT
from db.warehouse_sync_search import MAX_LIMIT as SYNC_MAX_LIMIT

DEFAULT_LIMIT = 50
STATUSES = range(1, 7)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


PoNumber = Annotated[Text, AfterValidator(_not_blank)]
"""A PO number as DSCO sends it: any text, so it travels in a query or body, never a path."""
JobName = Annotated[str, Field(min_length=1, max_length=64)]
Status = Annotated[int, Field(ge=1, le=6)]
StatusList = Annotated[
    tuple[Annotated[Status, BeforeValidator(decimal)], ...], BeforeValidator(comma_list)
]
Reason = Annotated[str, Field(max_length=500), AfterValidator(_not_blank)]


OrdersLimit = Annotated[int, Field(ge=1, le=ORDERS_MAX_LIMIT), BeforeValidator(decimal)]
SyncLimit = Annotated[int, Field(ge=1, le=SYNC_MAX_LIMIT), BeforeValidator(decimal)]


# --- query parameters ---------------------------------------------------------------------------


class DomainQuery(QueryModel):
    domain: Text = Field(description="the runtime-config domain, dsco_lingxing")


class OrderFilterQuery(QueryModel):
    """The order list's filters (the CSV export takes the same)."""

    po_number: Text = Field("", description="contains, case-insensitive")
    status: StatusList = Field((), description="comma list of local statuses 1..6")
    dsco_status: Text = ""
    dsco_retailer_id: Text = ""
    msku: Text = Field("", description="sku (any quantity) or sku(qty)")
    warehouse_id: Text = ""
    shipment: Text = ""
    tracking: Text = Field("", description="contains")
    invoice_id: Text = Field("", description="contains")
    start: QueryTime | None = Field(None, description="DSCO create time >= start (unix s)")
    end: QueryTime | None = Field(None, description="DSCO create time < end (unix s)")
    min_attempts: Annotated[int, Field(ge=1, le=1_000_000), BeforeValidator(decimal)] | None = (
        Field(None, description="picked by at least this many runs without moving (stuck)")
    )


class OrderListQuery(OrderFilterQuery):
    offset: Offset = 0
    limit: OrdersLimit = DEFAULT_LIMIT
    cursor: Text = Field("", description="next_cursor of the page before (instead of offset)")


class SyncFilterQuery(QueryModel):
    """The warehouse-sync list's filters (the CSV export takes the same)."""

    warehouse_id: TextList = Field((), description="comma list; DSCO or Lingxing side")
    sku: TextList = Field((), description="comma list; DSCO or Lingxing side")
    diff_range: Text = Field("", description='"min,max" (an end may be empty) or "nonzero"')
    status: Annotated[int, Field(ge=1, le=2), BeforeValidator(decimal)] | None = Field(
        None, description="1 ok, 2 failed"
    )
    start: QueryTime | None = None
    end: QueryTime | None = None


class SyncListQuery(SyncFilterQuery):
    offset: Offset = 0
    limit: SyncLimit = DEFAULT_LIMIT
    cursor: Text = Field("", description="next_cursor of the page before (instead of offset)")


class OrderQuery(QueryModel):
    po_number: PoNumber


class CronQuery(QueryModel):
    cron: Annotated[str, Field(max_length=200)]
    count: Annotated[int, Field(ge=1, le=20), BeforeValidator(decimal)] = 5


# --- JSON bodies --------------------------------------------------------------------------------


class LoginBody(BodyModel):
    password: Annotated[str, Field(max_length=1024)]


class RunJobsBody(BodyModel):
    jobs: list[JobName] = Field(
        default_factory=list, max_length=32, description="empty: the pipeline, in order"
    )


class RunOneBody(BodyModel):
    job: JobName


class RangeBody(BodyModel):
    start: UnixTime
    end: UnixTime


class CheckBody(BodyModel):
    po_number: PoNumber | None = None
    start: UnixTime | None = None
    end: UnixTime | None = None


class StatusBody(BodyModel):
    status: Status
    reason: Reason = Field(description="why; written to the log with the old and new status")


class OrderStatusBody(StatusBody):
    po_number: PoNumber


class OrderBody(BodyModel):
    po_number: PoNumber


class ConfigBody(BodyModel):
    config: dict[str, Any] = Field(description="the whole runtime-config document")
    expected_version: Annotated[int, Field(ge=1, le=INT64_MAX)] | None = None
