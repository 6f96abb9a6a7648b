"""``/api/v1`` handlers: the day's inventory differences and a stock sync run.

A sync goes through the runner like every other trigger (``trigger="api"``); the request's
choices travel as per-run overrides, so the runtime configuration is never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from aiohttp import web
from loguru import logger

from daemon.api_description import ApiDescription, openapi_description
from daemon.core import Core
from daemon.openapi.answers import DiffAnswer, SyncRunAnswer
from daemon.openapi.errors import ApiError
from daemon.openapi.params import (
    DiffQuery,
    SyncBody,
    day_bounds,
    diff_request,
    utc_today,
    validate_items,
)
from daemon.routing import Route, add_routes
from db.inventory_diff import DiffRow, diff_page, newest_rows

API_CORE = web.AppKey("openapi_core", Core)
API_CLOCK: web.AppKey[Callable[[], float]] = web.AppKey("openapi_clock")

JOB = "sync_stock"
MAX_SOURCE_KEYS = 5000


async def inventory_diff(request: web.Request, params: DiffQuery) -> DiffAnswer:
    """One UTC day's inventory comparisons: the newest row per key, filtered and paged."""
    core, now = request.app[API_CORE], request.app[API_CLOCK]()
    query = diff_request(params, utc_today(now))
    page = await diff_page(core.pool, query.where, offset=query.offset, limit=query.limit)
    return DiffAnswer(
        date=query.day, total=page.total, offset=query.offset, limit=query.limit, rows=page.rows
    )


async def inventory_sync(request: web.Request, body: SyncBody) -> SyncRunAnswer:
    """Run ``sync_stock`` once on explicit items or today's rows (a dry run by default).

    The request's choices reach the run as overrides; the runtime config is not changed.
    """
    core, now = request.app[API_CORE], request.app[API_CLOCK]()
    codes = set(core.config.snapshot.config.mapping.warehouse)
    if body.items is not None:
        source, items, skipped = "items", validate_items(body.items, codes), 0
    else:
        source = "rows"
        items, skipped = await _items_from_rows(core, now, codes)
    logger.info(
        "open api sync requested source={} items={} dry_run={}", source, len(items), body.dry_run
    )
    result = await core.runner.run(
        JOB, trigger="api", overrides={"dry_run": body.dry_run, "items": items}
    )
    if result.status == "already_running":
        raise ApiError(409, "already_running", f"{JOB} is already running; try again later")
    plan = {"source": source, "dry_run": body.dry_run, "items": items, "skipped": skipped}
    return SyncRunAnswer.of_run(result, plan)


async def _items_from_rows(
    core: Core, now: float, codes: Collection[str]
) -> tuple[list[dict[str, Any]], int]:
    """Today's newest row per key → one item each (Lingxing's quantity); unmapped skipped."""
    start, end = day_bounds(utc_today(now))
    rows = await newest_rows(core.pool, start, end, limit=MAX_SOURCE_KEYS + 1)
    if len(rows) > MAX_SOURCE_KEYS:
        raise ApiError(
            400,
            "too_many_rows",
            f"today has more than {MAX_SOURCE_KEYS} warehouse/SKU keys; send explicit items",
        )
    # A warehouse dropped from mapping.warehouse since the rows were written cannot be sent.
    usable = [row for row in rows if row.dsco_warehouse_id in codes]
    if not usable:
        raise ApiError(
            400, "no_rows", "no dsco_warehouse_sync rows of a mapped warehouse today (UTC)"
        )
    return [_item(row) for row in usable], len(rows) - len(usable)


def _item(row: DiffRow) -> dict[str, Any]:
    # DSCO takes no negative stock; a negative Lingxing figure means "none available".
    quantity = max(0, row.lingxing_warehouse_num)
    return {"sku": row.dsco_warehouse_sku, "warehouse": row.dsco_warehouse_id, "quantity": quantity}


ROUTES = (
    Route("GET", "/inventory/diff", inventory_diff, query=DiffQuery, answer=DiffAnswer),
    Route(
        "POST",
        "/inventory/sync",
        inventory_sync,
        body=SyncBody,
        answer=SyncRunAnswer,
        errors=(409,),
    ),
    Route("GET", "/openapi.json", openapi_description, answer=ApiDescription),
)


def add_open_api_routes(app: web.Application) -> None:
    add_routes(app, ROUTES)
