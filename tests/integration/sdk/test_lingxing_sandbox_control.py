"""Lingxing sandbox: the ``/__sandbox`` HTTP control API (the demo and benchmarks use it)."""

from __future__ import annotations

from .lingxing_sandbox_kit import (
    INVENTORY,
    STORE_ID,
    STORES,
    WMS_LIST,
    ClientFactory,
    create,
    list_by_po,
    order,
    start,
)


async def test_seed_and_drive_an_order_over_http(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    await raw.control("POST", "/stores", [{"store_id": STORE_ID, "store_name": "S"}])
    await raw.control("POST", "/warehouses", {"wid": 1, "name": "Main"})
    await raw.control("POST", "/pairs", {"store_id": STORE_ID, "msku": "MSKU-1", "sku": "SKU-1"})
    rows = await raw.control(
        "POST", "/inventory", [{"wid": 1, "sku": "SKU-1", "product_valid_num": 5}]
    )
    assert rows[0]["product_valid_num"] == 5
    assert (await create(raw, order("PO-1", ("MSKU-1", 2))))["data"]["success_details"]
    [wo] = await raw.control("POST", "/orders/PO-1/review", {"wid": 1, "logistics_type_id": "9"})
    assert wo["status"] == 1
    await raw.control("POST", "/orders/PO-1/label", {"tracking_no": "1Z1"})
    await raw.control("POST", "/orders/PO-1/ship", {"at": "2024-05-01 10:00:00"})
    [described] = await raw.control("GET", "/orders?po=PO-1")
    assert (described["status"], described["tracking_no"]) == (6, "1Z1")
    [outbound] = await raw.control("GET", "/outbound?po=PO-1")
    assert (outbound["status"], outbound["delivered_at"]) == (3, "2024-05-01 10:00:00")
    stock = await raw.call(INVENTORY, {"wid": "1"})
    assert stock["data"][0]["product_valid_num"] == 3


async def test_split_cancel_delete_status_over_http(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    await raw.control("POST", "/stores", {"store_id": STORE_ID})
    await create(raw, order("PO-1", ("MSKU-1", 2)), order("PO-2"), order("PO-3"))
    children = await raw.control("POST", "/orders/PO-1/split", {})
    assert [c["split_type"] for c in children] == ["3", "3"]
    await raw.control("POST", "/orders/PO-2/cancel")
    await raw.control("POST", "/orders/PO-3/delete")
    await raw.control(
        "POST",
        "/orders/PO-1/status",
        {"status": 8, "global_order_no": children[0]["global_order_no"]},
    )
    listed = (await list_by_po(raw, "PO-1", "PO-2", "PO-3", include_delete=True))["data"]["list"]
    assert sorted(
        (r["platform_info"][0]["platform_order_no"], r["status"], r["is_delete"]) for r in listed
    ) == [
        ("PO-1", 4, 0),
        ("PO-1", 8, 0),
        ("PO-2", 7, 0),
        ("PO-3", 4, 1),
    ]


async def test_outbound_orders_over_http(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    body = {
        "po": "PO-9",
        "sid": 5,
        "wid": 1,
        "tracking_no": "1Z9",
        "delivered_at": "2024-06-01 08:00:00",
        "products": [{"sku": "SKU-1", "count": 2}, {"sku": "SKU-2", "count": 1}],
    }
    created = await raw.control("POST", "/outbound", body)
    assert created["stock_delivered_at"] == "2024-06-01 08:00:00"
    listed = await raw.call(WMS_LIST, {"platform_order_no_arr": ["PO-9"]})
    assert [(p["sku"], p["count"]) for p in listed["data"][0]["product_info"]] == [
        ("SKU-1", 2),
        ("SKU-2", 1),
    ]
    await raw.control("DELETE", f"/outbound/{created['wo_number']}")
    again = await raw.call(WMS_LIST, {"platform_order_no_arr": ["PO-9"]})
    assert again["data"][0]["status"] == 4


async def test_faults_latency_calls_stats_and_reset_over_http(
    aiohttp_client: ClientFactory,
) -> None:
    raw = await start(aiohttp_client)
    await raw.control("POST", "/faults", {"path": STORES, "kind": "rate_limit", "count": 2})
    pending = await raw.control("GET", "/faults")
    assert pending[STORES][0]["remaining"] == 2
    await raw.control("POST", "/latency", {"seconds": 0.0, "path": STORES})
    body = {"offset": 0, "length": 20}
    codes = [str((await raw.call(STORES, body))["code"]) for _ in range(3)]
    assert codes == ["3001008", "3001008", "0"]
    calls = await raw.control("GET", f"/calls?path={STORES}")
    assert [c["outcome"] for c in calls] == codes
    assert calls[0]["summary"] == {"offset": 0, "length": 20}
    stats = await raw.control("GET", "/stats")
    assert stats["token_issued"] == 1
    assert stats["max_in_flight"][STORES] == 1
    await raw.control("POST", "/faults", {"path": STORES, "kind": "http_error", "status": 503})
    await raw.control("DELETE", "/faults")
    assert (await raw.call(STORES, body))["code"] == 0
    await raw.control("POST", "/stats/reset")
    assert (await raw.control("GET", "/stats"))["calls"] == 0
    await raw.control("POST", "/reset")
    assert (await raw.call(STORES, body))["code"] == "2001003"  # tokens are gone too


async def test_options_and_errors_over_http(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    options = await raw.control("POST", "/options", {"auto_review": True})
    assert options["auto_review"] is True
    assert (await raw.control("GET", "/options"))["rotate_on_issue"] is True
    for method, path, body in [
        ("POST", "/options", {"no_such_switch": 1}),
        ("POST", "/orders/PO-X/review", {}),
        ("POST", "/orders/PO-X/fly", {}),
        ("POST", "/faults", {"path": STORES, "kind": "earthquake"}),
        ("POST", "/outbound", {"po": "PO-X", "products": [{"sku": "S", "count": 1}]}),
        ("DELETE", "/outbound/WO1", None),
    ]:
        resp = await raw.client.request(method, "/__sandbox" + path, json=body)
        assert resp.status == 400, (path, await resp.text())
        assert "error" in await resp.json()
    assert (
        raw.sandbox.calls[-1].path == "/api/auth-server/oauth/access-token"
    )  # control not recorded
