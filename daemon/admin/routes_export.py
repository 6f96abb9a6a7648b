"""CSV exports of the current filter, streamed from a server-side cursor.

``GET /admin/api/export/orders.csv`` takes the order list's filters, ``GET
/admin/api/export/warehouse-sync.csv`` the warehouse-sync list's; paging is ignored (the whole
filter is exported). The time range (``start``/``end``; defaults: the last
``admin.export.max_range_days`` up to now) may not exceed ``admin.export.max_range_days``.
A copy of each export is kept under ``<admin.export.dir>/csv/``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import time
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from daemon.admin.context import AdminState, admin_state
from daemon.admin.csv_export import Row, stream_csv
from daemon.admin.models import OrderFilterQuery, SyncFilterQuery
from daemon.admin.params import check_range
from daemon.admin.routes_orders import order_filter
from daemon.admin.routes_sync import sync_filter
from daemon.routing import Csv, Route
from db.order_search import OrderFilter, OrderSummary, iter_orders
from db.warehouse_sync_search import SyncFilter, SyncRecord, iter_sync

ORDER_HEADER = (
    "po_number",
    "status",
    "dsco_status",
    "dsco_retailer_id",
    "warehouse_id",
    "shipment",
    "mskus",
    "shipped_tracking_no",
    "dsco_invoice_id",
    "dsco_create_time",
    "dsco_create_time_local",
    "updated_at",
)
SYNC_HEADER = (
    "sync_time",
    "sync_time_local",
    "dsco_warehouse_id",
    "dsco_warehouse_sku",
    "dsco_warehouse_num",
    "lingxing_warehouse_id",
    "lingxing_warehouse_sku",
    "lingxing_warehouse_num",
    "diff",
    "status",
    "reason",
)


def _window(state: AdminState, start: int | None, end: int | None) -> tuple[int, int]:
    """The export's ``[start, end)``, defaulted and limited to ``max_range_days``."""
    end = end if end is not None else int(time.time()) + 1
    start = start if start is not None else end - state.max_range_seconds
    check_range(start, end, state.max_range_seconds)
    return start, end


def _filename(kind: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{kind}-{stamp}-{secrets.token_hex(3)}.csv"


def _local(state: AdminState, ts: int) -> str:
    zone = ZoneInfo(state.settings.admin.display_timezone)
    return datetime.fromtimestamp(ts, zone).isoformat()


def _order_row(state: AdminState, o: OrderSummary) -> Row:
    return (
        o.po_number,
        o.status,
        o.dsco_status,
        o.dsco_retailer_id,
        o.warehouse_id,
        o.shipment,
        " ".join(o.mskus),
        o.shipped_tracking_no,
        o.dsco_invoice_id,
        o.dsco_create_time,
        _local(state, o.dsco_create_time),
        o.updated_at,
    )


def _sync_row(state: AdminState, r: SyncRecord) -> Row:
    return (
        r.sync_time,
        _local(state, r.sync_time),
        r.dsco_warehouse_id,
        r.dsco_warehouse_sku,
        r.dsco_warehouse_num,
        r.lingxing_warehouse_id,
        r.lingxing_warehouse_sku,
        r.lingxing_warehouse_num,
        r.diff,
        r.status,
        r.reason,
    )


async def _order_rows(state: AdminState, f: OrderFilter) -> AsyncGenerator[Row, None]:
    async with (
        state.core.pool.acquire() as conn,
        contextlib.aclosing(iter_orders(conn, f)) as orders,
    ):
        async for order in orders:
            yield _order_row(state, order)


async def _sync_rows(state: AdminState, f: SyncFilter) -> AsyncGenerator[Row, None]:
    async with (
        state.core.pool.acquire() as conn,
        contextlib.aclosing(iter_sync(conn, f)) as records,
    ):
        async for record in records:
            yield _sync_row(state, record)


async def _export(
    request: web.Request, name: str, header: tuple[str, ...], rows: AsyncGenerator[Row, None]
) -> web.StreamResponse:
    state = admin_state(request)
    async with contextlib.aclosing(rows):
        return await stream_csv(
            request,
            filename=_filename(name),
            header=header,
            rows=rows,
            copy_dir=state.settings.export_dir / "csv",
        )


async def export_orders(request: web.Request, query: OrderFilterQuery) -> web.StreamResponse:
    """The orders matching the filters as CSV (the whole filter, no paging)."""
    state = admin_state(request)
    f = order_filter(query)
    start, end = _window(state, f.start, f.end)
    f = dataclasses.replace(f, start=start, end=end)
    return await _export(request, "orders", ORDER_HEADER, _order_rows(state, f))


async def export_sync(request: web.Request, query: SyncFilterQuery) -> web.StreamResponse:
    """The inventory sync rows matching the filters as CSV (the whole filter, no paging)."""
    state = admin_state(request)
    f = sync_filter(query)
    start, end = _window(state, f.start, f.end)
    f = dataclasses.replace(f, start=start, end=end)
    return await _export(request, "warehouse-sync", SYNC_HEADER, _sync_rows(state, f))


ROUTES = (
    Route(
        "GET",
        "/admin/api/export/orders.csv",
        export_orders,
        query=OrderFilterQuery,
        answer=Csv(ORDER_HEADER),
    ),
    Route(
        "GET",
        "/admin/api/export/warehouse-sync.csv",
        export_sync,
        query=SyncFilterQuery,
        answer=Csv(SYNC_HEADER),
    ),
)
