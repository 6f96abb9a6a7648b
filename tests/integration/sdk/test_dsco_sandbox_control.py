"""DSCO sandbox: the JSON control API under ``/__sandbox`` and the order generator."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sdk.dsco.sandbox import OrderGenSpec, create_app, generate_orders, system_clock

from .dsco_sandbox_support import (
    WINDOW,
    Client,
    ClientFactory,
    get_json,
    post_json,
    start,
    submit_and_read,
)

NO_AUTH = {"Authorization": ""}


async def _control(
    client: Client, method: str, path: str, body: Any = None, expect: int = 200
) -> Any:
    async with client.request(method, f"/__sandbox{path}", json=body, headers=NO_AUTH) as resp:
        assert resp.status == expect, await resp.text()
        return await resp.json()


async def test_seed_explicit_and_generated_orders(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    order = {
        "poNumber": "R7K4Q2ZP9M3XW8DN5TLA",
        "dscoCreateDate": "2026-02-10T14:22:05+00:00",
        "shipping": {"name": "Maria Lopez", "city": "Boise", "region": "ID", "postal": "83704"},
        "lineItems": [{"lineNumber": 1, "quantity": 2, "sku": "ACM-BED-L-GRY"}],
    }
    seeded = await _control(client, "POST", "/orders", {"orders": [order]})
    assert seeded == {"poNumbers": ["R7K4Q2ZP9M3XW8DN5TLA"]}
    generated = await _control(client, "POST", "/orders", {"generate": {"count": 4, "seed": 9}})
    assert len(generated["poNumbers"]) == 4
    page = await get_json(client, "/order/page", **WINDOW)
    assert len(page["orders"]) == 5
    stored = await _control(client, "GET", "/orders/R7K4Q2ZP9M3XW8DN5TLA")
    assert stored["dscoStatus"] == "created"
    assert stored["dscoSupplierId"] == sandbox.supplier_id
    assert stored["dscoOrderId"].isdigit()
    await _control(client, "GET", "/orders/NOPE", expect=404)
    # Bad seeds are refused as a whole.
    broken = [order | {"poNumber": "OK-1"}, {"poNumber": "BAD", "lineItems": []}]
    await _control(client, "POST", "/orders", {"orders": broken}, expect=400)
    await _control(client, "POST", "/orders", {"orders": [], "generate": {}}, expect=400)
    await _control(client, "POST", "/orders", {"generate": {"count": -1}}, expect=400)
    assert sandbox.order("OK-1") is None


async def test_change_status_items_warehouses_and_state(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1, skus=("SKU-A",), max_quantity=1)[0]
    moved = await _control(client, "PUT", f"/orders/{po}/status", {"dscoStatus": "cancelled"})
    assert (moved["dscoStatus"], moved["dscoLifecycle"]) == ("cancelled", "completed")
    assert moved["lineItems"][0]["cancelledQuantity"] == 1
    await _control(client, "PUT", f"/orders/{po}/status", {"dscoStatus": "lost"}, expect=400)
    await _control(client, "PUT", "/orders/NOPE/status", {"dscoStatus": "shipped"}, expect=404)
    await _control(client, "POST", "/warehouses", {"codes": ["ACME-CA"]})
    item = {
        "sku": "SKU-Z",
        "status": "in-stock",
        "warehouses": [{"code": "ACME-CA", "quantity": 4}],
    }
    assert await _control(client, "POST", "/items", {"items": [item]}) == {"skus": ["SKU-Z"]}
    nameless = {"sku": "SKU-Y", "warehouses": [{"quantity": 1}]}
    await _control(client, "POST", "/items", {"items": [nameless]}, expect=400)
    state = await _control(client, "GET", "/state")
    assert set(state) == {"orders", "packages", "invoices", "inventory", "warehouses", "requests"}
    assert state["warehouses"] == ["ACME-CA", "ACME-NJ"]
    stock = {i["sku"]: i["quantityAvailable"] for i in state["inventory"]}
    assert stock == {"SKU-A": 0, "SKU-Z": 4}
    assert [o["poNumber"] for o in state["orders"]] == [po]


async def test_knobs_faults_calls_and_reset(aiohttp_client: ClientFactory) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    await _control(client, "PUT", "/latency", {"seconds": 0.5, "path": "/order/"})
    assert sandbox.latency.for_path("/order/") == 0.5
    await _control(client, "PUT", "/latency", {"seconds": -1}, expect=400)
    await _control(client, "PUT", "/batch-delay", {"seconds": 3})
    await _control(client, "PUT", "/rate-limits", {"enabled": False})
    assert (sandbox.batch_delay, sandbox.limiter.enabled) == (3, False)
    switches = await _control(client, "PATCH", "/switches", {"ack_repeat_fails": True})
    assert switches["ack_repeat_fails"] is True
    await _control(client, "PATCH", "/switches", {"no_such_switch": 1}, expect=400)
    assert (await _control(client, "GET", "/switches"))["ack_repeat_fails"] is True
    fault = {"path": "/order/acknowledge", "kind": "status", "status": 500, "count": 2}
    created = await _control(client, "POST", "/faults", fault, expect=201)
    listed = await _control(client, "GET", "/faults")
    assert listed[0]["id"] == created["id"]
    assert listed[0]["remaining"] == 2
    await _control(client, "POST", "/faults", {"path": "/x", "kind": "explode"}, expect=400)
    await post_json(client, "/order/acknowledge", [{"id": po, "type": "PO_NUMBER"}], expect=500)
    calls = await _control(client, "GET", "/calls?path=/order/acknowledge")
    assert [(c["method"], c["status"]) for c in calls] == [("POST", 500)]
    assert calls[0]["body"] == [{"id": po, "type": "PO_NUMBER"}]
    assert calls[0]["time"] == "2026-02-11T12:00:00+00:00"
    await _control(client, "DELETE", "/faults")
    await _control(client, "DELETE", "/calls")
    assert sandbox.calls() == []
    now = await _control(client, "POST", "/clock/advance", {"seconds": 90})
    assert now == {"now": "2026-02-11T12:01:30+00:00"}
    assert clock() == sandbox.now()
    await _control(client, "POST", "/reset", {})
    assert sandbox.snapshot()["orders"] == []
    assert (sandbox.batch_delay, sandbox.limiter.enabled) == (0.0, True)
    assert sandbox.switches.ack_repeat_fails is False
    assert sandbox.latency.for_path("/order/") == 0


async def test_control_calls_are_not_recorded_and_need_no_token(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    await _control(client, "GET", "/state")
    await _control(client, "POST", "/orders", {"generate": {"count": 1}})
    assert sandbox.calls() == []


async def test_clock_advance_is_refused_on_the_system_clock(
    aiohttp_client: ClientFactory,
) -> None:
    app: web.Application = create_app(token="t", clock=system_clock)
    client = await aiohttp_client(app)
    async with client.post("/__sandbox/clock/advance", json={"seconds": 1}) as resp:
        assert resp.status == 409


async def test_state_shows_packages_invoices_and_requests(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1, skus=("SKU-A",), max_quantity=1)[0]
    shipment = {
        "poNumber": po,
        "shipments": [
            {
                "trackingNumber": "T-1",
                "shippingServiceLevelCode": "FEHD",
                "lineItems": [{"sku": "SKU-A", "quantity": 1}],
            }
        ],
    }
    await submit_and_read(client, "/order/shipment/batch/small", [shipment], "/order/log")
    invoice = {
        "invoiceId": po,
        "poNumber": po,
        "totalAmount": 1.0,
        "lineItems": [{"sku": "SKU-A", "quantity": 1, "unitPrice": 1.0}],
    }
    await submit_and_read(client, "/invoice/batch/small", [invoice], "/invoice/log")
    state = sandbox.snapshot()
    assert [(p["poNumber"], p["trackingNumber"]) for p in state["packages"]] == [(po, "T-1")]
    assert [i["invoiceId"] for i in state["invoices"]] == [po]
    assert [r["operation"] for r in state["requests"]] == [
        "createShipmentSmallBatch",
        "createInvoiceSmallBatch",
    ]
    assert state["orders"][0]["dscoStatus"] == "shipped"


def test_generator_is_deterministic_and_honours_the_spec() -> None:
    spec = OrderGenSpec(
        count=50,
        min_lines=1,
        max_lines=3,
        max_quantity=4,
        retailer_ids=("R-1", "R-2"),
        warehouse_codes=("W-1", "W-2"),
        missing_price_ratio=0.5,
        seed=42,
    )
    orders = generate_orders(spec)
    assert orders == generate_orders(spec)
    assert orders != generate_orders(spec.model_copy(update={"seed": 43}))
    assert len({o["poNumber"] for o in orders}) == 50
    assert all(len(o["poNumber"]) == 20 and o["poNumber"].isalnum() for o in orders)
    assert {o["dscoRetailerId"] for o in orders} == {"R-1", "R-2"}
    assert {o["requestedWarehouseCode"] for o in orders} == {"W-1", "W-2"}
    assert {len(o["lineItems"]) for o in orders} == {1, 2, 3}
    assert all(1 <= line["quantity"] <= 4 for o in orders for line in o["lineItems"])
    unpriced = [o for o in orders if "consumerPrice" not in o["lineItems"][-1]]
    assert 10 < len(unpriced) < 40
    assert all("consumerPrice" in line for o in unpriced for line in o["lineItems"][:-1])
    created = [o["dscoCreateDate"] for o in orders]
    assert created[:2] == ["2026-02-10T00:00:00+00:00", "2026-02-10T00:01:00+00:00"]
    taken = {o["poNumber"] for o in orders}
    fresh = generate_orders(spec, taken=taken)
    assert not taken & {o["poNumber"] for o in fresh}


def test_generator_realistic_mode_has_the_production_quirks() -> None:
    [order] = generate_orders(OrderGenSpec(realistic=True))
    assert order["orderType"] == "dropship"
    assert order["billTo"] == {}
    assert order["shipping"]["lastName"] == ";"
    assert "partnerSku" not in order["lineItems"][0]
    assert isinstance(order["lineItems"][0]["expectedCost"], int)
