"""Lingxing sandbox: WMS outbound orders, inventory, pairs, stores, warehouses (fact sheet §6)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from sdk.lingxing.sandbox.catalog import WMS_SID_OFFSET

from .lingxing_sandbox_kit import (
    INVENTORY,
    OTHER_STORE_ID,
    PAIRS,
    STORE_ID,
    STORES,
    WAREHOUSES,
    WMS_LIST,
    ClientFactory,
    Raw,
    create,
    order,
    seed_basics,
    start,
)

SID = int(STORE_ID) + WMS_SID_OFFSET  # a store's WMS sid is not its store_id
DAY = 86400


async def _ready(aiohttp_client: ClientFactory) -> Raw:
    raw = await start(aiohttp_client)
    seed_basics(raw.sandbox)
    return raw


async def test_outbound_rows_and_filters(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    await create(raw, order("PO-1", ("MSKU-1", 2)))
    sb = raw.sandbox
    shipped = sb.add_outbound(
        "PO-1",
        products=[{"sku": "SKU-1", "count": 2}],
        tracking_no="1Z1",
        delivered_at=datetime(2024, 5, 1, 2, 0, tzinfo=UTC),
    )
    sb.add_outbound("PO-2", products=[{"sku": "SKU-9", "count": 1}], sid=SID + 1, status=1)
    gone = sb.add_outbound("PO-1", products=[{"sku": "SKU-1", "count": 1}], tracking_no="1Z2")
    sb.delete_outbound(gone.wo_number)
    answer = await raw.call(WMS_LIST, {"platform_order_no_arr": ["PO-1"], "sid_arr": [SID]})
    assert answer["code"] == 0
    assert answer["message"] == "success"
    assert re.fullmatch(r"[0-9A-F-]{36}", answer["request_id"])
    assert answer["total"] == 2
    rows = {r["wo_number"]: r for r in answer["data"]}
    row = rows[shipped.wo_number]
    assert row["platform_order_no"] == ["PO-1"]
    assert row["order_number"] == sb.orders_for("PO-1")[0].global_order_no
    assert (row["status"], row["tracking_no"], row["sid"]) == (3, "1Z1", SID)
    assert row["delivered_at"] == row["stock_delivered_at"] == "2024-05-01 10:00:00"
    assert [(p["sku"], p["count"]) for p in row["product_info"]] == [("SKU-1", 2)]
    assert rows[gone.wo_number]["status"] == 4
    not_deleted = await raw.call(
        WMS_LIST, {"platform_order_no_arr": ["PO-1"], "status_arr": [1, 2, 3]}
    )
    assert [r["wo_number"] for r in not_deleted["data"]] == [shipped.wo_number]
    other_sid = await raw.call(WMS_LIST, {"sid_arr": [SID + 1]})
    assert [r["platform_order_no"] for r in other_sid["data"]] == [["PO-2"]]


async def test_outbound_paging_and_limits(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    for n in range(5):
        raw.sandbox.add_outbound(f"PO-{n}", products=[{"sku": "S", "count": 1}], sid=SID)
    pages = [await raw.call(WMS_LIST, {"page": p, "page_size": 2}) for p in (1, 2, 3)]
    assert [a["total"] for a in pages] == [5, 5, 5]
    assert [len(a["data"]) for a in pages] == [2, 2, 1]
    numbers = [r["wo_number"] for a in pages for r in a["data"]]
    assert len(set(numbers)) == 5
    too_big = await raw.call(WMS_LIST, {"page_size": 201})
    assert too_big["code"] == 102
    assert too_big["data"] is None
    assert too_big["total"] == 0


async def test_default_window_hides_old_outbound_orders(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    old = time.time() - 45 * DAY
    raw.sandbox.add_outbound(
        "PO-OLD", products=[{"sku": "S", "count": 1}], sid=SID, create_at=old, delivered_at=old
    )
    raw.sandbox.add_outbound("PO-NEW", products=[{"sku": "S", "count": 1}], sid=SID)
    default = await raw.call(WMS_LIST, {"platform_order_no_arr": ["PO-OLD", "PO-NEW"]})
    assert [r["platform_order_no"] for r in default["data"]] == [["PO-NEW"]]
    start_day = datetime.fromtimestamp(old - 2 * DAY, UTC).strftime("%Y-%m-%d")
    end_day = datetime.fromtimestamp(time.time() + DAY, UTC).strftime("%Y-%m-%d")
    dated = {"start_date": start_day, "end_date": end_day, "time_type": "delivered_at"}
    answer = await raw.call(WMS_LIST, {"platform_order_no_arr": ["PO-OLD", "PO-NEW"], **dated})
    assert sorted(r["platform_order_no"][0] for r in answer["data"]) == ["PO-NEW", "PO-OLD"]
    bad = await raw.call(WMS_LIST, {"start_date": "2024/01/01", "end_date": "2024-01-02"})
    assert bad["code"] == 102


async def test_inventory_details(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    sb = raw.sandbox
    for n in range(25):
        sb.add_inventory(1, f"SKU-{n:02d}", n)
    sb.add_inventory(1, "SKU-01", 5, seller_id="77", fnsku="X001")  # a second row for one SKU
    sb.add_inventory(2, "SKU-01", 100)
    first = await raw.call(INVENTORY, {"wid": "1", "offset": 0, "length": 20})
    second = await raw.call(INVENTORY, {"wid": "1", "offset": 20, "length": 20})
    assert (first["total"], len(first["data"]), len(second["data"])) == (26, 20, 6)
    rows = first["data"] + second["data"]
    assert sum(r["product_valid_num"] for r in rows if r["sku"] == "SKU-01") == 6
    row = rows[3]
    assert row["product_total"] == row["product_valid_num"] == 3
    assert row["third_inventory"] == []
    both = await raw.call(INVENTORY, {"wid": "1,2", "sku": "SKU-01", "length": 800})
    assert both["total"] == 3
    assert (await raw.call(INVENTORY, {"wid": "1", "length": 801}))["code"] == 102


async def test_pairs_offset_and_cursor(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    sb = raw.sandbox
    for n in range(4):
        sb.add_pair(STORE_ID, f"M-{n}", f"S-{n}")
    sb.add_pair(OTHER_STORE_ID, "M-X", "S-X")
    by_store = await raw.call(PAIRS, {"offset": 0, "length": 3, "store_ids": [STORE_ID]})
    assert by_store["data"]["total"] == "5"
    assert len(by_store["data"]["list"]) == 3
    assert by_store["data"]["list"][0]["platform_code"] == "10009"
    cursor, mskus = 0, []
    while True:
        body = {"use_cursor": True, "cursor_id": cursor, "length": 2, "store_ids": [STORE_ID]}
        data = (await raw.call(PAIRS, body))["data"]
        mskus += [r["msku"] for r in data["list"]]
        if not data["has_next"]:
            break
        cursor = data["next_cursor_id"]
    assert mskus == ["MSKU-1", "M-0", "M-1", "M-2", "M-3"]
    codes = await raw.call(PAIRS, {"offset": 0, "length": 20, "platform_codes": ["10008"]})
    assert [r["msku"] for r in codes["data"]["list"]] == ["M-X"]


async def test_stores_and_warehouses(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    stores = await raw.call(STORES, {"offset": 0, "length": 20})
    assert stores["data"]["total"] == "2"
    first = stores["data"]["list"][0]
    assert (first["store_id"], first["sid"], first["is_sync"]) == (STORE_ID, str(SID), 1)
    synced = await raw.call(STORES, {"offset": 0, "length": 20, "is_sync": 1})
    assert synced["data"]["total"] == "1"
    assert (await raw.call(STORES, {"offset": 0, "length": 201}))["code"] == 1
    local = await raw.call(WAREHOUSES, {})
    overseas = await raw.call(WAREHOUSES, {"type": 3})
    assert [w["wid"] for w in local["data"]] == [1]
    assert local["total"] == 1
    assert [w["wid"] for w in overseas["data"]] == [2]
    raw.sandbox.add_warehouse(3, name="Closed", is_delete=1)
    with_deleted = await raw.call(WAREHOUSES, {"is_delete": "0,1"})
    assert [w["wid"] for w in with_deleted["data"]] == [1, 3]


async def test_logistics_types(aiohttp_client: ClientFactory) -> None:
    raw = await _ready(aiohttp_client)
    raw.sandbox.add_logistics_type("900000000000000001", name="UPS Ground", provider_type=0)
    raw.sandbox.add_logistics_type("900000000000000002", provider_type=1)
    path = "/erp/sc/routing/wms/WmsLogistics/listUsedLogisticsType"
    answer = await raw.call(path, {"param": {"provider_type": 0, "page": 1, "length": 20}})
    assert [r["type_id"] for r in answer["data"]] == ["900000000000000001"]
    assert (await raw.call(path, {"param": {}}))["code"] == 102
