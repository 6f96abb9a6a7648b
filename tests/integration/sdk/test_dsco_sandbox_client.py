"""Every ``DscoClient`` method round-trips against the DSCO sandbox (a real HTTP server).

The client's clock and sleep drive the sandbox's fake clock, so rate limits, batch delays,
change-log polling and scroll expiry all run deterministically and without real waiting.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sdk._retry import RetryPolicy
from sdk.dsco import (
    DscoAuthenticationError,
    DscoClient,
    DscoServerError,
    InventoryWarehouse,
    Invoice,
    InvoiceLineItem,
    ItemInventory,
    OrderAck,
    ScrollExpiredError,
    Shipment,
    ShipmentForOrder,
    ShipmentLineItem,
)
from sdk.dsco.sandbox import SANDBOX_KEY, DscoSandbox, FakeClock, create_app

from .dsco_sandbox_support import TOKEN

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 2, 11, 11, 0, tzinfo=UTC)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
ServerFactory = Callable[..., Awaitable[TestServer]]


@dataclass
class Rig:
    client: DscoClient
    sandbox: DscoSandbox
    clock: FakeClock


RigFactory = Callable[..., Awaitable[Rig]]


@pytest.fixture
async def make_rig(aiohttp_server: ServerFactory) -> AsyncIterator[RigFactory]:
    sessions: list[aiohttp.ClientSession] = []

    async def make(*, token: str = TOKEN, **app_kwargs: Any) -> Rig:
        clock = FakeClock()
        app: web.Application = create_app(token=TOKEN, clock=clock, **app_kwargs)
        server = await aiohttp_server(app)

        async def sleep(seconds: float) -> None:
            # Whole microseconds, so the sandbox's buckets see at least what the client waited.
            clock.advance(math.ceil(seconds * 1_000_000) / 1_000_000)
            await asyncio.sleep(0)

        session = aiohttp.ClientSession()
        sessions.append(session)
        client = DscoClient(
            session,
            base_url=str(server.make_url("/")),
            token=token,
            retry=RetryPolicy.instant(),
            clock=lambda: (clock() - EPOCH).total_seconds(),
            sleep=sleep,
        )
        return Rig(client, app[SANDBOX_KEY], clock)

    yield make
    for session in sessions:
        await session.close()


def _shipment(po: str, tracking: str, sku: str, quantity: int) -> ShipmentForOrder:
    line = ShipmentLineItem(sku=sku, quantity=quantity)
    package = Shipment(
        tracking_number=tracking,
        line_items=[line],
        ship_date=datetime(2026, 2, 11, 18, 40, tzinfo=UTC),
        shipping_service_level_code="FEHD",
        warehouse_code="ACME-NJ",
    )
    return ShipmentForOrder(po_number=po, shipments=[package])


def _invoice(po: str, sku: str, quantity: int) -> Invoice:
    line = InvoiceLineItem(sku=sku, quantity=quantity, unit_price=Decimal("74.54"))
    return Invoice(
        invoice_id=po,
        po_number=po,
        total_amount=Decimal("74.54") * quantity,
        line_items=[line],
    )


async def test_iter_order_pages_reads_ten_thousand_orders(make_rig: RigFactory) -> None:
    rig = await make_rig()
    expected = rig.sandbox.generate_orders(count=10_000, created_step_seconds=1)
    seen: list[str] = []
    pages = 0
    async for page in rig.client.iter_order_pages(created_since=SINCE, until=UNTIL):
        pages += 1
        seen += [o["poNumber"] for o in page]
    assert seen == expected
    assert pages == 10
    calls = rig.sandbox.calls("/order/page")
    assert [c.status for c in calls] == [200] * 11  # ten full pages and the empty one
    assert all(set(c.query) == {"scrollId"} for c in calls[1:])


async def test_iter_order_pages_filters_and_updated_since(make_rig: RigFactory) -> None:
    rig = await make_rig()
    pos = rig.sandbox.generate_orders(count=12)
    later = datetime(2026, 2, 10, 12, tzinfo=UTC)
    test_po = rig.sandbox.generate_orders(count=1, test_flag=True, seed=5, created_start=later)[0]
    rig.sandbox.set_order_status(pos[3], "cancelled")
    cancelled = [
        o["poNumber"]
        async for page in rig.client.iter_order_pages(
            created_since=SINCE, until=UNTIL, statuses=["cancelled"]
        )
        for o in page
    ]
    assert cancelled == [pos[3]]
    with_tests = [
        o["poNumber"]
        async for page in rig.client.iter_order_pages(
            created_since=SINCE, until=UNTIL, per_page=5, include_test_orders=True
        )
        for o in page
    ]
    assert with_tests == [*pos, test_po]
    first_page_only = [
        page
        async for page in rig.client.iter_order_pages(
            created_since=SINCE, until=UNTIL, per_page=5, max_pages=1
        )
    ]
    assert [len(p) for p in first_page_only] == [10]  # the client clamps to DSCO's minimum
    assert rig.sandbox.calls("/order/page")[-1].query["ordersPerPage"] == ["10"]
    rig.clock.advance(60)
    updated = [
        o["poNumber"]
        async for page in rig.client.iter_order_pages(
            updated_since=datetime(2026, 2, 11, 11, 59, tzinfo=UTC),
            until=datetime(2026, 2, 11, 12, 0, 30, tzinfo=UTC),
        )
        for o in page
    ]
    assert updated == [pos[3]]


async def test_iter_order_pages_raises_when_the_scroll_expires(make_rig: RigFactory) -> None:
    rig = await make_rig()
    rig.sandbox.generate_orders(count=30)
    pages = rig.client.iter_order_pages(created_since=SINCE, until=UNTIL, per_page=10)
    first = await anext(pages)
    assert len(first) == 10
    rig.clock.advance(301)
    with pytest.raises(ScrollExpiredError):
        await anext(pages)


async def test_get_order_found_and_missing(make_rig: RigFactory) -> None:
    rig = await make_rig()
    po = rig.sandbox.generate_orders(count=1)[0]
    order = await rig.client.get_order(po)
    assert order is not None
    assert order["poNumber"] == po
    by_id = await rig.client.get_order(order["dscoOrderId"], key="dscoOrderId")
    assert by_id == order
    assert await rig.client.get_order("NOPE") is None


async def test_acknowledge_then_wait_for_request(make_rig: RigFactory) -> None:
    rig = await make_rig(batch_delay=4.0)
    pos = rig.sandbox.generate_orders(count=2)
    rig.sandbox.set_order_status(pos[1], "shipped")
    accepted = await rig.client.acknowledge([pos[0], OrderAck(id=pos[1])])
    assert accepted.status == "pending"
    outcome = await rig.client.wait_for_request(
        "order", accepted.request_id, pos, timeout=30, poll_interval=1
    )
    assert outcome.completed
    assert outcome.succeeded == {pos[0]}
    assert set(outcome.failed) == {pos[1]}
    assert "INVALID_ORDER_STATE" in outcome.failed[pos[1]][0]
    assert outcome.polls == 5  # pending at 0..3 s, processed at 4 s
    order = await rig.client.get_order(pos[0])
    assert order is not None
    assert order["dscoStatus"] == "shipment_pending"


async def test_create_shipments_round_trip(make_rig: RigFactory) -> None:
    rig = await make_rig()
    po = rig.sandbox.generate_orders(count=1, skus=("SKU-A",), max_quantity=1)[0]
    over = rig.sandbox.generate_orders(count=1, skus=("SKU-A",), max_quantity=1, seed=3)[0]
    accepted = await rig.client.create_shipments(
        [_shipment(po, "794612345678", "SKU-A", 1), _shipment(over, "794612345690", "SKU-A", 2)]
    )
    outcome = await rig.client.wait_for_request("order", accepted.request_id, [po, over])
    assert outcome.succeeded == {po}
    assert "QUANTITY_EXCEEDS_REMAINING" in outcome.failed[over][0]
    order = await rig.client.get_order(po)
    assert order is not None
    assert order["dscoStatus"] == "shipped"
    assert [p["trackingNumber"] for p in order["packages"]] == ["794612345678"]
    [call] = rig.sandbox.calls("/order/shipment/batch/small")
    assert call.body[0]["shipments"][0]["shipDate"] == "2026-02-11T18:40:00Z"


async def test_create_invoices_and_get_invoices(make_rig: RigFactory) -> None:
    rig = await make_rig()
    po = rig.sandbox.generate_orders(count=1, skus=("SKU-A",), max_quantity=1, status="shipped")[0]
    assert await rig.client.get_invoice(po) is None
    accepted = await rig.client.create_invoices([_invoice(po, "SKU-A", 1)])
    outcome = await rig.client.wait_for_request("invoice", accepted.request_id, [po])
    assert outcome.succeeded == {po}
    invoice = await rig.client.get_invoice(po)
    assert invoice is not None
    assert invoice["totalAmount"] == 74.54
    assert [i["invoiceId"] for i in await rig.client.get_invoices(po, key="poNumber")] == [po]
    again = await rig.client.create_invoices([_invoice(po, "SKU-A", 1)])
    duplicate = await rig.client.wait_for_request("invoice", again.request_id, [po])
    assert "DUPLICATE_INVOICE_ID" in duplicate.failed[po][0]


async def test_update_inventory_and_get_inventory(make_rig: RigFactory) -> None:
    rig = await make_rig()
    rig.sandbox.generate_orders(count=1, skus=("SKU-A",), retailer_ids=("R-1",))
    item = ItemInventory(
        sku="SKU-A",
        status="in-stock",
        quantity_available=37,
        warehouses=[InventoryWarehouse(code="ACME-NJ", quantity=37, status="in-stock")],
    )
    ghost = ItemInventory(
        sku="SKU-GHOST",
        status="in-stock",
        warehouses=[InventoryWarehouse(code="ACME-NJ", quantity=1)],
    )
    accepted = await rig.client.update_inventory([item, ghost])
    outcome = await rig.client.wait_for_request(
        "inventory", accepted.request_id, ["SKU-A", "SKU-GHOST"]
    )
    assert outcome.succeeded == {"SKU-A"}
    assert "ITEM_NOT_FOUND" in outcome.failed["SKU-GHOST"][0]
    skipped = await rig.client.update_inventory([ghost], skip_items_that_dont_exist=True)
    pages = [
        p async for p in rig.client.iter_change_log("inventory", request_id=skipped.request_id)
    ]
    assert [(p.status, p.logs) for p in pages] == [("COMPLETED", [])]
    stock = await rig.client.get_inventory("SKU-A")
    assert stock is not None
    assert stock["quantityAvailable"] == 37
    partner = rig.sandbox.snapshot()["orders"][0]["lineItems"][0]["partnerSku"]
    by_partner = await rig.client.get_inventory(
        partner, item_key="partnerSku", dsco_retailer_id="R-1"
    )
    assert by_partner is not None
    assert by_partner["sku"] == "SKU-A"
    assert await rig.client.get_inventory("SKU-NONE") is None


async def test_iter_change_log_pages_by_request_and_window(make_rig: RigFactory) -> None:
    rig = await make_rig()
    rig.sandbox.update_switches(log_page_size=2)
    pos = rig.sandbox.generate_orders(count=5)
    accepted = await rig.client.acknowledge(pos)
    pages = [p async for p in rig.client.iter_change_log("order", request_id=accepted.request_id)]
    assert [len(p.logs) for p in pages] == [2, 2, 1, 0]
    assert [e.payload["id"] for p in pages for e in p.logs] == pos
    assert all(p.status == "COMPLETED" for p in pages)
    window = [
        e.status
        async for p in rig.client.iter_change_log(
            "order",
            start=datetime(2026, 2, 11, 12, tzinfo=UTC),
            end=datetime(2026, 2, 11, 12, 0, 1, tzinfo=UTC),
            status="success",
        )
        for e in p.logs
    ]
    assert window == ["success"] * 5


async def test_dropped_log_entry_leaves_the_key_pending(make_rig: RigFactory) -> None:
    rig = await make_rig()
    pos = rig.sandbox.generate_orders(count=2)
    rig.sandbox.add_fault(path="/order/acknowledge", kind="drop_log", keys=[pos[1]])
    accepted = await rig.client.acknowledge(pos)
    outcome = await rig.client.wait_for_request("order", accepted.request_id, pos)
    assert outcome.completed
    assert outcome.succeeded == {pos[0]}
    assert outcome.pending == {pos[1]}


async def test_injected_5xx_is_retried_for_reads_and_ambiguous_for_writes(
    make_rig: RigFactory,
) -> None:
    rig = await make_rig()
    po = rig.sandbox.generate_orders(count=1, skus=("SKU-A",), max_quantity=1)[0]
    rig.sandbox.add_fault(path="/order/", kind="status", status=503, count=2)
    assert (await rig.client.get_order(po) or {})["poNumber"] == po
    assert [c.status for c in rig.sandbox.calls("/order/")] == [503, 503, 200]
    rig.sandbox.add_fault(
        path="/order/shipment/batch/small", kind="status", status=502, after_processing=True
    )
    with pytest.raises(DscoServerError) as caught:
        await rig.client.create_shipments([_shipment(po, "T-1", "SKU-A", 1)])
    assert caught.value.ambiguous
    assert len(rig.sandbox.calls("/order/shipment/batch/small")) == 1  # never blindly re-sent
    order = await rig.client.get_order(po)
    assert order is not None
    assert [p["trackingNumber"] for p in order["packages"]] == ["T-1"]


async def test_injected_429_is_retried_after_retry_after(make_rig: RigFactory) -> None:
    rig = await make_rig()
    rig.sandbox.generate_orders(count=1)
    rig.sandbox.add_fault(path="/order/page", kind="rate_limit", retry_after=1)
    pages = [p async for p in rig.client.iter_order_pages(created_since=SINCE, until=UNTIL)]
    assert [len(p) for p in pages] == [1]
    assert [c.status for c in rig.sandbox.calls("/order/page")] == [429, 200]


async def test_wrong_token_is_an_authentication_error(make_rig: RigFactory) -> None:
    rig = await make_rig(token="not-the-token")
    with pytest.raises(DscoAuthenticationError) as caught:
        await rig.client.get_order("ANY")
    assert "not-the-token" not in str(caught.value)
