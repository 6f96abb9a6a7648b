"""``pull_dsco_orders`` against the DSCO sandbox through the real runner (D2–D4)."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta

from loguru import logger

from db import orders as q
from tests.integration.vendors import Vendors, captured_logs, logged_reasons

PAGE = "/order/page"
START = datetime(2026, 2, 10, tzinfo=UTC)


async def _pull(vendors: Vendors, **kwargs: object) -> dict[str, int]:
    result = await vendors.run("pull_dsco_orders", **kwargs)  # type: ignore[arg-type]
    assert result.status == "ok", result
    return result.counters


async def _statuses(vendors: Vendors) -> dict[str, int]:
    rows = await vendors.pool.fetch("SELECT po_number, status FROM dsco_order_sync")
    return {r["po_number"]: r["status"] for r in rows}


async def test_full_scroll_stores_every_order_with_derived_fields(vendors: Vendors) -> None:
    await vendors.configure(jobs={"pull_dsco_orders": {"size": 10}})
    pos = vendors.dsco.generate_orders(count=95, max_lines=3, max_quantity=2)
    counters = await _pull(vendors)
    assert counters["total"] == 95
    assert counters["advanced"] == 95
    assert len(vendors.dsco.calls(PAGE)) >= 10, "ten pages of ten (page size = size)"
    row = await q.get_order(vendors.pool, pos[0])
    assert row is not None
    raw = vendors.dsco.order(pos[0])
    assert raw is not None
    assert row.payload["poNumber"] == pos[0]
    assert row.mskus == [f"{li['sku']}({li['quantity']})" for li in raw["lineItems"]]
    assert row.warehouse_id == raw["shipWarehouseCode"]
    assert row.shipment == raw["shippingServiceLevelCode"]
    assert row.dsco_retailer_id == raw["dscoRetailerId"]
    assert row.dsco_create_time == int(
        datetime.fromisoformat(raw["dscoCreateDate"].replace("Z", "+00:00")).timestamp()
    )


async def test_initial_status_follows_dsco_status(vendors: Vendors) -> None:
    expected = {"created": 1, "shipment_pending": 1, "shipped": 5, "cancelled": 6}
    by_status = {
        status: vendors.dsco.generate_orders(
            count=2, status=status, po_prefix=status[:3].upper(), seed=i
        )
        for i, status in enumerate(expected)
    }
    await _pull(vendors)
    stored = await _statuses(vendors)
    for status, pos in by_status.items():
        assert {stored[po] for po in pos} == {expected[status]}, status


async def test_repull_never_regresses_status_or_clears_sent_ids(vendors: Vendors) -> None:
    pos = vendors.dsco.generate_orders(count=4)
    await _pull(vendors)
    await q.advance(vendors.pool, pos[0], 1, 4, 0)
    await q.add_tracking(vendors.pool, pos[0], ["1ZA", "1ZB"], 0)
    await q.advance(vendors.pool, pos[1], 1, 5, 0, invoice_id=pos[1])
    vendors.dsco.set_order_status(pos[0], "shipped")
    start = int(START.timestamp()) - 86400
    await _pull(vendors, overrides={"start": start, "end": start + 400 * 86400 - 1})
    row0 = await q.get_order(vendors.pool, pos[0])
    row1 = await q.get_order(vendors.pool, pos[1])
    assert row0 is not None
    assert row1 is not None
    assert (row0.status, row0.shipped_tracking_no, row0.dsco_status) == (4, "1ZA,1ZB", "shipped")
    assert (row1.status, row1.dsco_invoice_id) == (5, pos[1])
    assert (await _statuses(vendors))[pos[2]] == 1


async def test_later_cancellation_is_picked_up_by_the_updated_since_sweep(
    vendors: Vendors,
) -> None:
    pos = vendors.dsco.generate_orders(count=3)
    await _pull(vendors)
    await q.advance(vendors.pool, pos[1], 1, 2, 0)
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), format="{extra[po_number]} {message}")
    try:
        vendors.dsco.set_order_status(pos[0], "cancelled")
        vendors.dsco.set_order_status(pos[1], "cancelled")
        await _pull(vendors)
    finally:
        logger.remove(sink)
    stored = await _statuses(vendors)
    assert (stored[pos[0]], stored[pos[1]], stored[pos[2]]) == (6, 6, 1)
    assert any(line.startswith(pos[1]) and "cancel it there" in line for line in lines)
    updated_calls = [c for c in vendors.dsco.calls(PAGE) if "ordersUpdatedSince" in c.query]
    assert updated_calls, "the second sweep asked DSCO for updated orders"


async def test_one_unparsable_order_does_not_stop_the_page(vendors: Vendors) -> None:
    pos = vendors.dsco.generate_orders(count=3)
    # The sandbox refuses malformed orders at seed time, so corrupt its stored copy the way a
    # vendor bug would: DSCO then serves an order whose create date cannot be parsed.
    record = vendors.dsco.orders.find("poNumber", pos[0])
    assert record is not None
    record.data["dscoCreateDate"] = "the day after tomorrow"
    counters = await _pull(vendors)
    assert set(await _statuses(vendors)) == set(pos[1:])
    assert counters["fail"] == 1
    assert counters["total"] == 3


async def test_an_order_the_database_refuses_costs_only_itself(vendors: Vendors) -> None:
    await vendors.configure(jobs={"pull_dsco_orders": {"size": 10}})
    pos = vendors.dsco.generate_orders(count=10)
    # A warehouse code too long (and too random to compress) for its btree index: PostgreSQL
    # refuses the row, and with it the one statement that stores the page.
    huge = "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=9000))
    raw = vendors.dsco.order(pos[4])
    assert raw is not None
    vendors.dsco.serve_as(pos[4], raw | {"shipWarehouseCode": huge})
    with captured_logs() as lines:
        counters = await _pull(vendors)
    assert set(await _statuses(vendors)) == set(pos) - {pos[4]}
    assert (counters["total"], counters["fail"]) == (10, 1)
    assert logged_reasons(lines, pos[4]) == ["refused_by_database"]
    assert any("storing them one by one" in line for line in lines)


async def test_manual_window_keeps_only_orders_created_inside_it(vendors: Vendors) -> None:
    pos = vendors.dsco.generate_orders(count=10, created_step_seconds=3600)
    start = int((START + timedelta(hours=2)).timestamp())
    end = int((START + timedelta(hours=5)).timestamp())
    await _pull(vendors, overrides={"start": start, "end": end})
    assert set(await _statuses(vendors)) == set(pos[2:5])


async def test_single_po_mode_reads_one_order(vendors: Vendors) -> None:
    pos = vendors.dsco.generate_orders(count=3)
    counters = await _pull(vendors, po_number=pos[1])
    assert set(await _statuses(vendors)) == {pos[1]}
    assert counters["advanced"] == 1
    assert vendors.dsco.calls(PAGE) == []
