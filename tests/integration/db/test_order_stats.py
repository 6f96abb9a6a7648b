from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg

from db import orders as q
from db.migrate import migrate
from db.order_search import OrderFilter, search_orders
from db.order_stats import REPEATED_ATTEMPTS, status_summary
from db.pool import connect
from tests.integration.db.test_orders import NOW, _order


async def test_status_since_follows_every_status_move(pool: asyncpg.Pool[asyncpg.Record]) -> None:
    await q.upsert_orders(pool, [_order("PO1"), _order("PO2")], NOW)
    await q.pick_batch(pool, 1, 10, NOW + 5)
    await q.pick_batch(pool, 1, 10, NOW + 6)
    row = await q.get_order(pool, "PO1")
    assert row is not None
    assert (row.status_since, row.attempts) == (NOW, 2)

    assert await q.advance(pool, "PO1", 1, 2, NOW + 100)
    moved = await q.get_order(pool, "PO1")
    assert moved is not None
    assert (moved.status_since, moved.attempts) == (NOW + 100, 0)

    # A payload refresh that keeps the status keeps the clock and the attempt count.
    await q.upsert_orders(pool, [_order("PO2", dsco_status="shipment_pending")], NOW + 200)
    kept = await q.get_order(pool, "PO2")
    assert kept is not None
    assert (kept.status, kept.status_since, kept.attempts) == (1, NOW, 2)

    # A cancellation seen by the pull is a status move like any other.
    await q.upsert_orders(pool, [_order("PO2", dsco_status="cancelled")], NOW + 300)
    cancelled = await q.get_order(pool, "PO2")
    assert cancelled is not None
    assert (cancelled.status, cancelled.status_since) == (6, NOW + 300)


async def test_summary_has_every_status_with_its_oldest_order(
    pool: asyncpg.Pool[asyncpg.Record],
) -> None:
    await q.upsert_orders(pool, [_order("A"), _order("B")], NOW)
    await q.upsert_orders(pool, [_order("C")], NOW + 50)
    await q.advance(pool, "B", 1, 2, NOW + 60)
    summary = await status_summary(pool)
    assert [s.status for s in summary] == [1, 2, 3, 4, 5, 6]
    assert [(s.count, s.oldest_since) for s in summary[:3]] == [
        (2, NOW),
        (1, NOW + 60),
        (0, None),
    ]
    assert summary[0].age(NOW + 100) == 100
    assert summary[2].age(NOW + 100) is None


async def test_orders_picked_repeatedly_are_counted_and_listed(
    pool: asyncpg.Pool[asyncpg.Record],
) -> None:
    await q.upsert_orders(pool, [_order("STUCK"), _order("FRESH", t=200)], NOW)
    for run in range(REPEATED_ATTEMPTS):
        await q.pick_one(pool, "STUCK", 1, NOW + run)
    await q.pick_one(pool, "FRESH", 1, NOW)
    summary = await status_summary(pool)
    assert summary[0].repeated == 1
    page = await search_orders(
        pool, OrderFilter(min_attempts=REPEATED_ATTEMPTS), offset=0, limit=10
    )
    assert [(o.po_number, o.attempts) for o in page.orders] == [("STUCK", REPEATED_ATTEMPTS)]
    # Moving on clears the count: it measures runs since the order entered its status.
    await q.advance(pool, "STUCK", 1, 2, NOW + 10)
    assert (await status_summary(pool))[0].repeated == 0


async def _kept_and_counted(pool: asyncpg.Pool[asyncpg.Record]) -> tuple[list[int], list[int]]:
    kept = [s.count for s in await status_summary(pool)]
    rows = await pool.fetch("SELECT status, count(*) AS n FROM dsco_order_sync GROUP BY status")
    counted = dict.fromkeys(range(1, 7), 0) | {r["status"]: r["n"] for r in rows}
    return kept, list(counted.values())


async def test_kept_counts_follow_every_writer(pool: asyncpg.Pool[asyncpg.Record]) -> None:
    async def check() -> None:
        kept, counted = await _kept_and_counted(pool)
        assert kept == counted

    await q.upsert_orders(pool, [_order(f"PO{i}") for i in range(6)], NOW)
    await check()
    # One page that inserts, refreshes, and cancels (an update inside the same statement).
    await q.upsert_orders(
        pool, [_order("PO0", dsco_status="cancelled"), _order("PO1"), _order("NEW")], NOW + 1
    )
    await check()
    await q.pick_batch(pool, 1, 10, NOW + 2)  # no status moves: nothing to change
    assert await q.advance(pool, "PO1", 1, 2, NOW + 3)
    # A statement that moves several rows at once (as an admin fix in SQL might).
    await pool.execute(
        "UPDATE dsco_order_sync SET status = 3 WHERE po_number IN ('PO2', 'PO3') AND status = 1"
    )
    assert await q.set_status(pool, "PO3", 1, NOW + 5) == 3
    await check()
    await pool.execute("DELETE FROM dsco_order_sync WHERE po_number IN ('PO4', 'PO1')")
    await check()
    await pool.execute("TRUNCATE dsco_order_sync")
    assert await _kept_and_counted(pool) == ([0] * 6, [0] * 6)


async def test_opposite_status_moves_at_once_never_deadlock_on_the_counts(
    pool: asyncpg.Pool[asyncpg.Record],
) -> None:
    await q.upsert_orders(pool, [_order(f"PO{i:03d}") for i in range(200)], NOW)
    flip = (
        "UPDATE dsco_order_sync SET status = CASE status WHEN 1 THEN 2 ELSE 1 END,"
        " updated_at = updated_at + 1 WHERE id % 2 = $1"
    )

    async def flipper(parity: int) -> None:
        async with pool.acquire() as conn:
            for _ in range(30):
                async with conn.transaction():
                    await conn.execute(flip, parity)

    await asyncio.gather(flipper(0), flipper(1))
    kept, counted = await _kept_and_counted(pool)
    assert kept == counted
    assert sum(kept) == 200


async def test_upgrading_a_filled_database_counts_the_orders_it_has(empty_db_dsn: str) -> None:
    conn = await connect(empty_db_dsn)
    try:
        await migrate(conn, up_to=3)
        await conn.execute(
            "INSERT INTO dsco_order_sync (po_number, dsco_create_time, status, payload,"
            " created_at, updated_at)"
            " SELECT 'PO' || i, i, 1 + i % 6, '{}', i, i FROM generate_series(1, 100) AS i"
        )
        await migrate(conn)
        kept = await conn.fetch("SELECT status, n FROM dsco_order_status_count ORDER BY status")
    finally:
        await conn.close()
    expected = Counter(1 + i % 6 for i in range(1, 101))
    assert {r["status"]: r["n"] for r in kept} == expected
