from __future__ import annotations

import asyncio

from db.migrate import load_migrations, migrate
from db.pool import connect


async def test_migrations_apply_once_and_record_versions(empty_db_dsn: str) -> None:
    conn = await connect(empty_db_dsn)
    try:
        first = await migrate(conn)
        second = await migrate(conn)
        recorded = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
    finally:
        await conn.close()
    assert first == [m.name for m in load_migrations()]
    assert second == []
    assert [r["name"] for r in recorded] == first


async def test_concurrent_migrations_do_not_collide(empty_db_dsn: str) -> None:
    conns = [await connect(empty_db_dsn) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c) for c in conns))
    finally:
        for c in conns:
            await c.close()
    applied = [names for names in results if names]
    assert len(applied) == 1, "exactly one process applies the pending migrations"


async def test_schema_has_the_spec_tables(db_dsn: str) -> None:
    conn = await connect(db_dsn)
    try:
        tables = {
            r["table_name"]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
    finally:
        await conn.close()
    assert {"runtime_config", "dsco_order_sync", "dsco_warehouse_sync"} <= tables
    assert "job_runs" not in tables  # D12: no run records
