"""The asyncpg pool: one per process, built by the composition root."""

from __future__ import annotations

import json
from typing import Any

import asyncpg


async def _init_connection(conn: asyncpg.Connection[Any]) -> None:
    # jsonb columns come back as Python objects and go in from Python objects.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool[Any]:
    """Create the pool with the project's type codecs on every connection."""
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, command_timeout=60
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection[Any]:
    """A single connection with the same codecs (used for the runner's lock connection)."""
    conn: asyncpg.Connection[Any] = await asyncpg.connect(dsn, command_timeout=60)
    await _init_connection(conn)
    return conn
