"""DSCO sandbox: the order lifecycle through the async batch endpoints (§5.2, §5.4)."""

from __future__ import annotations

from typing import Any

import pytest

from .dsco_sandbox_support import (
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

ACK, SHIP, INVOICE, INVENTORY = (
    "/order/acknowledge",
    "/order/shipment/batch/small",
    "/invoice/batch/small",
    "/inventory/batch/small",
)


async def _ack(client: Client, *pos: str) -> dict[str, tuple[str, list[str]]]:
    page = await submit_and_read(
        client, ACK, [{"id": p, "type": "PO_NUMBER"} for p in pos], "/order/log"
    )
    assert page["status"] == "COMPLETED"
    return results_by_key(page, "id")


async def test_ack_only_from_created(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    created, shipped, cancelled = (
        seed_order(sandbox, 1, po=po) for po in ("PO-CREATED", "PO-SHIPPED", "PO-CANCEL")
    )
    sandbox.set_order_status(shipped, "shipped")
    sandbox.set_order_status(cancelled, "cancelled")
    results = await _ack(client, created, shipped, cancelled, "PO-UNKNOWN")
    assert results == {
        created: ("success", []),
        shipped: ("failure", ["INVALID_ORDER_STATE"]),
        cancelled: ("failure", ["INVALID_ORDER_STATE"]),
        "PO-UNKNOWN": ("failure", ["ORDER_NOT_FOUND"]),
    }
    order = await get_json(client, "/order/", orderKey="poNumber", value=created)
    assert (order["dscoStatus"], order["dscoLifecycle"]) == ("shipment_pending", "acknowledged")
    # Acknowledging again is harmless by default; the switch makes it a failure.
    assert await _ack(client, created) == {created: ("success", [])}
    sandbox.update_switches(ack_repeat_fails=True)
    assert await _ack(client, created) == {created: ("failure", ["ALREADY_ACKNOWLEDGED"])}


async def test_ack_by_dsco_id_and_supplier_order_number(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = seed_order(sandbox, 1)
    order_id = int((sandbox.order(po) or {})["dscoOrderId"])
    body = [{"id": order_id, "type": "DSCO_ORDER_ID", "supplierOrderNumber": "SO-1"}]
    page = await submit_and_read(client, ACK, body, "/order/log")
    entry = page["logs"][0]
    assert entry["status"] == "success"
    assert entry["payload"]["id"] == str(order_id)  # the log always carries the id as a string
    assert entry["requestMethodDetail"] == "acknowledgeOrders"
    order = await get_json(client, "/order/", orderKey="supplierOrderNumber", value="SO-1")
    assert order["poNumber"] == po
    bad = await submit_and_read(client, ACK, [{"id": "abc", "type": "DSCO_ORDER_ID"}], "/order/log")
    assert results_by_key(bad, "id") == {"abc": ("failure", ["VALIDATION_FAILED"])}


async def test_shipments_fill_the_order_until_shipped(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = seed_order(sandbox, 2)
    await _ack(client, po)
    first = await submit_and_read(client, SHIP, [shipment(po, "T-1", ("SKU-A", 1))], "/order/log")
    assert results_by_key(first, "poNumber") == {po: ("success", [])}
    order = sandbox.order(po) or {}
    assert order["dscoStatus"] == "shipment_pending"
    assert order["lineItems"][0]["shippedQuantity"] == 1
    assert order["lineItems"][0]["remainingQuantity"] == 1
    rest = shipment(po, "T-2", ("SKU-A", 1), ("SKU-B", 1))
    second = await submit_and_read(client, SHIP, [rest], "/order/log")
    assert results_by_key(second, "poNumber") == {po: ("success", [])}
    order = await get_json(client, "/order/", orderKey="poNumber", value=po)
    assert (order["dscoStatus"], order["dscoLifecycle"]) == ("shipped", "completed")
    assert [p["trackingNumber"] for p in order["packages"]] == ["T-1", "T-2"]
    assert order["packages"][1]["items"][1] == {
        "quantity": 1,
        "lineNumber": 2,
        "sku": "SKU-B",
        "dscoItemId": "222",
    }
    assert order["lineItems"][0]["activity"][-1]["reason"] == "T-2"


async def test_over_shipping_is_rejected_per_element(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    ok_po = seed_order(sandbox, 2, po="PO-OK")
    over_po = seed_order(sandbox, 2, po="PO-OVER")
    await _ack(client, ok_po, over_po)
    body = [
        shipment(ok_po, "T-OK", ("SKU-A", 2)),
        shipment(over_po, "T-OVER", ("SKU-A", 3)),
        # Earlier elements count for later ones: this one would exceed what is left.
        shipment(ok_po, "T-AGAIN", ("SKU-A", 1)),
    ]
    page = await submit_and_read(client, SHIP, body, "/order/log")
    statuses = [(e["payload"]["shipments"][0]["trackingNumber"], e["status"]) for e in page["logs"]]
    assert statuses == [("T-OK", "success"), ("T-OVER", "failure"), ("T-AGAIN", "failure")]
    assert [m["code"] for m in page["logs"][1]["results"]] == ["QUANTITY_EXCEEDS_REMAINING"]
    assert [m["code"] for m in page["logs"][2]["results"]] == ["QUANTITY_EXCEEDS_REMAINING"]
    over = sandbox.order(over_po) or {}
    assert "packages" not in over  # a failed element changes nothing
    assert over["dscoStatus"] == "shipment_pending"


@pytest.mark.parametrize(
    ("element", "code"),
    [
        (shipment("PO-1", "T-1", ("SKU-Z", 1)), "ITEM_NOT_ON_ORDER"),
        (shipment("PO-1", "T-1", ("SKU-A", 1), lineNumber=2), "ITEM_NOT_ON_ORDER"),
        (shipment("PO-NOPE", "T-1", ("SKU-A", 1)), "ORDER_NOT_FOUND"),
        ({**shipment("PO-1", "T-1", ("SKU-A", 1)), "shipments": []}, "VALIDATION_FAILED"),
        (shipment("PO-1", "", ("SKU-A", 1)), "VALIDATION_FAILED"),
        (shipment("PO-1", "T-1", ("SKU-A", 0)), "VALIDATION_FAILED"),
    ],
)
async def test_bad_shipments_fail_in_the_log(
    aiohttp_client: ClientFactory, element: dict[str, Any], code: str
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    seed_order(sandbox, 2, po="PO-1")
    page = await submit_and_read(client, SHIP, [element], "/order/log")
    assert page["logs"][0]["status"] == "failure"
    assert code in [m["code"] for m in page["logs"][0]["results"]]


async def test_duplicate_tracking_package_span_and_cancelled_orders(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = seed_order(sandbox, 3)
    cancelled = seed_order(sandbox, 1, po="PO-CANCELLED")
    sandbox.set_order_status(cancelled, "cancelled")
    await submit_and_read(client, SHIP, [shipment(po, "T-1", ("SKU-A", 1))], "/order/log")
    span = {
        "poNumber": po,
        "shipments": [
            shipment(po, "T-2", ("SKU-A", 1))["shipments"][0],
            shipment(po, "T-3", ("SKU-A", 1))["shipments"][0],
        ],
    }
    body = [
        shipment(po, "T-1", ("SKU-B", 1)),
        span,
        shipment(cancelled, "T-9", ("SKU-A", 1)),
    ]
    page = await submit_and_read(client, SHIP, body, "/order/log")
    codes = [[m["code"] for m in e["results"]] for e in page["logs"]]
    assert codes == [
        ["DUPLICATE_TRACKING_NUMBER"],
        ["PACKAGE_SPAN_FLAG_REQUIRED"],
        ["INVALID_ORDER_STATE"],
    ]
    for package in span["shipments"]:
        package["lineItems"][0]["packageSpanFlag"] = True
    flagged = await submit_and_read(client, SHIP, [span], "/order/log")
    assert flagged["logs"][0]["status"] == "success"


async def test_invoices_duplicate_ids_and_invoiceable_quantity(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = seed_order(sandbox, 2)
    await _ack(client, po)
    await submit_and_read(client, SHIP, [shipment(po, "T-1", ("SKU-A", 2))], "/order/log")
    too_much = invoice(po, ("SKU-A", 2), ("SKU-B", 1), invoice_id="INV-TOO-MUCH")
    page = await submit_and_read(client, INVOICE, [too_much], "/invoice/log")
    codes = [m["code"] for m in page["logs"][0]["results"]]
    assert codes == ["QUANTITY_EXCEEDS_INVOICEABLE"]  # SKU-B has not shipped yet
    first = invoice(po, ("SKU-A", 2))
    page = await submit_and_read(client, INVOICE, [first, first], "/invoice/log")
    assert [(e["payload"]["invoiceId"], e["status"]) for e in page["logs"]] == [
        (po, "success"),
        (po, "failure"),
    ]
    assert page["logs"][1]["results"][0]["code"] == "DUPLICATE_INVOICE_ID"
    found = await get_json(client, "/invoice", key="invoiceId", value=po)
    assert [i["invoiceId"] for i in found["invoices"]] == [po]
    stored = found["invoices"][0]
    assert stored["dscoInvoiceId"]
    assert stored["dscoSupplierId"] == sandbox.supplier_id
    assert stored["dscoRetailerId"] == "1000023456"
    by_po = await get_json(client, "/invoice", key="poNumber", value=po)
    assert by_po == found
    assert await get_json(client, "/invoice", key="invoiceId", value="NOPE") == {"invoices": []}
    sandbox.update_switches(invoice_not_found_404=True)
    await get_json(client, "/invoice", expect=404, key="invoiceId", value="NOPE")


async def test_cancelled_orders_reject_invoices(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = seed_order(sandbox, 1)
    sandbox.set_order_status(po, "cancelled")
    page = await submit_and_read(client, INVOICE, [invoice(po, ("SKU-A", 1))], "/invoice/log")
    assert results_by_key(page, "invoiceId") == {po: ("failure", ["INVALID_ORDER_STATE"])}


async def test_inventory_updates_per_warehouse_and_lookups(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = seed_order(sandbox, 1)
    sandbox.add_warehouses(["ACME-CA"])
    body = [
        {"sku": "SKU-A", "status": "in-stock", "quantityAvailable": 5,
         "warehouses": [{"code": "ACME-NJ", "quantity": 5}]},
        {"sku": "SKU-A", "status": "in-stock", "quantityAvailable": 3,
         "warehouses": [{"code": "ACME-CA", "quantity": 3}]},
        {"sku": "SKU-NEW", "status": "in-stock", "quantityAvailable": 1,
         "warehouses": [{"code": "ACME-NJ", "quantity": 1}]},
        {"sku": "SKU-B", "status": "in-stock", "quantityAvailable": 1,
         "warehouses": [{"code": "NOWHERE", "quantity": 1}]},
        {"sku": "SKU-B", "status": "in-stock", "quantityAvailable": 4,
         "warehouses": [{"code": "ACME-NJ", "quantity": 1}, {"code": "ACME-CA", "quantity": 2}]},
    ]  # fmt: skip
    page = await submit_and_read(client, INVENTORY, body, "/inventory/log")
    codes = [[m["code"] for m in e["results"]] for e in page["logs"]]
    assert codes == [[], [], ["ITEM_NOT_FOUND"], ["UNKNOWN_WAREHOUSE"], ["QUANTITY_MISMATCH"]]
    item = await get_json(client, "/inventory", itemKey="sku", value="SKU-A")
    assert item["quantityAvailable"] == 8  # warehouses are upserted, the total re-summed
    assert {w["code"]: w["quantity"] for w in item["warehouses"]} == {"ACME-NJ": 5, "ACME-CA": 3}
    assert item["dscoItemId"] == "111"
    missing = await get_json(client, "/inventory", expect=404, itemKey="sku", value="SKU-NEW")
    assert missing["messages"][0]["code"] == "notFound"
    skipped = await submit_and_read(
        client, f"{INVENTORY}?skipItemsThatDontExist=true", body[2:3], "/inventory/log"
    )
    assert skipped == {"logs": [], "status": "COMPLETED"}  # dropped silently
    assert sandbox.order(po) is not None


async def test_inventory_partner_sku_lookup_needs_a_retailer(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    sandbox.generate_orders(count=1, skus=("SKU-A",), retailer_ids=("R-1",))
    partner = (sandbox.snapshot()["orders"][0]["lineItems"][0])["partnerSku"]
    bad = await get_json(client, "/inventory", expect=400, itemKey="partnerSku", value=partner)
    assert bad["messages"][0]["code"] == "VALIDATION_FAILED"
    item = await get_json(
        client, "/inventory", itemKey="partnerSku", value=partner, dscoRetailerId="R-1"
    )
    assert item["sku"] == "SKU-A"
    await get_json(
        client, "/inventory", expect=404, itemKey="partnerSku", value=partner, dscoRetailerId="R-2"
    )
