from __future__ import annotations

from dataclasses import replace

import asyncpg
import pytest

from db import orders as q
from jobs.states import DscoStatus, OrderStatus, refreshed_status

NOW = 1_800_000_000


def _order(
    po: str, *, status: int = 1, dsco_status: str = "created", t: int = 100
) -> q.OrderUpsert:
    return q.OrderUpsert(
        po_number=po,
        dsco_create_time=t,
        dsco_update_time=t,
        dsco_status=dsco_status,
        initial_status=status,
        payload={"poNumber": po, "dscoStatus": dsco_status},
        mskus=["A(1)", "A(1)", "B(2)"],
        warehouse_id="W1",
        shipment="GROUND",
        dsco_retailer_id="R1",
    )


async def test_upsert_inserts_then_never_regresses_or_clears(
    pool: asyncpg.Pool[asyncpg.Record],
) -> None:
    out = await q.upsert_orders(pool, [_order("PO1"), _order("PO2")], NOW)
    assert [(o.inserted, o.new_status) for o in out] == [(True, 1), (True, 1)]
    row = await q.get_order(pool, "PO1")
    assert row is not None
    assert row.mskus == ["A(1)", "A(1)", "B(2)"]
    assert await q.advance(pool, "PO1", 1, 3, NOW)
    await q.add_tracking(pool, "PO1", ["T1", "T2", "T1"], NOW)
    again = await q.upsert_orders(pool, [_order("PO1", dsco_status="shipment_pending")], NOW + 1)
    assert again[0].changed
    assert again[0].new_status == 3
    row = await q.get_order(pool, "PO1")
    assert row is not None
    assert (row.status, row.shipped_tracking_no, row.dsco_status) == (
        3,
        "T1,T2",
        "shipment_pending",
    )


async def test_unchanged_payload_is_not_rewritten(pool: asyncpg.Pool[asyncpg.Record]) -> None:
    await q.upsert_orders(pool, [_order("PO1")], NOW)
    out = await q.upsert_orders(pool, [_order("PO1")], NOW + 50)
    assert out[0].changed is False
    assert out[0].new_status == 1
    row = await q.get_order(pool, "PO1")
    assert row is not None
    assert row.updated_at == NOW


async def test_cancellation_moves_open_rows_to_6_but_not_done_ones(
    pool: asyncpg.Pool[asyncpg.Record],
) -> None:
    await q.upsert_orders(pool, [_order("OPEN"), _order("DONE", status=5)], NOW)
    out = await q.upsert_orders(
        pool,
        [_order("OPEN", dsco_status="cancelled"), _order("DONE", dsco_status="cancelled")],
        NOW,
    )
    by_po = {o.po_number: o for o in out}
    assert (by_po["OPEN"].old_status, by_po["OPEN"].new_status) == (1, 6)
    assert by_po["DONE"].new_status == 5


async def test_shipped_in_dsco_before_push_is_done_but_later_rows_keep_their_status(
    pool: asyncpg.Pool[asyncpg.Record],
) -> None:
    await q.upsert_orders(pool, [_order("NEW"), _order("ACKED"), _order("GONE", status=6)], NOW)
    assert await q.advance(pool, "ACKED", 1, 3, NOW)
    out = await q.upsert_orders(
        pool,
        [_order(po, dsco_status="shipped") for po in ("NEW", "ACKED", "GONE")],
        NOW + 1,
    )
    assert {o.po_number: o.new_status for o in out} == {"NEW": 5, "ACKED": 3, "GONE": 6}


async def test_pick_batch_rotates_skipped_rows_to_the_back(
    pool: asyncpg.Pool[asyncpg.Record],
) -> None:
    await q.upsert_orders(pool, [_order(f"PO{i:02}", t=i) for i in range(20)], NOW)
    first = await q.pick_batch(pool, 1, 10, NOW + 1)
    second = await q.pick_batch(pool, 1, 10, NOW + 2)
    assert [o.po_number for o in first] == [f"PO{i:02}" for i in range(10)]
    assert [o.po_number for o in second] == [f"PO{i:02}" for i in range(10, 20)]
    assert {o.last_attempt_at for o in second} == {NOW + 2}


async def test_advance_is_a_compare_and_set(pool: asyncpg.Pool[asyncpg.Record]) -> None:
    await q.upsert_orders(pool, [_order("PO1")], NOW)
    assert await q.advance(pool, "PO1", 1, 2, NOW)
    assert not await q.advance(pool, "PO1", 1, 2, NOW), "a second mover finds it gone"
    assert await q.set_status(pool, "PO1", 1, NOW) == 2
    assert await q.set_status(pool, "NOPE", 1, NOW) is None


async def test_duplicate_po_in_one_page_keeps_the_later_copy(
    pool: asyncpg.Pool[asyncpg.Record],
) -> None:
    early = _order("PO1")
    late = replace(early, dsco_status="shipment_pending", payload={"v": 2})
    await q.upsert_orders(pool, [early, late], NOW)
    row = await q.get_order(pool, "PO1")
    assert row is not None
    assert row.payload == {"v": 2}


@pytest.mark.parametrize("current", list(OrderStatus))
async def test_the_pull_upsert_moves_status_exactly_as_the_state_machine_says(
    pool: asyncpg.Pool[asyncpg.Record], current: OrderStatus
) -> None:
    """The SQL of the upsert spells the refresh rule itself; it must agree with jobs/states."""
    dsco_statuses = [*DscoStatus, "weird", ""]
    pos = [f"PO-{current}-{i}" for i in range(len(dsco_statuses))]
    await q.upsert_orders(pool, [_order(po, status=current) for po in pos], NOW)
    seen = [
        _order(po, dsco_status=str(dsco), status=current)
        for po, dsco in zip(pos, dsco_statuses, strict=True)
    ]
    outcomes = await q.upsert_orders(pool, seen, NOW + 1)
    for outcome, dsco in zip(outcomes, dsco_statuses, strict=True):
        assert outcome.new_status == refreshed_status(current, str(dsco)), (current, dsco)
