"""Admin searches on ``dsco_warehouse_sync`` : filters, paging, options, streamed rows.

Newest first (``sync_time DESC, id DESC``). Warehouse and SKU filters match either side
(DSCO or Lingxing), since the admin may know a row by either name.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import asyncpg

from db.search import Where, fetch_page, walk
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
    total: int
    rows: list[SyncRecord] = field(default_factory=list)


@dataclass(frozen=True)
class SyncOptions:
    """Distinct values for the admin's filter drop-downs."""

    warehouse_ids: list[str]
    skus: list[str]


_COLUMNS = ", ".join(SyncRecord.__dataclass_fields__)
_ORDER = " ORDER BY sync_time DESC, id DESC"


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


_SELECT = f"SELECT {_COLUMNS} FROM dsco_warehouse_sync"


async def search_sync(db: Executor, f: SyncFilter, *, offset: int, limit: int) -> SyncPage:
    """One page of matching rows, newest first, and how many match in total."""
    if not 0 < limit <= MAX_LIMIT or offset < 0:
        raise ValueError(f"limit must be 1..{MAX_LIMIT} and offset >= 0")
    total, records = await fetch_page(db, _SELECT, _where(f), _ORDER, offset=offset, limit=limit)
    return SyncPage(total=total, rows=[_record(r) for r in records])


async def iter_sync(
    conn: Conn, f: SyncFilter, *, prefetch: int = 500
) -> AsyncGenerator[SyncRecord, None]:
    """Every matching row, newest first, with bounded memory (see :func:`db.search.walk`)."""
    async with contextlib.aclosing(
        walk(conn, _SELECT, _where(f), _ORDER, prefetch=prefetch)
    ) as rows:
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
