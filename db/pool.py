"""The asyncpg pool: one per process, built by the composition root."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

# When a client machine vanishes (VM lost, network cut) the server notices within about 11 s
# (5 s idle, then 3 probes 2 s apart; 10 s for unacknowledged data) and ends its sessions, so
# the advisory locks they held — job runs, the schedule, endpoint slots — come free instead of
# lingering for the kernel's two-hour default. Ignored on Unix-socket connections.
DEAD_PEER_SETTINGS = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "10000",
}


async def _init_connection(conn: asyncpg.Connection[Any]) -> None:
    # jsonb columns come back as Python objects and go in from Python objects.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool[Any]:
    """Create the pool with the project's type codecs on every connection."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        command_timeout=60,
        server_settings=DEAD_PEER_SETTINGS,
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection[Any]:
    """A single connection with the same codecs (lock connections: job runs, schedule, slots)."""
    conn: asyncpg.Connection[Any] = await asyncpg.connect(
        dsn, command_timeout=60, server_settings=DEAD_PEER_SETTINGS
    )
    await _init_connection(conn)
    return conn
