"""The two ways a query function is handed the database: a pool, or a connection it must use
(inside a transaction, or a connection pinned for a lock)."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

__all__ = ["Conn", "Executor"]

Executor: TypeAlias = "asyncpg.Pool[asyncpg.Record] | asyncpg.Connection[asyncpg.Record]"
Conn: TypeAlias = (
    "asyncpg.Connection[asyncpg.Record] | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"
)
