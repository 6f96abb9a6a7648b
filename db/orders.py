"""Queries on ``dsco_order_sync`` (docs/design.md, "The order state machine").

Bulk upsert per page, rotating batch selection, forward-only compare-and-set moves.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from db.types import Conn, Executor

# What PostgreSQL (or asyncpg, while encoding) raises when it refuses the data itself — a
# character it cannot store, a value too large for an index — as opposed to a connection
# or server failure. A caller may store the rows one by one to find the offending one.
DATA_REFUSED: tuple[type[Exception], ...] = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.ProgramLimitExceededError,
    UnicodeError,
)


@dataclass(frozen=True)
class OrderRow:
    id: int
    po_number: str
    dsco_create_time: int
    dsco_update_time: int
    dsco_status: str
    status: int
    payload: dict[str, Any]
    mskus: list[str]
    warehouse_id: str
    shipment: str
    dsco_retailer_id: str
    shipped_tracking_no: str
    dsco_invoice_id: str
    last_attempt_at: int
    created_at: int
    updated_at: int
    status_since: int = 0  # when the row entered its current status (kept by a trigger)
    attempts: int = 0  # runs that picked the row since then (reset by a status move)

    @property
    def tracking_numbers(self) -> list[str]:
        return split_tracking(self.shipped_tracking_no)


@dataclass(frozen=True)
class OrderUpsert:
    """One DSCO order as the pull job derived it."""

    po_number: str
    dsco_create_time: int
    dsco_update_time: int
    dsco_status: str
    initial_status: int
    payload: dict[str, Any]
    mskus: list[str]
    warehouse_id: str
    shipment: str
    dsco_retailer_id: str
    # The payload as JSON text when the caller has it already (the pull does): not encoded twice.
    payload_json: str = ""


@dataclass(frozen=True)
class UpsertOutcome:
    po_number: str
    inserted: bool
    changed: bool
    old_status: int | None
    new_status: int


_COLUMNS = ", ".join(OrderRow.__dataclass_fields__)


def _order(record: asyncpg.Record) -> OrderRow:
    return OrderRow(**dict(record))


def split_tracking(joined: str) -> list[str]:
    return [t for t in joined.split(",") if t]


def join_tracking(existing: Iterable[str], new: Iterable[str]) -> str:
    """Comma-joined, de-duplicated, first-seen order kept."""
    return ",".join(dict.fromkeys(t for t in [*existing, *new] if t))


# Only two DSCO changes move an existing row, both forward: a cancellation (1–4 → 6), and an
# order shipped or completed in DSCO before it ever reached Lingxing (1 → 5, as D4 does at
# first sight: pushing it now would fulfil it twice). Everything else keeps the local status
# (D3: a pull never regresses progress or clears sent ids).
_UPSERT = """
WITH incoming AS (
    SELECT * FROM unnest(
        $1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::smallint[], $6::text[],
        $7::text[], $8::text[], $9::text[], $10::text[]
    ) AS t(po_number, dsco_create_time, dsco_update_time, dsco_status, initial_status, payload,
           mskus, warehouse_id, shipment, dsco_retailer_id)
),
old AS (
    SELECT o.po_number, o.status FROM dsco_order_sync o
    JOIN incoming i USING (po_number) FOR UPDATE OF o
),
upserted AS (
    INSERT INTO dsco_order_sync AS o (
        po_number, dsco_create_time, dsco_update_time, dsco_status, status, payload, mskus,
        warehouse_id, shipment, dsco_retailer_id, created_at, updated_at)
    SELECT po_number, dsco_create_time, dsco_update_time, dsco_status, initial_status,
           payload::jsonb, ARRAY(SELECT jsonb_array_elements_text(mskus::jsonb)), warehouse_id,
           shipment,
           dsco_retailer_id, $11, $11
    FROM incoming
    ON CONFLICT (po_number) DO UPDATE SET
        dsco_create_time = EXCLUDED.dsco_create_time,
        dsco_update_time = GREATEST(o.dsco_update_time, EXCLUDED.dsco_update_time),
        dsco_status = EXCLUDED.dsco_status,
        payload = EXCLUDED.payload,
        mskus = EXCLUDED.mskus,
        warehouse_id = EXCLUDED.warehouse_id,
        shipment = EXCLUDED.shipment,
        dsco_retailer_id = EXCLUDED.dsco_retailer_id,
        status = CASE WHEN EXCLUDED.dsco_status = 'cancelled' AND o.status BETWEEN 1 AND 4
                      THEN 6
                      WHEN EXCLUDED.dsco_status IN ('shipped', 'completed') AND o.status = 1
                      THEN 5
                      ELSE o.status END,
        updated_at = $11
    WHERE o.payload IS DISTINCT FROM EXCLUDED.payload
       OR o.dsco_status IS DISTINCT FROM EXCLUDED.dsco_status
    RETURNING o.po_number, o.status
)
SELECT i.po_number, old.status AS old_status, u.status AS new_status,
       u.po_number IS NOT NULL AS changed
FROM incoming i
LEFT JOIN old USING (po_number)
LEFT JOIN upserted u USING (po_number)
"""


async def upsert_orders(
    db: Executor, orders: Sequence[OrderUpsert], now: int
) -> list[UpsertOutcome]:
    """Insert new orders, refresh known ones, in one statement per page."""
    if not orders:
        return []
    # Later duplicates of a PO in one page win (they are the newer copy).
    unique = list({o.po_number: o for o in orders}.values())
    records = await db.fetch(
        _UPSERT,
        [o.po_number for o in unique],
        [o.dsco_create_time for o in unique],
        [o.dsco_update_time for o in unique],
        [o.dsco_status for o in unique],
        [o.initial_status for o in unique],
        [o.payload_json or json.dumps(o.payload) for o in unique],
        # As JSON texts: a SKU may contain any character, so no separator is safe (and nested
        # lists would be read as a two-dimensional array).
        [json.dumps(o.mskus) for o in unique],
        [o.warehouse_id for o in unique],
        [o.shipment for o in unique],
        [o.dsco_retailer_id for o in unique],
        now,
    )
    return [
        UpsertOutcome(
            po_number=r["po_number"],
            inserted=r["old_status"] is None,
            changed=bool(r["changed"]),
            old_status=r["old_status"],
            new_status=r["new_status"] if r["changed"] else r["old_status"],
        )
        for r in records
    ]


async def newest_create_time(db: Executor) -> int | None:
    value: int | None = await db.fetchval("SELECT max(dsco_create_time) FROM dsco_order_sync")
    return value


async def newest_update_time(db: Executor) -> int | None:
    value: int | None = await db.fetchval(
        "SELECT max(dsco_update_time) FROM dsco_order_sync WHERE dsco_update_time > 0"
    )
    return value


async def pick_batch(db: Executor, status: int, size: int, now: int) -> list[OrderRow]:
    """Up to ``size`` rows in ``status``, least recently attempted first (D5), stamped ``now``."""
    records = await db.fetch(
        f"""
        UPDATE dsco_order_sync SET last_attempt_at = $3, attempts = attempts + 1
        WHERE id IN (
            SELECT id FROM dsco_order_sync WHERE status = $1
            ORDER BY last_attempt_at, dsco_create_time, id LIMIT $2
            FOR UPDATE SKIP LOCKED)
        RETURNING {_COLUMNS}
        """,
        status,
        size,
        now,
    )
    return sorted((_order(r) for r in records), key=lambda o: (o.dsco_create_time, o.id))


async def pick_one(db: Executor, po_number: str, status: int, now: int) -> OrderRow | None:
    """Single-PO mode: the row only if it is in the job's input ``status``."""
    record = await db.fetchrow(
        f"UPDATE dsco_order_sync SET last_attempt_at = $3, attempts = attempts + 1"
        f" WHERE po_number = $1 AND status = $2"
        f" RETURNING {_COLUMNS}",
        po_number,
        status,
        now,
    )
    return _order(record) if record else None


async def get_order(db: Executor, po_number: str) -> OrderRow | None:
    record = await db.fetchrow(
        f"SELECT {_COLUMNS} FROM dsco_order_sync WHERE po_number = $1", po_number
    )
    return _order(record) if record else None


async def get_orders(db: Executor, po_numbers: Sequence[str]) -> list[OrderRow]:
    """The rows of ``po_numbers`` that exist, in no particular order."""
    records = await db.fetch(
        f"SELECT {_COLUMNS} FROM dsco_order_sync WHERE po_number = ANY($1::text[])",
        list(po_numbers),
    )
    return [_order(r) for r in records]


async def advance(
    db: Executor,
    po_number: str,
    from_status: int,
    to_status: int,
    now: int,
    *,
    invoice_id: str | None = None,
) -> bool:
    """Move one row forward only if it is still in ``from_status`` (a compare-and-set)."""
    result = await db.execute(
        "UPDATE dsco_order_sync SET status = $3, updated_at = $4,"
        " dsco_invoice_id = COALESCE($5, dsco_invoice_id)"
        " WHERE po_number = $1 AND status = $2",
        po_number,
        from_status,
        to_status,
        now,
        invoice_id,
    )
    return bool(result == "UPDATE 1")


async def add_tracking(db: Executor, po_number: str, tracking: Iterable[str], now: int) -> str:
    """Record confirmed tracking numbers (never removes one); returns the new joined value."""
    async with _transaction(db) as conn:
        current = await conn.fetchval(
            "SELECT shipped_tracking_no FROM dsco_order_sync WHERE po_number = $1 FOR UPDATE",
            po_number,
        )
        if current is None:
            return ""
        joined = join_tracking(split_tracking(current), tracking)
        if joined != current:
            await conn.execute(
                "UPDATE dsco_order_sync SET shipped_tracking_no = $2, updated_at = $3"
                " WHERE po_number = $1",
                po_number,
                joined,
                now,
            )
        return joined


async def set_status(db: Executor, po_number: str, status: int, now: int) -> int | None:
    """Admin edit: any status, backwards included; returns the old status (None: no such PO)."""
    old: int | None = await db.fetchval(
        "UPDATE dsco_order_sync o SET status = $2, updated_at = $3"
        " FROM (SELECT status FROM dsco_order_sync WHERE po_number = $1 FOR UPDATE) old"
        " WHERE o.po_number = $1 RETURNING old.status",
        po_number,
        status,
        now,
    )
    return old


@contextlib.asynccontextmanager
async def _transaction(db: Executor) -> AsyncIterator[Conn]:
    """A transaction on a pool (acquiring a connection for it) or on a given connection."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with db.transaction():
            yield db
