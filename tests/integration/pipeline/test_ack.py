"""``ack_to_dsco`` against both sandboxes, through the real runner (D7)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.integration.pipeline.pushack_support import (
    Pipeline,
    reason_of,
    setup,
)
from tests.integration.vendors import Vendors, captured_logs, job_env, runner_with

ACK_PATH = "/order/acknowledge"


async def _pushed(
    vendors: Vendors, db_dsn: str, count: int, **spec: Any
) -> tuple[Pipeline, list[str]]:
    """``count`` orders at local status 2 with their Lingxing orders at 4 (not reviewed)."""
    p = await setup(vendors, db_dsn)
    pos = await p.seed(count, **spec)
    await p.run("push_to_lingxing")
    assert await p.statuses(pos) == [2] * count
    return p, pos


def _dsco_status(vendors: Vendors, po: str) -> str:
    order = vendors.dsco.order(po)
    assert order is not None
    return str(order["dscoStatus"])


def _ack_calls(vendors: Vendors) -> int:
    return len(vendors.dsco.calls(ACK_PATH, "POST"))


async def test_ready_orders_are_acknowledged_in_one_call(vendors: Vendors, db_dsn: str) -> None:
    p, pos = await _pushed(vendors, db_dsn, 4)
    for po in pos[:3]:
        vendors.lingxing.review(po)  # 4 → 5
    vendors.lingxing.ship(pos[2])  # → 6 counts as ready too
    with captured_logs() as lines:
        result = await p.run("ack_to_dsco")
    assert await p.statuses(pos) == [3, 3, 3, 2]
    assert [_dsco_status(vendors, po) for po in pos[:3]] == ["shipment_pending"] * 3
    assert _ack_calls(vendors) == 1
    assert reason_of(lines, pos[3]) == ["lingxing_not_ready"]
    assert result.counters["advanced"] == 3


async def test_split_order_waits_for_every_sub_order(vendors: Vendors, db_dsn: str) -> None:
    p, (po,) = await _pushed(vendors, db_dsn, 1, min_lines=2, max_lines=2, seed=11)
    first, second = vendors.lingxing.split(po)
    vendors.lingxing.review(po, global_order_no=first.global_order_no)
    with captured_logs() as lines:
        await p.run("ack_to_dsco")
    assert await p.status(po) == 2
    assert reason_of(lines, po) == ["lingxing_not_ready"]
    assert _ack_calls(vendors) == 0
    vendors.lingxing.review(po, global_order_no=second.global_order_no)
    await p.run("ack_to_dsco")
    assert await p.status(po) == 3
    assert _ack_calls(vendors) == 1


async def test_deleted_sub_orders_are_ignored(vendors: Vendors, db_dsn: str) -> None:
    p, (po,) = await _pushed(vendors, db_dsn, 1, min_lines=2, max_lines=2, seed=12)
    first, second = vendors.lingxing.split(po)
    vendors.lingxing.review(po, global_order_no=first.global_order_no)
    vendors.lingxing.delete_order(po, global_order_no=second.global_order_no)
    await p.run("ack_to_dsco")
    assert await p.status(po) == 3


async def test_already_acknowledged_in_dsco_advances_without_ack(
    vendors: Vendors, db_dsn: str
) -> None:
    p, (po,) = await _pushed(vendors, db_dsn, 1)
    vendors.lingxing.review(po)
    vendors.dsco.set_order_status(po, "shipment_pending")  # acknowledged in the portal
    with captured_logs() as lines:
        await p.run("ack_to_dsco")
    assert await p.status(po) == 3
    assert reason_of(lines, po) == ["already_acknowledged"]
    assert _ack_calls(vendors) == 0


async def test_cancelled_in_dsco_moves_to_6(vendors: Vendors, db_dsn: str) -> None:
    p, (po,) = await _pushed(vendors, db_dsn, 1)
    vendors.lingxing.review(po)
    vendors.dsco.set_order_status(po, "cancelled")
    await p.run("ack_to_dsco")
    assert await p.status(po) == 6
    assert _ack_calls(vendors) == 0


async def test_dropped_change_log_entry_stays_then_advances(vendors: Vendors, db_dsn: str) -> None:
    p, (po,) = await _pushed(vendors, db_dsn, 1)
    vendors.lingxing.review(po)
    vendors.dsco.add_fault(path=ACK_PATH, kind="drop_log")
    with captured_logs() as lines:
        await p.run("ack_to_dsco")
    assert await p.status(po) == 2
    assert reason_of(lines, po) == ["ack_pending"]
    assert _dsco_status(vendors, po) == "shipment_pending"  # DSCO did process it
    with captured_logs() as lines:
        await p.run("ack_to_dsco")
    assert await p.status(po) == 3
    assert reason_of(lines, po) == ["already_acknowledged"]
    assert _ack_calls(vendors) == 1  # no second ACK was needed


async def test_poisoned_order_does_not_stop_the_rest(vendors: Vendors, db_dsn: str) -> None:
    p, pos = await _pushed(vendors, db_dsn, 3)
    for po in pos:
        vendors.lingxing.review(po)
    vendors.dsco.add_fault(path=ACK_PATH, kind="fail_elements", keys=[pos[1]], count=None)
    with captured_logs() as lines:
        result = await p.run("ack_to_dsco")
    assert await p.statuses(pos) == [3, 2, 3]
    assert reason_of(lines, pos[1]) == ["ack_failed"]
    assert result.counters["fail"] == 1
    assert _ack_calls(vendors) == 1


async def test_multi_ban_skips_multi_line_and_multi_quantity(vendors: Vendors, db_dsn: str) -> None:
    p, multi = await _pushed(vendors, db_dsn, 1, min_lines=2, max_lines=2, seed=13)
    single = await p.seed(1, seed=14)
    await p.run("push_to_lingxing")
    for po in multi + single:
        vendors.lingxing.review(po)
    await vendors.configure(jobs={"ack_to_dsco": {"multi_ban": True}})
    with captured_logs() as lines:
        await p.run("ack_to_dsco")
    assert await p.statuses(multi + single) == [2, 3]
    assert reason_of(lines, multi[0]) == ["multi_ban"]


async def test_not_in_lingxing_is_skipped(vendors: Vendors, db_dsn: str) -> None:
    p, (po,) = await _pushed(vendors, db_dsn, 1)
    vendors.lingxing.delete_order(po)  # only a deleted order left: not ready
    with captured_logs() as lines:
        await p.run("ack_to_dsco")
    assert await p.status(po) == 2
    assert reason_of(lines, po) == ["not_in_lingxing"]


async def test_single_po_mode(vendors: Vendors, db_dsn: str) -> None:
    p, pos = await _pushed(vendors, db_dsn, 2)
    for po in pos:
        vendors.lingxing.review(po)
    result = await p.run("ack_to_dsco", po_number=pos[0])
    assert await p.statuses(pos) == [3, 2]
    assert result.counters["total"] == 1


async def test_ack_call_refused_as_a_whole_is_split_per_order(
    vendors: Vendors, db_dsn: str
) -> None:
    p, pos = await _pushed(vendors, db_dsn, 2)
    for po in pos:
        vendors.lingxing.review(po)
    vendors.dsco.add_fault(path=ACK_PATH, kind="status", status=400, count=1)
    await p.run("ack_to_dsco")
    assert await p.statuses(pos) == [3, 3]
    assert _ack_calls(vendors) == 3  # the refused batch, then one call per order


async def test_a_cancellation_newer_than_the_sweep_is_settled_by_the_next_run(
    vendors: Vendors, db_dsn: str
) -> None:
    """The sweep ends ``dsco_until_margin`` seconds ago, as DSCO requires. A cancellation made
    just before the run is not seen: the ACK goes out and DSCO refuses it; the next run, once
    the change is older than the margin, moves the row to 6. Nothing wrong is ever taken."""
    p, (po,) = await _pushed(vendors, db_dsn, 1)
    p.runner = runner_with(vendors, env=job_env(dsco_until_margin=2))
    vendors.lingxing.review(po)
    vendors.dsco.set_order_status(po, "cancelled")
    with captured_logs() as lines:
        await p.run("ack_to_dsco")
    assert await p.status(po) == 2
    assert reason_of(lines, po) == ["ack_failed"]
    await asyncio.sleep(2.5)  # the change ages past the margin (minutes between real runs)
    await p.run("ack_to_dsco")
    assert await p.status(po) == 6
    assert _dsco_status(vendors, po) == "cancelled"
