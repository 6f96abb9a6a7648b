"""check_orders on a seeded mix: every result code, DSCO orders never pulled, nothing written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sdk.lingxing.models import CreateOrder, CreateOrderItem
from tests.integration.stock.conftest import Stock

START = datetime(2026, 2, 10, tzinfo=UTC)


async def _local(
    stock: Stock, po: str, status: int, dsco_status: str, created: int, invoice_id: str = ""
) -> None:
    await stock.vendors.pool.execute(
        "INSERT INTO dsco_order_sync (po_number, dsco_create_time, dsco_status, status, payload,"
        " dsco_invoice_id, created_at, updated_at) VALUES ($1, $2, $3, $4, '{}', $5, 0, 0)",
        po,
        created,
        dsco_status,
        status,
        invoice_id,
    )


async def _snapshot(stock: Stock) -> list[tuple[object, ...]]:
    rows = await stock.vendors.pool.fetch("SELECT * FROM dsco_order_sync ORDER BY id")
    return [tuple(r.values()) for r in rows]


async def _seed(stock: Stock) -> dict[str, str]:
    """Expected code per PO."""
    dsco = stock.vendors.dsco
    pos = dsco.generate_orders(count=9, created_start=START, created_step_seconds=60, seed=5)
    t = int(START.timestamp())
    names = [
        "ok1",
        "never_pulled1",
        "lx_missing",
        "lx_ok",
        "mismatch",
        "inv_missing",
        "inv_ok",
        "never_pulled2",
        "done_at_pull",
    ]
    po = dict(zip(names, pos, strict=True))
    await _local(stock, po["ok1"], 1, "created", t)
    await _local(stock, po["lx_missing"], 2, "created", t + 120)
    await _local(stock, po["lx_ok"], 2, "created", t + 180)
    dsco.set_order_status(po["mismatch"], "cancelled")
    await _local(stock, po["mismatch"], 3, "shipment_pending", t + 240)
    for name in ("inv_missing", "inv_ok", "done_at_pull"):
        dsco.set_order_status(po[name], "shipped")
    await _local(stock, po["inv_missing"], 5, "shipped", t + 300, invoice_id=po["inv_missing"])
    await _local(stock, po["inv_ok"], 5, "shipped", t + 360, invoice_id="INV-OK")
    await _local(stock, po["done_at_pull"], 5, "shipped", t + 480)  # no invoice id: not checked
    await _local(stock, "LOCAL-ONLY-1", 1, "created", t + 30)
    dsco.invoices.add({"invoiceId": "INV-OK", "poNumber": po["inv_ok"]}, dsco.now())
    await _lingxing_order(stock, po["lx_ok"])
    return {
        po["ok1"]: "ok",
        po["never_pulled1"]: "missing_local_record",
        po["never_pulled2"]: "missing_local_record",
        po["lx_missing"]: "lingxing_order_missing",
        po["lx_ok"]: "ok",
        po["mismatch"]: "dsco_status_mismatch",
        po["inv_missing"]: "dsco_invoice_missing",
        po["inv_ok"]: "ok",
        po["done_at_pull"]: "ok",
        "LOCAL-ONLY-1": "dsco_order_not_found",
    }


async def _lingxing_order(stock: Stock, po: str) -> None:
    stock.vendors.lingxing.add_store("501", platform_code=10008)
    lingxing = stock.vendors.clients.lingxing
    assert lingxing is not None
    item = CreateOrderItem(msku="SKU-1", quantity=1, unit_price=Decimal("2.50"))
    order = CreateOrder(
        platform_order_no=po,
        receiver_country_code="US",
        receiver_name="Test Buyer",
        city="Newark",
        address_line1="1 Main St",
        items=[item],
    )
    result = await lingxing.create_orders(10008, "501", [order])
    assert [o.platform_order_no for o in result.success_details] == [po]


async def test_range_reports_every_code_and_writes_nothing(stock: Stock) -> None:
    expected = await _seed(stock)
    before = await _snapshot(stock)
    start = int(START.timestamp())

    result = await stock.run("check_orders", overrides={"start": start, "end": start + 3600})

    assert result.status == "ok", result.error
    assert result.report is not None
    got = {p["po_number"]: p["code"] for p in result.report["problems"]}
    assert got == {po: code for po, code in expected.items() if code != "ok"}
    counts = result.report["counts"]
    assert counts == {
        "ok": 4,
        "missing_local_record": 2,
        "dsco_order_not_found": 1,
        "dsco_status_mismatch": 1,
        "lingxing_order_missing": 1,
        "dsco_invoice_missing": 1,
    }
    assert result.counters["total"] == 10
    assert result.counters["fail"] == 6
    assert await _snapshot(stock) == before


async def test_many_scroll_pages_are_all_read(stock: Stock) -> None:
    pos = stock.vendors.dsco.generate_orders(
        count=45, created_start=START, created_step_seconds=10, seed=9
    )
    await stock.vendors.configure(jobs={"check_orders": {"size": 10}})
    start = int(START.timestamp())

    result = await stock.run("check_orders", overrides={"start": start, "end": start + 3600})

    assert result.status == "ok", result.error
    assert result.report is not None
    assert result.report["counts"]["missing_local_record"] == 45
    assert {p["po_number"] for p in result.report["problems"]} == set(pos)
    assert len(stock.vendors.dsco.calls("/order/page")) >= 5


async def test_single_po(stock: Stock) -> None:
    expected = await _seed(stock)
    for po, code in expected.items():
        result = await stock.run("check_orders", po_number=po)
        assert result.status == "ok", result.error
        assert result.report is not None
        assert result.report["counts"][code] == 1, (po, code, result.report)


async def test_without_window_or_po_fails_clearly(stock: Stock) -> None:
    result = await stock.run("check_orders")
    assert result.status == "failed"
    assert "start/end" in (result.error or "")
