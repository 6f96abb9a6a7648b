from __future__ import annotations

import asyncpg

from db import orders as q
from db.order_search import OrderFilter, search_orders
from db.order_stats import REPEATED_ATTEMPTS, status_summary
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
