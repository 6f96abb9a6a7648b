"""``/admin/api/orders…``: list filters, paging, one order, status edit, run, pull, check."""

from __future__ import annotations

from typing import Any

from tests.integration.admin.conftest import MAX_RANGE_DAYS, Admin
from tests.integration.admin.orders_support import BASE_TIME, insert_order
from tests.integration.pipeline.pushack_support import setup
from tests.integration.vendors import captured_logs

ORDERS = "/admin/api/orders"


async def _seed(admin: Admin) -> None:
    pool = admin.vendors.pool
    await insert_order(
        pool,
        "PO-ALPHA-1",
        created=BASE_TIME + 10,
        status=1,
        dsco_status="created",
        dsco_retailer_id="R1",
        mskus=["SKU-A(1)", "SKU-B(2)"],
        warehouse_id="NJ",
        shipment="FEHD",
    )
    await insert_order(
        pool,
        "PO-BETA-2",
        created=BASE_TIME + 20,
        status=3,
        dsco_status="shipment_pending",
        dsco_retailer_id="R2",
        mskus=["SKU-A(3)"],
        warehouse_id="CA",
        shipment="GRND",
        shipped_tracking_no="1ZTRACK99,1ZOTHER",
    )
    await insert_order(
        pool,
        "po-alpha-3",
        created=BASE_TIME + 30,
        status=5,
        dsco_status="shipped",
        dsco_retailer_id="R1",
        mskus=["SKU-AB(1)"],
        warehouse_id="NJ",
        shipment="FEHD",
        shipped_tracking_no="1ZTRACK11",
        dsco_invoice_id="INV_77%",
    )


async def _pos(admin: Admin, **params: Any) -> list[str]:
    body = await admin.ok(await admin.get(ORDERS, **params))
    assert body["total"] == len(body["orders"])  # every case here fits on one page
    return [o["po_number"] for o in body["orders"]]


async def test_each_filter(admin: Admin) -> None:
    await _seed(admin)
    assert await _pos(admin) == ["po-alpha-3", "PO-BETA-2", "PO-ALPHA-1"]  # newest first
    assert await _pos(admin, po_number="alpha") == ["po-alpha-3", "PO-ALPHA-1"]
    assert await _pos(admin, status="1,3") == ["PO-BETA-2", "PO-ALPHA-1"]
    assert await _pos(admin, status="5") == ["po-alpha-3"]
    assert await _pos(admin, dsco_status="shipment_pending") == ["PO-BETA-2"]
    assert await _pos(admin, dsco_retailer_id="R1") == ["po-alpha-3", "PO-ALPHA-1"]
    assert await _pos(admin, msku="SKU-A") == ["PO-BETA-2", "PO-ALPHA-1"]  # not SKU-AB
    assert await _pos(admin, msku="SKU-A(3)") == ["PO-BETA-2"]
    assert await _pos(admin, msku="SKU-A(2)") == []
    assert await _pos(admin, warehouse_id="NJ") == ["po-alpha-3", "PO-ALPHA-1"]
    assert await _pos(admin, shipment="GRND") == ["PO-BETA-2"]
    assert await _pos(admin, tracking="track") == ["po-alpha-3", "PO-BETA-2"]
    assert await _pos(admin, tracking="TRACK99") == ["PO-BETA-2"]
    assert await _pos(admin, invoice_id="77%") == ["po-alpha-3"]
    assert await _pos(admin, invoice_id="_") == ["po-alpha-3"]  # literal, not a wildcard
    assert await _pos(admin, start=BASE_TIME + 20) == ["po-alpha-3", "PO-BETA-2"]
    assert await _pos(admin, end=BASE_TIME + 20) == ["PO-ALPHA-1"]
    assert await _pos(admin, start=BASE_TIME + 10, end=BASE_TIME + 30) == [
        "PO-BETA-2",
        "PO-ALPHA-1",
    ]
    assert await _pos(admin, warehouse_id="NJ", status="1") == ["PO-ALPHA-1"]


async def test_bad_filters_name_the_field(admin: Admin) -> None:
    for params, field in (
        ({"status": "1,9"}, "status"),
        ({"status": "x"}, "status"),
        ({"start": "yesterday"}, "start"),
        ({"start": 10, "end": 5}, "end"),
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
    ):
        resp = await admin.get(ORDERS, **params)
        assert resp.status == 400, params
        assert (await resp.json())["error"]["field"] == field


async def test_paging_and_total(admin: Admin) -> None:
    for i in range(7):
        await insert_order(admin.vendors.pool, f"PO-{i:02d}", created=BASE_TIME + i)
    body = await admin.ok(await admin.get(ORDERS, offset=2, limit=3))
    assert body["total"] == 7
    assert (body["offset"], body["limit"]) == (2, 3)
    assert [o["po_number"] for o in body["orders"]] == ["PO-04", "PO-03", "PO-02"]
    assert "payload" not in body["orders"][0]
    body = await admin.ok(await admin.get(ORDERS, offset=6, limit=500))
    assert [o["po_number"] for o in body["orders"]] == ["PO-00"]


async def test_one_order_with_payload(admin: Admin) -> None:
    await insert_order(admin.vendors.pool, "PO-X", payload={"poNumber": "PO-X", "lines": [1]})
    body = await admin.ok(await admin.get(f"{ORDERS}/PO-X"))
    assert body["payload"] == {"poNumber": "PO-X", "lines": [1]}
    assert body["status"] == 1
    resp = await admin.get(f"{ORDERS}/PO-NONE")
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"


async def test_status_edit_moves_backwards_and_logs_old_to_new(admin: Admin) -> None:
    await insert_order(admin.vendors.pool, "PO-S", status=4)
    with captured_logs() as lines:
        body = await admin.ok(
            await admin.put(f"{ORDERS}/PO-S/status", {"status": 2, "reason": "re-ack by hand"})
        )
    assert body == {"po_number": "PO-S", "old_status": 4, "status": 2}
    assert (await admin.ok(await admin.get(f"{ORDERS}/PO-S")))["status"] == 2
    assert any(
        line.startswith("PO-S ") and "4 -> 2" in line and "re-ack by hand" in line for line in lines
    )
    for bad in (0, 7, "2", None):
        resp = await admin.put(f"{ORDERS}/PO-S/status", {"status": bad, "reason": "x"})
        assert resp.status == 400
        assert (await resp.json())["error"]["field"] == "status"
    for reason in (None, "", "   ", "x" * 501):
        resp = await admin.put(f"{ORDERS}/PO-S/status", {"status": 1, "reason": reason})
        assert resp.status == 400
        assert (await resp.json())["error"]["field"] == "reason"
    resp = await admin.put(f"{ORDERS}/PO-S/status", {"status": 1})
    assert (await resp.json())["error"]["field"] == "reason"
    resp = await admin.put(f"{ORDERS}/PO-NONE/status", {"status": 1, "reason": "x"})
    assert resp.status == 404


async def test_order_run_pushes_a_status_1_order_to_lingxing(admin: Admin, db_dsn: str) -> None:
    p = await setup(admin.vendors, db_dsn)
    po, other = await p.seed(2)
    body = await admin.ok(await admin.post(f"{ORDERS}/{po}/run"))
    assert body["job"] == "push_to_lingxing"
    assert (body["status_before"], body["status_after"]) == (1, 2)
    assert body["result"]["status"] == "ok"
    assert body["result"]["po_number"] == po
    assert body["result"]["counters"]["advanced"] == 1
    assert len(p.lx_orders(po)) == 1
    assert p.lx_orders(other) == []  # this PO only
    assert await p.status(other) == 1


async def test_order_run_for_a_final_status_is_400(admin: Admin) -> None:
    await insert_order(admin.vendors.pool, "PO-DONE", status=5)
    resp = await admin.post(f"{ORDERS}/PO-DONE/run")
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "no_job"
    assert (await admin.post(f"{ORDERS}/PO-NONE/run")).status == 404


async def test_manual_pull_through_the_runner(admin: Admin) -> None:
    pos = admin.vendors.dsco.generate_orders(count=3)
    start = BASE_TIME + 40 * 86400  # the sandbox's default orders start 2026-02-10
    body = await admin.ok(
        await admin.post(f"{ORDERS}/pull", {"start": start, "end": start + 20 * 86400})
    )
    assert body["job"] == "pull_dsco_orders"
    assert body["status"] == "ok", body
    listed = await _pos(admin)
    assert sorted(listed) == sorted(pos)


async def test_manual_pull_range_is_checked(admin: Admin) -> None:
    too_long = {"start": BASE_TIME, "end": BASE_TIME + (MAX_RANGE_DAYS + 1) * 86400}
    for body, field in (
        (too_long, "end"),
        ({"start": BASE_TIME}, "end"),
        ({"start": BASE_TIME, "end": BASE_TIME}, "end"),
        ({"start": "2026-01-01", "end": BASE_TIME}, "start"),
    ):
        resp = await admin.post(f"{ORDERS}/pull", body)
        assert resp.status == 400, body
        assert (await resp.json())["error"]["field"] == field
    assert admin.vendors.runner.last_results == {}


async def test_check_one_po_returns_the_report(admin: Admin, db_dsn: str) -> None:
    p = await setup(admin.vendors, db_dsn)
    (po,) = await p.seed(1)
    body = await admin.ok(await admin.post(f"{ORDERS}/check", {"po_number": po}))
    assert body["job"] == "check_orders"
    assert body["status"] == "ok", body
    assert body["report"]["po_number"] == po
    assert body["counters"]["ok"] == 1
    resp = await admin.post(f"{ORDERS}/check", {"start": BASE_TIME})
    assert resp.status == 400
