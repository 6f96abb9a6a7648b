"""Read side of ``dsco_warehouse_sync`` for the open API : one day, newest row per key.

A (DSCO warehouse, DSCO SKU) pair may be compared several times a day; only its NEWEST row of
the day counts. That row is chosen BEFORE any filter applies, so an older non-zero diff that a
later zero diff superseded never shows up as a difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

_COLUMNS = """id, sync_time, dsco_warehouse_id, dsco_warehouse_sku, dsco_warehouse_num,
    lingxing_warehouse_id, lingxing_warehouse_sku, lingxing_warehouse_num, diff, status, reason"""

# $1 / $2: the day as [start, end) unix seconds. The key index serves DISTINCT ON directly.
_NEWEST = f"""
SELECT DISTINCT ON (dsco_warehouse_id, dsco_warehouse_sku) {_COLUMNS}
FROM dsco_warehouse_sync
WHERE sync_time >= $1 AND sync_time < $2
ORDER BY dsco_warehouse_id, dsco_warehouse_sku, sync_time DESC, id DESC
"""

# Every filter is optional: a NULL parameter means "any".
_FILTERED = f"""
WITH newest AS ({_NEWEST})
SELECT {_COLUMNS} FROM newest
WHERE ($3::text IS NULL OR dsco_warehouse_id = $3)
  AND ($4::text IS NULL OR dsco_warehouse_sku = $4)
  AND ($5::text IS NULL OR lingxing_warehouse_id = $5)
  AND ($6::text IS NULL OR lingxing_warehouse_sku = $6)
  AND (NOT $7::boolean OR diff <> 0)
"""

_PAGE = f"{_FILTERED} ORDER BY dsco_warehouse_id, dsco_warehouse_sku OFFSET $8 LIMIT $9"
_COUNT = f"SELECT count(*) FROM ({_FILTERED}) AS f"
_ALL_NEWEST = f"{_NEWEST} LIMIT $3"


@dataclass(frozen=True)
class DiffRow:
    """The newest comparison of one (DSCO warehouse, DSCO SKU) pair on the requested day."""

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


@dataclass(frozen=True)
class DiffFilter:
    """One UTC day as ``[day_start, day_end)`` plus optional exact-match filters."""

    day_start: int
    day_end: int
    dsco_wid: str | None = None
    dsco_sku: str | None = None
    lingxing_wid: str | None = None
    lingxing_sku: str | None = None
    diff_only: bool = False

    def params(self) -> tuple[object, ...]:
        return (
            self.day_start,
            self.day_end,
            self.dsco_wid,
            self.dsco_sku,
            self.lingxing_wid,
            self.lingxing_sku,
            self.diff_only,
        )


@dataclass(frozen=True)
class DiffPage:
    total: int
    rows: list[DiffRow]


async def diff_page(
    pool: asyncpg.Pool[asyncpg.Record], where: DiffFilter, *, offset: int, limit: int
) -> DiffPage:
    """One page of the day's newest rows (filtered), ordered by warehouse then SKU, + total."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        # One snapshot for both statements: the total always matches the page.
        total: int = await conn.fetchval(_COUNT, *where.params())
        records = await conn.fetch(_PAGE, *where.params(), offset, limit)
    return DiffPage(total=total, rows=[_row(r) for r in records])


async def newest_rows(
    pool: asyncpg.Pool[asyncpg.Record], day_start: int, day_end: int, *, limit: int
) -> list[DiffRow]:
    """The newest row of every key in ``[day_start, day_end)``, at most ``limit`` of them."""
    records = await pool.fetch(_ALL_NEWEST, day_start, day_end, limit)
    return [_row(r) for r in records]


def _row(record: asyncpg.Record) -> DiffRow:
    return DiffRow(
        id=int(record["id"]),
        sync_time=int(record["sync_time"]),
        dsco_warehouse_id=str(record["dsco_warehouse_id"]),
        dsco_warehouse_sku=str(record["dsco_warehouse_sku"]),
        dsco_warehouse_num=int(record["dsco_warehouse_num"]),
        lingxing_warehouse_id=str(record["lingxing_warehouse_id"]),
        lingxing_warehouse_sku=str(record["lingxing_warehouse_sku"]),
        lingxing_warehouse_num=int(record["lingxing_warehouse_num"]),
        diff=int(record["diff"]),
        status=int(record["status"]),
        reason=str(record["reason"]),
    )
