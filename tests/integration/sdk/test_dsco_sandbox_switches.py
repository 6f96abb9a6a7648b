"""DSCO sandbox: each documented switch changes exactly the behaviour it names."""

from __future__ import annotations

from typing import Any

from .dsco_sandbox_support import (
    WINDOW,
    Client,
    ClientFactory,
    get_json,
    invoice,
    results_by_key,
    seed_order,
    shipment,
    start,
    submit_and_read,
)

SHIP, INVOICE, INVENTORY = (
    "/order/shipment/batch/small",
    "/invoice/batch/small",
    "/inventory/batch/small",
)


async def _codes(client: Client, path: str, body: list[Any], log: str) -> list[list[str]]:
    page = await submit_and_read(client, path, body, log)
    return [[m["code"] for m in e["results"]] for e in page["logs"]]


async def test_auto_ack_after_a_delay(aiohttp_client: ClientFactory) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    sandbox.update_switches(auto_ack_after_seconds=3600)
    po = seed_order(sandbox, 1, dscoCreateDate="2026-02-11T11:30:00Z")
    assert (sandbox.order(po) or {})["dscoStatus"] == "created"
    clock.advance(1800)
    order = await get_json(client, "/order/", orderKey="poNumber", value=po)
    assert order["dscoStatus"] == "shipment_pending"
    assert order["dscoLastUpdate"] == "2026-02-11T12:30:00+00:00"


async def test_shipping_policies(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = seed_order(sandbox, 2)
    sandbox.update_switches(allow_ship_unacknowledged=False)
    assert await _codes(client, SHIP, [shipment(po, "T-1", ("SKU-A", 1))], "/order/log") == [
        ["INVALID_ORDER_STATE"]
    ]
    sandbox.update_switches(allow_ship_unacknowledged=True, ship_complete_when="first_shipment")
    assert await _codes(client, SHIP, [shipment(po, "T-1", ("SKU-A", 1))], "/order/log") == [[]]
    assert (sandbox.order(po) or {})["dscoStatus"] == "shipped"
    # Shipped but not complete: more shipments are still accepted.
    assert await _codes(client, SHIP, [shipment(po, "T-2", ("SKU-B", 1))], "/order/log") == [[]]
    sandbox.update_switches(duplicate_tracking_idempotent=True)
    resend = shipment(po, "T-2", ("SKU-B", 1))
    assert await _codes(client, SHIP, [resend], "/order/log") == [[]]
    assert [p["trackingNumber"] for p in (sandbox.order(po) or {})["packages"]] == ["T-1", "T-2"]


async def test_span_carrier_warehouse_and_line_number_policies(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = seed_order(sandbox, 5)
    bare = shipment(po, "T-1", ("SKU-A", 1))
    del bare["shipments"][0]["shippingServiceLevelCode"]
    assert await _codes(client, SHIP, [bare], "/order/log") == [["VALIDATION_FAILED"]]
    sandbox.update_switches(require_service_level_or_carrier_method=False)
    assert await _codes(client, SHIP, [bare], "/order/log") == [[]]
    sandbox.update_switches(require_carrier_and_method=True)
    assert await _codes(client, SHIP, [shipment(po, "T-2", ("SKU-A", 1))], "/order/log") == [
        ["VALIDATION_FAILED"]
    ]
    sandbox.update_switches(
        require_carrier_and_method=False, require_warehouse_code=True, require_line_number=True
    )
    no_code = shipment(po, "T-3", ("SKU-A", 1))
    del no_code["shipments"][0]["warehouseCode"]
    [problems] = (await submit_and_read(client, SHIP, [no_code], "/order/log"))["logs"]
    described = " ".join(m["description"] for m in problems["results"])
    assert "warehouseCode" in described
    assert "lineNumber" in described
    sandbox.update_switches(require_warehouse_code=False, require_line_number=False)
    elsewhere = shipment(po, "T-4", ("SKU-A", 1))
    elsewhere["shipments"][0]["warehouseCode"] = "NOWHERE"
    assert await _codes(client, SHIP, [elsewhere], "/order/log") == [["UNKNOWN_WAREHOUSE"]]
    sandbox.update_switches(check_warehouses=False)
    assert await _codes(client, SHIP, [elsewhere], "/order/log") == [[]]
    span = shipment(po, "T-5", ("SKU-A", 1))
    span["shipments"].append(shipment(po, "T-6", ("SKU-A", 1))["shipments"][0])
    sandbox.update_switches(enforce_package_span=False)
    assert await _codes(client, SHIP, [span], "/order/log") == [[]]


async def test_invoice_policies(aiohttp_client: ClientFactory) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    po = seed_order(sandbox, 1)
    sandbox.set_order_status(po, "shipped")
    partial = invoice(po, ("SKU-A", 1), invoice_id="INV-1")
    sandbox.update_switches(invoice_must_cover_whole_order=True, require_invoice_date=True)
    [codes] = await _codes(client, INVOICE, [partial], "/invoice/log")
    assert codes == ["VALIDATION_FAILED"]
    sandbox.update_switches(require_invoice_date=False)
    assert await _codes(client, INVOICE, [partial], "/invoice/log") == [["VALIDATION_FAILED"]]
    sandbox.update_switches(invoice_must_cover_whole_order=False, strict_total=True)
    wrong_total = {**partial, "totalAmount": 99.0}
    assert await _codes(client, INVOICE, [wrong_total], "/invoice/log") == [["VALIDATION_FAILED"]]
    sandbox.update_switches(
        strict_total=False, reject_invoice_tracking_number=True, validate_with_models=False
    )
    tracked = {**partial, "trackingNumber": "T-1"}
    assert await _codes(client, INVOICE, [tracked], "/invoice/log") == [["VALIDATION_FAILED"]]
    sandbox.update_switches(reject_invoice_tracking_number=False, invoice_propagation_seconds=60)
    assert await _codes(client, INVOICE, [partial], "/invoice/log") == [[]]
    assert await get_json(client, "/invoice", key="invoiceId", value="INV-1") == {"invoices": []}
    clock.advance(60)
    found = await get_json(client, "/invoice", key="invoiceId", value="INV-1")
    assert [i["invoiceId"] for i in found["invoices"]] == ["INV-1"]


async def test_inventory_and_lookup_switches(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    sandbox.generate_orders(count=1, skus=("SKU-A",))
    new_item = {
        "sku": "SKU-NEW",
        "status": "in-stock",
        "quantityAvailable": 2,
        "warehouses": [{"code": "ACME-NJ", "quantity": 2}],
    }
    sandbox.update_switches(auto_create_items=True)
    assert await _codes(client, INVENTORY, [new_item], "/inventory/log") == [[]]
    assert (await get_json(client, "/inventory", itemKey="sku", value="SKU-NEW"))[
        "quantityAvailable"
    ] == 2
    sandbox.update_switches(partner_sku_lookup_needs_retailer=False)
    partner = sandbox.snapshot()["orders"][0]["lineItems"][0]["partnerSku"]
    item = await get_json(client, "/inventory", itemKey="partnerSku", value=partner)
    assert item["sku"] == "SKU-A"


async def test_paging_and_rate_limit_switches(aiohttp_client: ClientFactory) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    sandbox.generate_orders(count=20)
    sandbox.update_switches(
        scroll_ttl_seconds=10, until_min_age_seconds=0, retry_after_header=False
    )
    page = await get_json(client, "/order/page", ordersPerPage="10", **WINDOW)
    clock.advance(11)
    await get_json(client, "/order/page", expect=404, scrollId=page["scrollId"])
    recent = {"ordersCreatedSince": "2026-01-01T00:00:00Z", "until": "2026-02-11T12:00:11Z"}
    await get_json(client, "/order/page", **recent)
    statuses = []
    for _ in range(12):
        async with client.get("/order/page", params=WINDOW) as resp:
            statuses.append(resp.status)
            if resp.status == 429:
                assert "Retry-After" not in resp.headers
    assert 429 in statuses


async def test_log_retention(aiohttp_client: ClientFactory) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    po = seed_order(sandbox, 1)
    page = await submit_and_read(
        client, "/order/acknowledge", [{"id": po, "type": "PO_NUMBER"}], "/order/log"
    )
    rid = page["logs"][0]["requestId"]
    clock.advance(13 * 86400)
    assert results_by_key(await get_json(client, "/order/log", requestId=rid), "id") == {
        po: ("success", [])
    }
    clock.advance(2 * 86400)
    assert (await get_json(client, "/order/log", requestId=rid))["logs"] == []
