"""``invoice_to_dsco`` against both sandboxes through the real runner."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from jobs.lingxing_order import unit_price
from sdk.dsco.responses import OrderLineItem
from tests.integration.pipeline.ship_support import (
    INVOICE_PATH,
    INVOICE_READ_PATH,
    Pipeline,
    reasons,
    setup,
)
from tests.integration.vendors import Vendors, captured_logs


@pytest.fixture
async def p(vendors: Vendors, db_dsn: str) -> Pipeline:
    return await setup(vendors, db_dsn)


async def shipped(p: Pipeline, count: int = 1, **spec: object) -> list[str]:
    """Orders shipped in full through ship_to_dsco (local status 4, DSCO ``shipped``)."""
    pos = await p.seed(count, **spec)
    for i, po in enumerate(pos):
        p.full_outbound(po, f"INV-TRK-{po}-{i}", delivered_at="2026-03-02 20:15:00")
    await p.run("ship_to_dsco")
    assert [await p.status(po) for po in pos] == [4] * count
    return pos


def expected_total(p: Pipeline, po: str) -> Decimal:
    total = Decimal(0)
    for raw in p.lines(po):
        price = unit_price(OrderLineItem.model_validate(raw))
        assert price is not None
        total += raw["quantity"] * price.quantize(Decimal("0.01"))
    return total


async def test_batch_invoiced_in_one_call(p: Pipeline) -> None:
    sb = p.vendors
    pos = await shipped(p, 3, max_lines=3, max_quantity=3)
    result = await p.run("invoice_to_dsco")
    assert result.counters["advanced"] == 3
    assert p.dsco_calls(INVOICE_PATH) == 1
    for po in pos:
        row = await p.row(po)
        assert (row.status, row.dsco_invoice_id) == (5, po)
        [invoice] = [r.data for r in sb.dsco.invoices.records() if r.data["poNumber"] == po]
        assert invoice["invoiceId"] == po
        assert invoice["invoiceDate"] == "2026-03-02T12:15:00Z"  # Beijing 20:15 → UTC
        assert invoice["currencyCode"] == "USD"
        assert invoice["ship"]["trackingNumber"].startswith("INV-TRK-")
        lines = invoice["lineItems"]
        assert all(line["trackingNumber"] == invoice["ship"]["trackingNumber"] for line in lines)
        line_sum = sum(Decimal(str(li["quantity"])) * Decimal(str(li["unitPrice"])) for li in lines)
        assert Decimal(str(invoice["totalAmount"])) == line_sum == expected_total(p, po)


async def test_not_fully_shipped_is_skipped(p: Pipeline) -> None:
    [po] = await p.seed(min_lines=2, max_lines=2, status=4)
    first, _ = p.lines(po)
    p.outbound(po, "TRK-HALF", [(first["sku"], first["quantity"])])
    with captured_logs() as logs:
        await p.run("invoice_to_dsco")
    assert reasons(logs, po) == ["not_fully_shipped"]
    assert await p.status(po) == 4
    assert p.dsco_calls(INVOICE_PATH) == 0


async def test_existing_invoice_is_not_duplicated(p: Pipeline) -> None:
    """A crash after DSCO took the invoice but before the row moved to 5: the next run posts
    again without reading first (invoiceId = PO is the key), and DSCO's refusal of a duplicate
    invoiceId settles it."""
    sb = p.vendors
    [po] = await shipped(p)
    await p.run("invoice_to_dsco")
    await sb.pool.execute(
        "UPDATE dsco_order_sync SET status = 4, dsco_invoice_id = '' WHERE po_number = $1", po
    )
    with captured_logs() as logs:
        await p.run("invoice_to_dsco")
    assert reasons(logs, po) == ["invoice_already_in_dsco"]
    row = await p.row(po)
    assert (row.status, row.dsco_invoice_id) == (5, po)
    assert len(p.invoices(po)) == 1
    assert p.dsco_reads(INVOICE_READ_PATH) == 0


async def test_dropped_log_entry_confirmed_by_lookup(p: Pipeline) -> None:
    sb = p.vendors
    [po] = await shipped(p)
    sb.dsco.add_fault(path=INVOICE_PATH, kind="drop_log")
    await p.run("invoice_to_dsco")
    assert await p.status(po) == 5
    assert p.dsco_calls(INVOICE_PATH) == 1


async def test_dropped_log_entry_advances_on_a_later_run(p: Pipeline) -> None:
    sb = p.vendors
    [po] = await shipped(p)
    sb.dsco.add_fault(path=INVOICE_PATH, kind="drop_log")
    sb.dsco.update_switches(invoice_propagation_seconds=3)  # not visible to the lookup yet
    with captured_logs() as logs:
        await p.run("invoice_to_dsco")
    assert reasons(logs, po) == ["invoice_unconfirmed"]
    assert await p.status(po) == 4
    assert sb.clients.dsco is not None
    for _ in range(100):  # until the invoice becomes visible (about 3 s)
        if await sb.clients.dsco.get_invoice(po) is not None:
            break
        await asyncio.sleep(0.1)
    await p.run("invoice_to_dsco")
    row = await p.row(po)
    assert (row.status, row.dsco_invoice_id) == (5, po)
    assert len(p.invoices(po)) == 1


async def test_rejected_invoice_does_not_stop_the_rest(p: Pipeline) -> None:
    sb = p.vendors
    bad, good = await shipped(p, 2)
    sb.dsco.add_fault(path=INVOICE_PATH, kind="fail_elements", keys=(bad,))
    with captured_logs() as logs:
        result = await p.run("invoice_to_dsco")
    assert reasons(logs, bad) == ["invoice_rejected"]
    assert await p.status(bad) == 4
    assert await p.status(good) == 5
    assert result.counters["fail"] == 1


async def test_line_without_price_skips_the_order(p: Pipeline) -> None:
    [po] = await p.seed(status=4, missing_price_ratio=1.0)
    p.full_outbound(po, "TRK-NOPRICE")
    with captured_logs() as logs:
        await p.run("invoice_to_dsco")
    assert reasons(logs, po) == ["missing_unit_price"]
    assert p.dsco_calls(INVOICE_PATH) == 0


async def test_multi_ban_and_single_po(p: Pipeline) -> None:
    sb = p.vendors
    await sb.configure(jobs={"invoice_to_dsco": {"multi_ban": True}})
    [multi] = await shipped(p, min_lines=2, max_lines=2, po_prefix="M")
    one, other = await shipped(p, 2, po_prefix="S")
    with captured_logs() as logs:
        result = await p.run("invoice_to_dsco", po_number=multi)
    assert reasons(logs, multi) == ["multi_ban"]
    assert result.counters["total"] == 1
    await p.run("invoice_to_dsco", po_number=one)
    assert [await p.status(po) for po in (multi, one, other)] == [4, 5, 4]
