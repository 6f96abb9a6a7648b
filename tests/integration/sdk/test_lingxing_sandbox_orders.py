"""Lingxing sandbox: order create/list and the order lifecycle driven by the control API."""

from __future__ import annotations

import re
import time

from sdk.lingxing.sandbox.catalog import WMS_SID_OFFSET

from .lingxing_sandbox_kit import (
    CREATE,
    ORDER_LIST,
    STORE_ID,
    ClientFactory,
    Raw,
    create,
    list_by_po,
    order,
    seed_basics,
    start,
)


async def _ready(aiohttp_client: ClientFactory, **options: object) -> Raw:
    raw = await start(aiohttp_client, **options)
    seed_basics(raw.sandbox)
    return raw


async def test_create_then_list_by_po(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    created = await create(raw, order("PO-1", ("MSKU-1", 2), ("MSKU-X", 1)))
    assert created["code"] == 0
    assert created["message"] == "操作成功"
    assert re.fullmatch(r"[0-9a-f-]{36}\.\d{13}", created["request_id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", created["response_time"])
    [success] = created["data"]["success_details"]
    assert created["data"]["error_details"] == []
    assert success["platform_order_no"] == "PO-1"
    assert re.fullmatch(r"\d{18}", success["global_order_no"])
    listed = await list_by_po(raw, "PO-1")
    assert listed["data"]["total"] == "1"
    [row] = listed["data"]["list"]
    assert row["global_order_no"] == success["global_order_no"]
    assert row["status"] == 4
    assert row["split_type"] == "1"
    assert row["order_from_name"] == "手工订单"
    assert row["platform_info"][0]["platform_order_no"] == "PO-1"
    lines = {i["msku"]: i for i in row["item_info"]}
    assert lines["MSKU-1"]["local_sku"] == "SKU-1"  # resolved through the pairing
    assert lines["MSKU-X"]["local_sku"] == ""  # unpaired
    assert lines["MSKU-1"]["unit_price_amount"] == "10.00"
    assert row["global_delivery_time"] is None


async def test_duplicate_po_rejected_per_store(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    await create(raw, order("PO-1"))
    again = await create(raw, order("PO-1"), order("PO-2"), order("PO-2"))
    assert again["code"] == 0
    assert [e["platform_order_no"] for e in again["data"]["error_details"]] == ["PO-1", "PO-2"]
    assert [s["platform_order_no"] for s in again["data"]["success_details"]] == ["PO-2"]
    assert "already exists" in again["data"]["error_details"][0]["error_message"]


async def test_deleted_order_blocks_reuse_unless_switched_off(
    aiohttp_client: ClientFactory,
) -> None:
    raw = await _ready(aiohttp_client)
    await create(raw, order("PO-1"))
    raw.sandbox.delete_order("PO-1")
    assert (await create(raw, order("PO-1")))["data"]["error_details"]
    raw.sandbox.options.deleted_blocks_duplicates = False
    assert (await create(raw, order("PO-1")))["data"]["success_details"]


async def test_invalid_orders_land_in_error_details(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    no_city = order("PO-1")
    del no_city["city"]
    bad_country = order("PO-2", receiver_country_code="usa")
    wid_alone = order("PO-3", wid="1")
    unknown_wid = order("PO-4", wid="99", logistics_type_id="123")
    no_items = order("PO-5", items=[])
    zero_qty = order("PO-6", items=[{"msku": "MSKU-1", "quantity": 0, "unit_price": "1.00"}])
    good = order("PO-7", wid="1", logistics_type_id="123")
    answer = await create(
        raw, no_city, bad_country, wid_alone, unknown_wid, no_items, zero_qty, good
    )
    errors = {e["platform_order_no"]: e["error_message"] for e in answer["data"]["error_details"]}
    assert sorted(errors) == ["PO-1", "PO-2", "PO-3", "PO-4", "PO-5", "PO-6"]
    assert "city" in errors["PO-1"]
    assert "logistics_type_id" in errors["PO-3"]
    assert "does not exist" in errors["PO-4"]
    assert "Test Buyer" not in str(answer)  # reasons never echo buyer data
    [ok] = answer["data"]["success_details"]
    assert ok["platform_order_no"] == "PO-7"
    [row] = (await list_by_po(raw, "PO-7"))["data"]["list"]
    assert row["wid"] == "1"
    assert row["logistics_info"]["logistics_type_id"] == "123"


async def test_whole_call_errors_use_code_1(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client, max_orders_per_create=2)
    unknown_store = await create(raw, order("PO-1"), store_id="999")
    too_many = await create(raw, order("PO-1"), order("PO-2"), order("PO-3"))
    missing = await raw.call(CREATE, {"platform_code": 10009, "store_id": STORE_ID})
    for answer in (unknown_store, too_many, missing):
        assert answer["code"] == 1
        assert answer["message"] == "参数检验不通过"
        assert answer["data"] is None
        assert answer["error_details"]
    assert raw.sandbox.book.orders == {}


async def test_all_failed_switch(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client, create_fails_when_all_fail=True)
    await create(raw, order("PO-1"))
    answer = await create(raw, order("PO-1"))
    assert answer["code"] == 1
    assert "PO-1" in answer["error_details"][0]


async def test_list_paging_and_total_as_string(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    pos = [f"PO-{n:03d}" for n in range(45)]
    await create(raw, *(order(po) for po in pos))
    seen: list[str] = []
    for offset in (0, 20, 40):
        answer = await raw.call(
            ORDER_LIST, {"offset": offset, "length": 20, "platform_order_nos": pos}
        )
        assert answer["data"]["total"] == "45"
        seen += [r["platform_info"][0]["platform_order_no"] for r in answer["data"]["list"]]
    assert seen == pos


async def test_list_parameter_errors(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    short = await raw.call(ORDER_LIST, {"offset": 0, "length": 10, "platform_order_nos": ["A"]})
    big = await raw.call(ORDER_LIST, {"offset": 0, "length": 600, "platform_order_nos": ["A"]})
    many = [f"P{n}" for n in range(201)]
    too_many = await raw.call(ORDER_LIST, {"offset": 0, "length": 20, "platform_order_nos": many})
    no_filter = await raw.call(ORDER_LIST, {"offset": 0, "length": 20})
    as_string = await raw.call(ORDER_LIST, {"offset": 0, "length": 20, "platform_order_nos": "A"})
    now = int(time.time())
    wide = {"date_type": "update_time", "start_time": now - 40 * 86400, "end_time": now}
    too_wide = await raw.call(ORDER_LIST, {"offset": 0, "length": 20, **wide})
    assert short["code"] == 102
    assert "20" in short["error_details"][0]
    assert as_string["code"] == 102
    assert [big["code"], too_many["code"], no_filter["code"], too_wide["code"]] == [1, 1, 1, 1]


async def test_list_by_time_window_status_and_deleted(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    await create(raw, order("PO-1"), order("PO-2"), order("PO-3"))
    raw.sandbox.review("PO-2")
    raw.sandbox.delete_order("PO-3")
    now = int(time.time())
    window = {"date_type": "update_time", "start_time": now - 3600, "end_time": now + 3600}
    base = {"offset": 0, "length": 20, **window}
    visible = await raw.call(ORDER_LIST, base)
    everything = await raw.call(ORDER_LIST, {**base, "include_delete": True})
    reviewed = await raw.call(ORDER_LIST, {**base, "order_status": 5})
    other_store = await raw.call(ORDER_LIST, {**base, "store_id": ["110000000000000002"]})
    assert visible["data"]["total"] == "2"
    assert everything["data"]["total"] == "3"
    deleted = [r for r in everything["data"]["list"] if r["is_delete"] == 1]
    assert [r["platform_info"][0]["platform_order_no"] for r in deleted] == ["PO-3"]
    assert [r["status"] for r in reviewed["data"]["list"]] == [5]
    assert other_store["data"]["total"] == "0"
    past = {"date_type": "update_time", "start_time": now - 7200, "end_time": now - 3600}
    assert (await raw.call(ORDER_LIST, {"offset": 0, "length": 20, **past}))["data"]["total"] == "0"


async def test_lifecycle_review_label_ship(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    raw.sandbox.add_inventory(1, "SKU-1", 10)
    await create(raw, order("PO-1", ("MSKU-1", 3), wid="1", logistics_type_id="55"))
    [wo] = raw.sandbox.review("PO-1")
    assert (wo.status, wo.sid, wo.wid) == (1, int(STORE_ID) + WMS_SID_OFFSET, 1)
    assert [(ln.sku, ln.seller_sku, ln.count) for ln in wo.lines] == [("SKU-1", "MSKU-1", 3)]
    raw.sandbox.label("PO-1", "1Z999")
    raw.sandbox.ship("PO-1", at="2024-05-01 10:00:00")
    [row] = (await list_by_po(raw, "PO-1"))["data"]["list"]
    assert row["status"] == 6
    assert row["logistics_info"]["tracking_no"] == "1Z999"
    assert row["global_delivery_time"] == 1714528800  # 10:00 in UTC+8 = 02:00 UTC
    assert (wo.status, wo.tracking_no, wo.delivered_at) == (3, "1Z999", "2024-05-01 10:00:00")
    assert raw.sandbox.inventory[0].product_valid_num == 7


async def test_auto_review_switch(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client, auto_review=True)
    await create(raw, order("PO-1"))
    [row] = (await list_by_po(raw, "PO-1"))["data"]["list"]
    assert row["status"] == 5
    assert len(raw.sandbox.book.outbound) == 1


async def test_split_into_sub_orders(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    await create(raw, order("PO-1", ("MSKU-1", 2), ("MSKU-2", 1)))
    raw.sandbox.review("PO-1")
    children = raw.sandbox.split("PO-1", [{"MSKU-1": 1}, {"MSKU-1": 1, "MSKU-2": 1}])
    listed = (await list_by_po(raw, "PO-1"))["data"]
    assert listed["total"] == "2"
    assert {r["split_type"] for r in listed["list"]} == {"3"}
    assert {r["global_order_no"] for r in listed["list"]} == {c.global_order_no for c in children}
    live = [w for w in raw.sandbox.book.outbound.values() if w.status != 4]
    assert sorted(sum(ln.count for ln in w.lines) for w in live) == [1, 2]
    raw.sandbox.ship("PO-1", tracking_no="T-A", global_order_no=children[0].global_order_no)
    statuses = sorted(o.status for o in raw.sandbox.orders_for("PO-1"))
    assert statuses == [5, 6]


async def test_cancel_and_status(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    await create(raw, order("PO-1"), order("PO-2"))
    raw.sandbox.review("PO-1")
    raw.sandbox.cancel("PO-1")
    raw.sandbox.set_status("PO-2", 9)
    rows = (await list_by_po(raw, "PO-1", "PO-2"))["data"]["list"]
    assert [r["status"] for r in rows] == [7, 9]
    assert [w.status for w in raw.sandbox.book.outbound.values()] == [4]


async def test_merge_orders_of_several_pos(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    await create(raw, order("PO-1", ("MSKU-1", 1)), order("PO-2", ("MSKU-2", 3)))
    merged = raw.sandbox.merge(["PO-1", "PO-2"])
    [row] = (await list_by_po(raw, "PO-2"))["data"]["list"]
    assert row["global_order_no"] == merged.global_order_no
    assert row["split_type"] == "2"
    assert [p["platform_order_no"] for p in row["platform_info"]] == ["PO-1", "PO-2"]
    assert [(i["platform_order_no"], i["quantity"]) for i in row["item_info"]] == [
        ("PO-1", 1),
        ("PO-2", 3),
    ]
    [wo] = raw.sandbox.review("PO-1")
    assert wo.platform_order_nos == ["PO-1", "PO-2"]
