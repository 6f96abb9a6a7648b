"""Daemon instances of the deployment, table ``daemon_instance`` (docs/deployment.md).

Each ``dsco-lingxing run`` process registers itself, then beats through its election
connection: ``last_seen`` and that connection's server process id. Which instance runs the
schedule is not stored but read from the server's lock table: the one whose election session
holds the schedule lock right now, so the answer stays true across crashes and failovers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

__all__ = ["Instance", "beat", "list_instances", "mark_stopped", "register"]


@dataclass(frozen=True)
class Instance:
    instance_id: str
    host: str
    pid: int
    started_at: int
    last_seen: int
    stopped_at: int | None
    runs_schedule: bool


async def register(
    db: asyncpg.Pool[Any] | asyncpg.Connection[Any],
    instance_id: str,
    *,
    host: str,
    pid: int,
    now: int,
    forget_before: int,
) -> None:
    """Record a starting instance; forget instances not seen since ``forget_before``."""
    await db.execute("DELETE FROM daemon_instance WHERE last_seen < $1", forget_before)
    await db.execute(
        "INSERT INTO daemon_instance (instance_id, host, pid, started_at, last_seen)"
        " VALUES ($1, $2, $3, $4, $4)"
        " ON CONFLICT (instance_id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid,"
        " started_at = EXCLUDED.started_at, last_seen = EXCLUDED.last_seen, stopped_at = NULL",
        instance_id,
        host,
        pid,
        now,
    )


async def beat(conn: asyncpg.Connection[Any], instance_id: str, *, now: int, limit: float) -> None:
    """Mark the instance seen, through its election connection (whose server pid it records;
    a pid the server has since reused for another instance's session is cleared there)."""
    await conn.execute(
        "WITH reused AS (UPDATE daemon_instance SET backend_pid = NULL"
        "  WHERE backend_pid = pg_backend_pid() AND instance_id <> $1)"
        " UPDATE daemon_instance SET last_seen = $2, backend_pid = pg_backend_pid()"
        " WHERE instance_id = $1",
        instance_id,
        now,
        timeout=limit,
    )


async def mark_stopped(
    db: asyncpg.Pool[Any] | asyncpg.Connection[Any], instance_id: str, *, now: int
) -> None:
    await db.execute(
        "UPDATE daemon_instance SET stopped_at = $2, last_seen = $2, backend_pid = NULL"
        " WHERE instance_id = $1",
        instance_id,
        now,
    )


async def list_instances(
    db: asyncpg.Pool[Any] | asyncpg.Connection[Any], *, schedule_lock: int, seen_since: int
) -> list[Instance]:
    """Instances seen since ``seen_since``, oldest first, each with whether its election
    session holds ``schedule_lock`` (a session advisory lock) at this moment."""
    unsigned = schedule_lock & 0xFFFF_FFFF_FFFF_FFFF
    rows = await db.fetch(
        "SELECT i.instance_id, i.host, i.pid, i.started_at, i.last_seen, i.stopped_at,"
        " EXISTS (SELECT 1 FROM pg_locks l"
        "  WHERE l.locktype = 'advisory' AND l.granted AND l.pid = i.backend_pid"
        "  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        "  AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1"
        " ) AS runs_schedule"
        " FROM daemon_instance i WHERE i.last_seen >= $3 ORDER BY i.started_at, i.instance_id",
        unsigned >> 32,
        unsigned & 0xFFFF_FFFF,
        seen_since,
    )
    return [Instance(**dict(r)) for r in rows]
