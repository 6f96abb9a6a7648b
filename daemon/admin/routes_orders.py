"""Orders: manual pull, list with filters, one order, its history, edit status, run,
check.

- ``POST /admin/api/orders/pull`` ``{"start", "end"}`` unix seconds, ``[start, end)``.
- ``GET /admin/api/orders`` filters (query): ``po_number`` (contains), ``status`` (comma list),
  ``dsco_status``, ``dsco_retailer_id``, ``msku`` (``sku`` or ``sku(qty)``), ``warehouse_id``,
  ``shipment``, ``tracking`` (contains), ``invoice_id`` (contains), ``start``/``end`` on the
  DSCO create time; ``limit`` (≤ 500) and ``cursor`` or ``offset`` (see
  ``daemon/admin/listing.py``). Newest first, with the total (exact, or labelled an estimate).
- one order: ``GET /admin/api/order?po_number=…`` (with its payload), ``GET
  /admin/api/order/history?po_number=…`` (its recent log records), ``PUT
  /admin/api/order/status`` ``{"po_number", "status": 1..6, "reason"}`` (the only backwards
  move; logged with the reason), ``POST /admin/api/order/run`` ``{"po_number"}`` (the job
  whose input status is the order's, for that PO only).
- ``POST /admin/api/orders/check`` ``{"start", "end"}`` or ``{"po_number"}``.

A PO number is DSCO's text and may be anything (``..``, ``a/b``): a path segment cannot carry
every such value (browsers and proxies normalise dot segments), so the PO travels in the query
or the body. The path forms ``/admin/api/orders/{po}[/status|/run]`` remain for PO numbers
that fit in a path.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from loguru import logger

from daemon.admin.answers import (
    HistoryAnswer,
    OrderAnswer,
    OrderListAnswer,
    OrderRunAnswer,
    StatusChangeAnswer,
)
from daemon.admin.context import AdminState, admin_state
from daemon.admin.errors import ApiError, invalid, not_found
from daemon.admin.listing import listing_cursor, page_fields
from daemon.admin.models import (
    CheckBody,
    OrderBody,
    OrderFilterQuery,
    OrderListQuery,
    OrderQuery,
    OrderStatusBody,
    RangeBody,
    StatusBody,
)
from daemon.admin.params import check_range
from daemon.admin.routes_jobs import run_job
from daemon.answers import RunAnswer
from daemon.routing import Route
from db import orders as q
from db.order_search import OrderFilter, search_orders

HISTORY_LIMIT = 100


def order_filter(query: OrderFilterQuery) -> OrderFilter:
    """The list / export filter (400 naming a field when ``end`` is not after ``start``)."""
    check_range(query.start, query.end)
    return OrderFilter(
        po_number=query.po_number,
        statuses=query.status,
        dsco_status=query.dsco_status,
        dsco_retailer_id=query.dsco_retailer_id,
        msku=query.msku,
        warehouse_id=query.warehouse_id,
        shipment=query.shipment,
        tracking=query.tracking,
        invoice_id=query.invoice_id,
        start=query.start,
        end=query.end,
        min_attempts=query.min_attempts,
    )


async def list_orders(request: web.Request, query: OrderListQuery) -> OrderListAnswer:
    """Orders matching the filters, newest first, with the total (exact, or labelled an
    estimate) and the cursor of the next page."""
    state = admin_state(request)
    after = listing_cursor(query.offset, query.cursor)
    page = await search_orders(
        state.core.pool, order_filter(query), offset=query.offset, limit=query.limit, after=after
    )
    return OrderListAnswer(
        **page_fields(page.total, page.next_cursor, query.offset, query.limit, after),
        orders=page.orders,
    )


async def _order(state: AdminState, po: str) -> q.OrderRow:
    row = await q.get_order(state.core.pool, po)
    if row is None:
        raise not_found(f"order {po!r}")
    return row


async def _detail(state: AdminState, po: str) -> OrderAnswer:
    return OrderAnswer.of(await _order(state, po))


async def get_order(request: web.Request, query: OrderQuery) -> OrderAnswer:
    """One order with its DSCO payload."""
    return await _detail(admin_state(request), query.po_number)


async def get_order_by_path(request: web.Request, path: OrderQuery) -> OrderAnswer:
    """One order with its DSCO payload (a PO number that fits in a path)."""
    return await _detail(admin_state(request), path.po_number)


async def order_history(request: web.Request, query: OrderQuery) -> HistoryAnswer:
    """The order's newest log records (whether or not the order has a row: a pull may have
    refused it, and the log says why)."""
    history = await admin_state(request).history.for_order(query.po_number, HISTORY_LIMIT)
    return HistoryAnswer(
        po_number=query.po_number,
        source=history.source,
        note=history.note,
        entries=history.entries,
    )


async def _set_status(state: AdminState, po: str, body: StatusBody) -> StatusChangeAnswer:
    old = await q.set_status(state.core.pool, po, body.status, int(time.time()))
    if old is None:
        raise not_found(f"order {po!r}")
    logger.bind(po_number=po).warning(
        "order status edited by admin: {} -> {} reason: {}", old, body.status, body.reason
    )
    return StatusChangeAnswer(po_number=po, old_status=old, status=body.status)


async def set_status(request: web.Request, body: OrderStatusBody) -> StatusChangeAnswer:
    """Set an order's status (any direction), logged with the reason."""
    return await _set_status(admin_state(request), body.po_number, body)


async def set_status_by_path(
    request: web.Request, path: OrderQuery, body: StatusBody
) -> StatusChangeAnswer:
    """Set an order's status (a PO number that fits in a path)."""
    return await _set_status(admin_state(request), path.po_number, body)


async def _run_order(state: AdminState, po: str) -> OrderRunAnswer:
    before = await _order(state, po)
    spec = state.core.runner.registry.for_status(before.status)
    if spec is None:
        raise ApiError(
            400, "no_job", f"no job handles orders in status {before.status}", field="status"
        )
    result = await run_job(state, spec.name, po_number=before.po_number)
    after = await q.get_order(state.core.pool, before.po_number)
    return OrderRunAnswer(
        po_number=before.po_number,
        job=spec.name,
        status_before=before.status,
        status_after=after.status if after else None,
        result=RunAnswer.of(result),
    )


async def run_order(request: web.Request, body: OrderBody) -> OrderRunAnswer:
    """Run the job whose input status is the order's, for this order only."""
    return await _run_order(admin_state(request), body.po_number)


async def run_order_by_path(request: web.Request, path: OrderQuery) -> OrderRunAnswer:
    """Run the order's job for it (a PO number that fits in a path)."""
    return await _run_order(admin_state(request), path.po_number)


async def pull(request: web.Request, body: RangeBody) -> RunAnswer:
    """Pull DSCO orders created in ``[start, end)`` (unix seconds)."""
    state = admin_state(request)
    check_range(body.start, body.end, state.max_range_seconds)
    overrides = {"start": body.start, "end": body.end}
    result = await run_job(state, "pull_dsco_orders", overrides=overrides)
    return RunAnswer.of(result)


async def check(request: web.Request, body: CheckBody) -> RunAnswer:
    """Compare local orders with DSCO and Lingxing (a time range or one PO); writes nothing."""
    state = admin_state(request)
    kwargs: dict[str, Any]
    if body.po_number is not None:
        kwargs = {"po_number": body.po_number}
    else:
        for name in ("start", "end"):
            if getattr(body, name) is None:
                raise invalid(name, "required (or po_number)")
        check_range(body.start, body.end, state.max_range_seconds)
        kwargs = {"overrides": {"start": body.start, "end": body.end}}
    result = await run_job(state, "check_orders", **kwargs)
    return RunAnswer.of(result)


ONE = "/admin/api/orders/{po_number}"

ROUTES = (
    Route("POST", "/admin/api/orders/pull", pull, body=RangeBody, answer=RunAnswer, errors=(409,)),
    Route(
        "POST", "/admin/api/orders/check", check, body=CheckBody, answer=RunAnswer, errors=(409,)
    ),
    Route("GET", "/admin/api/orders", list_orders, query=OrderListQuery, answer=OrderListAnswer),
    Route(
        "GET", "/admin/api/order", get_order, query=OrderQuery, answer=OrderAnswer, errors=(404,)
    ),
    Route("GET", "/admin/api/order/history", order_history, query=OrderQuery, answer=HistoryAnswer),
    Route(
        "PUT",
        "/admin/api/order/status",
        set_status,
        body=OrderStatusBody,
        answer=StatusChangeAnswer,
        errors=(404,),
    ),
    Route(
        "POST",
        "/admin/api/order/run",
        run_order,
        body=OrderBody,
        answer=OrderRunAnswer,
        errors=(404, 409),
    ),
    Route("GET", ONE, get_order_by_path, path_params=OrderQuery, answer=OrderAnswer, errors=(404,)),
    Route(
        "PUT",
        f"{ONE}/status",
        set_status_by_path,
        path_params=OrderQuery,
        body=StatusBody,
        answer=StatusChangeAnswer,
        errors=(404,),
    ),
    Route(
        "POST",
        f"{ONE}/run",
        run_order_by_path,
        path_params=OrderQuery,
        answer=OrderRunAnswer,
        errors=(404, 409),
    ),
)
