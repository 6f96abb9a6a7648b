"""Inventory sync rows: ``GET /admin/api/warehouse-sync`` and ``…/options``.

Filters (query): ``warehouse_id`` and ``sku`` (comma lists; either side, DSCO or Lingxing),
``diff_range`` (``"min,max"`` inclusive, either end may be empty, e.g. ``"-5,5"`` or ``",0"``;
or ``"nonzero"``), ``status`` (1 ok, 2 failed), ``start``/``end`` on ``sync_time``;
``limit`` (≤ 500) and ``cursor`` or ``offset`` (see ``daemon/admin/listing.py``). Newest first,
with the total (exact, or labelled an estimate).
"""

from __future__ import annotations

import re

from aiohttp import web

from daemon.admin.answers import SyncListAnswer, SyncOptionsAnswer
from daemon.admin.context import admin_state
from daemon.admin.errors import invalid
from daemon.admin.listing import listing_cursor, page_fields
from daemon.admin.models import SyncFilterQuery, SyncListQuery
from daemon.admin.params import check_range
from daemon.routing import Route
from db.warehouse_sync_search import SyncFilter, options, search_sync

_SHAPE = 'expected "min,max" (an end may be empty) or "nonzero"'
# Twelve digits: any real stock difference, and far from the limits of bigint arithmetic.
_BOUND = re.compile(r"[+-]?[0-9]{1,12}")


def parse_diff_range(raw: str) -> tuple[int | None, int | None, bool]:
    """``"-5,5"`` → ``(-5, 5, False)``; ``"nonzero"`` → ``(None, None, True)``."""
    text = raw.strip().lower()
    if not text:
        return None, None, False
    if text == "nonzero":
        return None, None, True
    low, sep, high = text.partition(",")
    low_v, high_v = _bound(low), _bound(high)
    if not sep or (low_v is None and high_v is None):
        raise invalid("diff_range", _SHAPE)
    if low_v is not None and high_v is not None and low_v > high_v:
        raise invalid("diff_range", "min must not exceed max")
    return low_v, high_v, False


def _bound(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not _BOUND.fullmatch(text):
        raise invalid("diff_range", _SHAPE)
    return int(text)


def sync_filter(query: SyncFilterQuery) -> SyncFilter:
    diff_min, diff_max, nonzero = parse_diff_range(query.diff_range)
    check_range(query.start, query.end)
    return SyncFilter(
        warehouse_ids=query.warehouse_id,
        skus=query.sku,
        diff_min=diff_min,
        diff_max=diff_max,
        nonzero=nonzero,
        status=query.status,
        start=query.start,
        end=query.end,
    )


async def list_sync(request: web.Request, query: SyncListQuery) -> SyncListAnswer:
    """Inventory sync rows matching the filters, newest first, with the total (exact, or
    labelled an estimate) and the cursor of the next page."""
    state = admin_state(request)
    after = listing_cursor(query.offset, query.cursor)
    page = await search_sync(
        state.core.pool, sync_filter(query), offset=query.offset, limit=query.limit, after=after
    )
    return SyncListAnswer(
        **page_fields(page.total, page.next_cursor, query.offset, query.limit, after),
        rows=page.rows,
    )


async def sync_options(request: web.Request) -> SyncOptionsAnswer:
    """The warehouse ids and SKUs the rows hold (for the filter's choices)."""
    found = await options(admin_state(request).core.pool)
    return SyncOptionsAnswer(warehouse_ids=found.warehouse_ids, skus=found.skus)


ROUTES = (
    Route(
        "GET", "/admin/api/warehouse-sync", list_sync, query=SyncListQuery, answer=SyncListAnswer
    ),
    Route("GET", "/admin/api/warehouse-sync/options", sync_options, answer=SyncOptionsAnswer),
)
