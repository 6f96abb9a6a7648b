"""Read-only lookups on ``dsco_order_sync`` for ``check_orders``: only the columns it compares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from db.types import Executor

_COLUMNS = "id, po_number, status, dsco_status, dsco_invoice_id"


@dataclass(frozen=True)
class LocalState:
    id: int
    po_number: str
    status: int
    dsco_status: str
    dsco_invoice_id: str


def _state(record: asyncpg.Record) -> LocalState:
    return LocalState(**dict(record))


async def by_po_numbers(db: Executor, po_numbers: Sequence[str]) -> dict[str, LocalState]:
    """The local rows of these POs (absent POs are simply missing from the result)."""
    if not po_numbers:
        return {}
    records = await db.fetch(
        f"SELECT {_COLUMNS} FROM dsco_order_sync WHERE po_number = ANY($1::text[])",
        list(po_numbers),
    )
    return {r["po_number"]: _state(r) for r in records}


async def created_between(
    db: Executor, start: int, end: int, *, after_id: int, limit: int
) -> list[LocalState]:
    """Rows created in ``[start, end)`` with ``id > after_id``, by id (keyset paging)."""
    records = await db.fetch(
        f"SELECT {_COLUMNS} FROM dsco_order_sync"
        " WHERE dsco_create_time >= $1 AND dsco_create_time < $2 AND id > $3"
        " ORDER BY id LIMIT $4",
        start,
        end,
        after_id,
        limit,
    )
    return [_state(r) for r in records]
