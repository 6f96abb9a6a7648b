"""Orders (SPEC §8): manual pull, list with filters, one order, edit status, run, check.

- ``POST /admin/api/orders/pull`` ``{"start", "end"}`` unix seconds, ``[start, end)``.
- ``GET /admin/api/orders`` filters (query): ``po_number`` (contains), ``status`` (comma list),
  ``dsco_status``, ``dsco_retailer_id``, ``msku`` (``sku`` or ``sku(qty)``), ``warehouse_id``,
  ``shipment``, ``tracking`` (contains), ``invoice_id`` (contains), ``start``/``end`` on the
  DSCO create time; ``offset``/``limit`` (≤ 500). Newest first, with the total count.
- ``PUT /admin/api/orders/{po}/status`` ``{"status": 1..6}``: the only backwards move (logged).
- ``POST /admin/api/orders/{po}/run``: the job whose input status is the order's, for that PO.
- ``POST /admin/api/orders/check`` ``{"start", "end"}`` or ``{"po_number"}``.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from aiohttp import web
from loguru import logger
from multidict import MultiMapping

from daemon.admin.context import admin_state
from daemon.admin.errors import ApiError, invalid, not_found
from daemon.admin.params import (
    body_int,
    check_range,
    json_body,
    paging,
    query_int,
    query_list,
    query_str,
)
from daemon.admin.routes_jobs import run_job
from db import orders as q
from db.order_search import MAX_LIMIT, OrderFilter, search_orders


def order_filter(query: MultiMapping[str]) -> OrderFilter:
    """The list / export filter from the query string (400 naming a malformed field)."""
    try:
        statuses = tuple(int(s) for s in query_list(query, "status"))
    except ValueError:
        raise invalid("status", "must be a comma list of 1..6") from None
    if any(not 1 <= s <= 6 for s in statuses):
        raise invalid("status", "must be a comma list of 1..6")
    start, end = query_int(query, "start"), query_int(query, "end")
    check_range(start, end)
    return OrderFilter(
        po_number=query_str(query, "po_number"),
        statuses=statuses,
        dsco_status=query_str(query, "dsco_status"),
        dsco_retailer_id=query_str(query, "dsco_retailer_id"),
        msku=query_str(query, "msku"),
        warehouse_id=query_str(query, "warehouse_id"),
        shipment=query_str(query, "shipment"),
        tracking=query_str(query, "tracking"),
        invoice_id=query_str(query, "invoice_id"),
        start=start,
        end=end,
        min_attempts=query_int(query, "min_attempts"),
    )


async def list_orders(request: web.Request) -> web.Response:
    state = admin_state(request)
    f = order_filter(request.query)
    offset, limit = paging(request.query, MAX_LIMIT)
    page = await search_orders(state.core.pool, f, offset=offset, limit=limit)
    return web.json_response(
        {
            "total": page.total,
            "offset": offset,
            "limit": limit,
            "orders": [dataclasses.asdict(o) for o in page.orders],
        }
    )


async def _order(request: web.Request) -> q.OrderRow:
    po = request.match_info["po"]
    row = await q.get_order(admin_state(request).core.pool, po)
    if row is None:
        raise not_found(f"order {po!r}")
    return row


async def get_order(request: web.Request) -> web.Response:
    row = await _order(request)
    return web.json_response(dataclasses.asdict(row))


async def set_status(request: web.Request) -> web.Response:
    state = admin_state(request)
    po = request.match_info["po"]
    status = body_int(await json_body(request), "status")
    if status is None or not 1 <= status <= 6:
        raise invalid("status", "must be an integer 1..6")
    old = await q.set_status(state.core.pool, po, status, int(time.time()))
    if old is None:
        raise not_found(f"order {po!r}")
    logger.bind(po_number=po).info("order status edited by admin: {} -> {}", old, status)
    return web.json_response({"po_number": po, "old_status": old, "status": status})


async def run_order(request: web.Request) -> web.Response:
    state = admin_state(request)
    before = await _order(request)
    spec = state.core.runner.registry.for_status(before.status)
    if spec is None:
        raise ApiError(
            400, "no_job", f"no job handles orders in status {before.status}", field="status"
        )
    result = await run_job(state, spec.name, po_number=before.po_number)
    after = await q.get_order(state.core.pool, before.po_number)
    return web.json_response(
        {
            "po_number": before.po_number,
            "job": spec.name,
            "status_before": before.status,
            "status_after": after.status if after else None,
            "result": result.to_json(),
        }
    )


async def pull(request: web.Request) -> web.Response:
    state = admin_state(request)
    body = await json_body(request)
    start, end = body_int(body, "start"), body_int(body, "end")
    check_range(start, end, state.max_range_seconds)
    result = await run_job(state, "pull_dsco_orders", overrides={"start": start, "end": end})
    return web.json_response(result.to_json())


async def check(request: web.Request) -> web.Response:
    state = admin_state(request)
    body = await json_body(request)
    po = body.get("po_number")
    kwargs: dict[str, Any]
    if po is not None:
        if not isinstance(po, str) or not po.strip():
            raise invalid("po_number", "must be a non-empty string")
        kwargs = {"po_number": po.strip()}
    else:
        start, end = body_int(body, "start"), body_int(body, "end")
        check_range(start, end, state.max_range_seconds)
        kwargs = {"overrides": {"start": start, "end": end}}
    result = await run_job(state, "check_orders", **kwargs)
    return web.json_response(result.to_json())


def add_routes(app: web.Application) -> None:
    app.router.add_post("/admin/api/orders/pull", pull)
    app.router.add_post("/admin/api/orders/check", check)
    app.router.add_get("/admin/api/orders", list_orders)
    app.router.add_get("/admin/api/orders/{po}", get_order)
    app.router.add_put("/admin/api/orders/{po}/status", set_status)
    app.router.add_post("/admin/api/orders/{po}/run", run_order)
