"""Queries on ``dsco_warehouse_sync``: bulk insert, per-row outcome, retention prune."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db.types import Executor

STATUS_OK, STATUS_FAILED = 1, 2

# One statement per chunk keeps each round trip's arrays at a sane size.
_INSERT_CHUNK = 5000
_PRUNE_CHUNK = 10000


@dataclass(frozen=True)
class SyncRow:
    """One inventory comparison of a (warehouse, SKU) pair; ``diff`` = Lingxing − DSCO."""

    sync_time: int
    dsco_warehouse_id: str
    dsco_warehouse_sku: str
    dsco_warehouse_num: int
    lingxing_warehouse_id: str
    lingxing_warehouse_sku: str
    lingxing_warehouse_num: int
    status: int
    reason: str

    @property
    def diff(self) -> int:
        return self.lingxing_warehouse_num - self.dsco_warehouse_num


@dataclass(frozen=True)
class Outcome:
    """A later verdict on an inserted row (e.g. the DSCO update result)."""

    row_id: int
    status: int
    reason: str


_INSERT = """
INSERT INTO dsco_warehouse_sync (
    sync_time, dsco_warehouse_id, dsco_warehouse_sku, dsco_warehouse_num,
    lingxing_warehouse_id, lingxing_warehouse_sku, lingxing_warehouse_num,
    diff, status, reason, created_at, updated_at)
SELECT t.sync_time, t.dwid, t.dsku, t.dnum, t.lwid, t.lsku, t.lnum, t.diff, t.status, t.reason,
       $11::bigint, $11::bigint
FROM unnest(
    $1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[],
    $8::bigint[], $9::smallint[], $10::text[]
) WITH ORDINALITY AS t(sync_time, dwid, dsku, dnum, lwid, lsku, lnum, diff, status, reason, n)
ORDER BY t.n
RETURNING id
"""


async def insert_rows(db: Executor, rows: Sequence[SyncRow], now: int) -> list[int]:
    """Insert ``rows``; returns their ids in the same order."""
    ids: list[int] = []
    for start in range(0, len(rows), _INSERT_CHUNK):
        ids += await _insert_chunk(db, rows[start : start + _INSERT_CHUNK], now)
    return ids


async def _insert_chunk(db: Executor, rows: Sequence[SyncRow], now: int) -> list[int]:
    records = await db.fetch(
        _INSERT,
        [r.sync_time for r in rows],
        [r.dsco_warehouse_id for r in rows],
        [r.dsco_warehouse_sku for r in rows],
        [r.dsco_warehouse_num for r in rows],
        [r.lingxing_warehouse_id for r in rows],
        [r.lingxing_warehouse_sku for r in rows],
        [r.lingxing_warehouse_num for r in rows],
        [r.diff for r in rows],
        [r.status for r in rows],
        [r.reason for r in rows],
        now,
    )
    # INSERT … SELECT … ORDER BY assigns serial ids in that order, so sorting restores it.
    return sorted(int(r["id"]) for r in records)


async def set_outcomes(db: Executor, outcomes: Sequence[Outcome], now: int) -> int:
    """Record the final status/reason of inserted rows; returns how many rows changed."""
    if not outcomes:
        return 0
    result = await db.execute(
        "UPDATE dsco_warehouse_sync w SET status = o.status, reason = o.reason, updated_at = $4"
        " FROM unnest($1::bigint[], $2::smallint[], $3::text[]) AS o(id, status, reason)"
        " WHERE w.id = o.id",
        [o.row_id for o in outcomes],
        [o.status for o in outcomes],
        [o.reason for o in outcomes],
        now,
    )
    return int(result.split()[-1])


async def prune_before(db: Executor, cutoff: int) -> int:
    """Delete rows whose ``sync_time`` is older than ``cutoff``, in chunks (short locks)."""
    deleted = 0
    while True:
        result = await db.execute(
            "DELETE FROM dsco_warehouse_sync WHERE id IN ("
            " SELECT id FROM dsco_warehouse_sync WHERE sync_time < $1 LIMIT $2)",
            cutoff,
            _PRUNE_CHUNK,
        )
        count = int(result.split()[-1])
        deleted += count
        if count < _PRUNE_CHUNK:
            return deleted


async def count_rows(db: Executor) -> int:
    value: int = await db.fetchval("SELECT count(*) FROM dsco_warehouse_sync")
    return value
