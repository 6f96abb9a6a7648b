"""Admin searches on ``dsco_warehouse_sync``: filters, keyset pages, options, rows.

Newest first (``sync_time DESC, id DESC``). Warehouse and SKU filters match either side
(DSCO or Lingxing), since the admin may know a row by either name; each side has its index.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import asyncpg

from db.search import (
    COUNT_BOUND,
    Cursor,
    Listing,
    Total,
    Where,
    check_paging,
    fetch_page,
    walk,
)
from db.types import Conn, Executor

MAX_LIMIT = 500


@dataclass(frozen=True)
class SyncFilter:
    """Every admin filter; empty / ``None`` fields do not filter."""

    warehouse_ids: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    diff_min: int | None = None
    diff_max: int | None = None
    nonzero: bool = False  # diff <> 0
    status: int | None = None
    start: int | None = None  # sync_time >= start
    end: int | None = None  # sync_time < end


@dataclass(frozen=True)
class SyncRecord:
    id: int
    sync_time: int
    dsco_warehouse_id: str
    dsco_warehouse_sku: str
    dsco_warehouse_num: int
    lingxing_warehouse_id: str
    lingxing_warehouse_sku: str
    lingxing_warehouse_num: int
    diff: int
    status: int
    reason: str
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class SyncPage:
    total: Total
    rows: list[SyncRecord] = field(default_factory=list)
    next_cursor: Cursor | None = None


@dataclass(frozen=True)
class SyncOptions:
    """Distinct values for the admin's filter drop-downs."""

    warehouse_ids: list[str]
    skus: list[str]


SYNC_ROWS = Listing(
    table="dsco_warehouse_sync",
    columns=", ".join(SyncRecord.__dataclass_fields__),
    time_column="sync_time",
)


def _where(f: SyncFilter) -> Where:
    w = Where()
    if f.warehouse_ids:
        w.add(
            "(dsco_warehouse_id = ANY({p}::text[]) OR lingxing_warehouse_id = ANY({p}::text[]))",
            list(f.warehouse_ids),
        )
    if f.skus:
        w.add(
            "(dsco_warehouse_sku = ANY({p}::text[]) OR lingxing_warehouse_sku = ANY({p}::text[]))",
            list(f.skus),
        )
    if f.nonzero:
        w.clauses.append("diff <> 0")
    if f.diff_min is not None:
        w.add("diff >= {p}", f.diff_min)
    if f.diff_max is not None:
        w.add("diff <= {p}", f.diff_max)
    if f.status is not None:
        w.add("status = {p}", f.status)
    if f.start is not None:
        w.add("sync_time >= {p}", f.start)
    if f.end is not None:
        w.add("sync_time < {p}", f.end)
    return w


def _record(record: asyncpg.Record) -> SyncRecord:
    return SyncRecord(**dict(record))


async def search_sync(
    db: Executor,
    f: SyncFilter,
    *,
    limit: int,
    offset: int = 0,
    after: Cursor | None = None,
    count_bound: int = COUNT_BOUND,
) -> SyncPage:
    """One page of matching rows, newest first (after ``after`` or from ``offset``), with the
    filter's total (exact up to ``count_bound`` rows)."""
    check_paging(limit=limit, max_limit=MAX_LIMIT, offset=offset, after=after)
    page = await fetch_page(
        db, SYNC_ROWS, _where(f), limit=limit, offset=offset, after=after, count_bound=count_bound
    )
    return SyncPage(page.total, [SyncRecord(**row) for row in page.rows], page.next_cursor)


async def iter_sync(
    conn: Conn, f: SyncFilter, *, prefetch: int = 500
) -> AsyncGenerator[SyncRecord, None]:
    """Every matching row, newest first, with bounded memory (see :func:`db.search.walk`)."""
    async with contextlib.aclosing(walk(conn, SYNC_ROWS, _where(f), prefetch=prefetch)) as rows:
        async for record in rows:
            yield _record(record)


async def options(db: Executor, *, limit: int = 5000) -> SyncOptions:
    """Distinct warehouse ids and SKUs (both sides), sorted, at most ``limit`` of each."""
    warehouses = await db.fetch(
        "SELECT w FROM (SELECT dsco_warehouse_id AS w FROM dsco_warehouse_sync"
        " UNION SELECT lingxing_warehouse_id FROM dsco_warehouse_sync) u"
        " WHERE w <> '' ORDER BY w LIMIT $1",
        limit,
    )
    skus = await db.fetch(
        "SELECT s FROM (SELECT dsco_warehouse_sku AS s FROM dsco_warehouse_sync"
        " UNION SELECT lingxing_warehouse_sku FROM dsco_warehouse_sync) u"
        " WHERE s <> '' ORDER BY s LIMIT $1",
        limit,
    )
    return SyncOptions(
        warehouse_ids=[str(r["w"]) for r in warehouses], skus=[str(r["s"]) for r in skus]
    )
