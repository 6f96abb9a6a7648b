"""Rows for the admin order tests, inserted directly with the fields a filter looks at."""

from __future__ import annotations

from typing import Any

import asyncpg

BASE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z


async def insert_order(
    pool: asyncpg.Pool[asyncpg.Record],
    po: str,
    *,
    created: int = BASE_TIME,
    status: int = 1,
    **fields: Any,
) -> None:
    columns = {
        "po_number": po,
        "dsco_create_time": created,
        "status": status,
        "payload": fields.pop("payload", {"poNumber": po}),  # the pool encodes jsonb
        "created_at": created,
        "updated_at": created,
        **fields,
    }
    names = ", ".join(columns)
    params = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    await pool.execute(
        f"INSERT INTO dsco_order_sync ({names}) VALUES ({params})",  # noqa: S608 - test names
        *columns.values(),
    )
