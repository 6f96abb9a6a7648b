"""Inventory sync rows (SPEC §8): ``GET /admin/api/warehouse-sync`` and ``…/options``.

Filters (query): ``warehouse_id`` and ``sku`` (comma lists; either side, DSCO or Lingxing),
``diff_range`` (``"min,max"`` inclusive, either end may be empty, e.g. ``"-5,5"`` or ``",0"``;
or ``"nonzero"``), ``status`` (1 ok, 2 failed), ``start``/``end`` on ``sync_time``;
``offset``/``limit`` (≤ 500). Newest first, with the total count.
"""

from __future__ import annotations

import dataclasses

from aiohttp import web
from multidict import MultiMapping

from daemon.admin.context import admin_state
from daemon.admin.errors import invalid
from daemon.admin.params import check_range, paging, query_int, query_list, query_str
from db.warehouse_sync_search import MAX_LIMIT, SyncFilter, options, search_sync


def parse_diff_range(raw: str) -> tuple[int | None, int | None, bool]:
    """``"-5,5"`` → ``(-5, 5, False)``; ``"nonzero"`` → ``(None, None, True)``."""
    text = raw.strip().lower()
    if not text:
        return None, None, False
    if text == "nonzero":
        return None, None, True
    low, sep, high = text.partition(",")
    try:
        bounds = [int(v) if v.strip() else None for v in (low, high)]
    except ValueError:
        bounds = []
    if not sep or len(bounds) != 2 or bounds == [None, None]:
        raise invalid("diff_range", 'expected "min,max" (an end may be empty) or "nonzero"')
    low_v, high_v = bounds
    if low_v is not None and high_v is not None and low_v > high_v:
        raise invalid("diff_range", "min must not exceed max")
    return low_v, high_v, False


def sync_filter(query: MultiMapping[str]) -> SyncFilter:
    diff_min, diff_max, nonzero = parse_diff_range(query_str(query, "diff_range"))
    status = query_int(query, "status")
    if status not in (None, 1, 2):
        raise invalid("status", "must be 1 (ok) or 2 (failed)")
    start, end = query_int(query, "start"), query_int(query, "end")
    check_range(start, end)
    return SyncFilter(
        warehouse_ids=query_list(query, "warehouse_id"),
        skus=query_list(query, "sku"),
        diff_min=diff_min,
        diff_max=diff_max,
        nonzero=nonzero,
        status=status,
        start=start,
        end=end,
    )


async def list_sync(request: web.Request) -> web.Response:
    state = admin_state(request)
    f = sync_filter(request.query)
    offset, limit = paging(request.query, MAX_LIMIT)
    page = await search_sync(state.core.pool, f, offset=offset, limit=limit)
    return web.json_response(
        {
            "total": page.total,
            "offset": offset,
            "limit": limit,
            "rows": [dataclasses.asdict(r) for r in page.rows],
        }
    )


async def sync_options(request: web.Request) -> web.Response:
    found = await options(admin_state(request).core.pool)
    return web.json_response({"warehouse_ids": found.warehouse_ids, "skus": found.skus})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin/api/warehouse-sync", list_sync)
    app.router.add_get("/admin/api/warehouse-sync/options", sync_options)
