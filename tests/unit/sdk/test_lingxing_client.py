"""LingxingClient endpoints against a small real aiohttp fake (signs and tokens are checked)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from sdk._retry import RetryPolicy
from sdk.lingxing import LingxingAuthenticationError, LingxingClient
from sdk.lingxing.client import BEIJING, wms_date_window
from sdk.lingxing.models import CreateOrder, CreateOrderItem
from sdk.lingxing.signing import InvalidAppIdError
from tests.unit.sdk.lingxing_fake import APP_ID, APP_SECRET, FakeLingxing, mp_order

ORDER_LIST = "/pb/mp/order/v2/list"
WMS = "/erp/sc/routing/wms/order/wmsOrderList"
CREATE = "/pb/mp/order/v2/create"


@pytest.fixture
async def fake_and_client(
    aiohttp_server: Any,
) -> AsyncIterator[tuple[FakeLingxing, LingxingClient]]:
    fake = FakeLingxing(latency=0.02)
    server = await aiohttp_server(fake.app())
    async with aiohttp.ClientSession() as session:
        client = LingxingClient(
            session,
            base_url=str(server.make_url("/")),
            app_id=APP_ID,
            app_secret=APP_SECRET,
            retry=RetryPolicy.instant(),
            clock=fake.clock,
        )
        yield fake, client


def po(n: int) -> str:
    return f"PO-{n:04d}"


async def test_list_orders_chunks_pages_and_dedupes(
    fake_and_client: tuple[FakeLingxing, LingxingClient],
) -> None:
    fake, client = fake_and_client
    fake.orders = [mp_order(po(n), n) for n in range(450)]
    # PO-0001 was split in two; PO-0002 + PO-0300 were merged (two chunks see that order).
    fake.orders.append(mp_order(po(1), 1001, split_type="3"))
    merged = mp_order(po(2), 1002, split_type="2")
    merged["platform_info"].append({"platform_order_no": po(300)})
    fake.orders.append(merged)
    fake.orders.append(mp_order(po(3), 1003, is_delete=1))

    wanted = [po(n) for n in range(450)] + [po(0)]  # a repeated number is asked once
    orders = await client.list_orders(wanted, include_deleted=False, page_size=20)

    numbers = [o.global_order_no for o in orders]
    assert len(numbers) == len(set(numbers)) == 452  # 450 + split child + merged, not deleted
    assert {o.status for o in orders} == {5}
    chunks = {tuple(b["platform_order_nos"]) for b in fake.bodies[ORDER_LIST]}
    assert sorted(len(c) for c in chunks) == [50, 200, 200]
    assert all(b["length"] == 20 and b["include_delete"] is False for b in fake.bodies[ORDER_LIST])
    assert 1 < fake.peak[ORDER_LIST] <= 10  # concurrent, within the documented cap
    assert client.transport.concurrency.peak[ORDER_LIST] == 10
    split = [o for o in orders if po(1) in o.platform_order_nos]
    assert len(split) == 2


async def test_list_orders_can_include_deleted_and_parses_leniently(
    fake_and_client: tuple[FakeLingxing, LingxingClient],
) -> None:
    fake, client = fake_and_client
    fake.orders = [mp_order(po(1), 1, is_delete="1", status=7)]
    [order] = await client.list_orders([po(1)], include_deleted=True)
    assert order.deleted is True
    assert order.status == 7
    assert order.update_time == 1700000000
    assert order.item_info[0].quantity == 2
    assert order.logistics_info is not None
    assert order.logistics_info.logistics_type_name == ""
    assert await client.list_orders([], include_deleted=True) == []


def wms_row(
    n: int, po_no: str, *, status: int = 3, sid: int = 110000000000000001
) -> dict[str, Any]:
    return {
        "wo_id": n,
        "wo_number": f"WO{n:018d}",
        "order_number": f"1033{n:014d}",
        "platform_order_no": [po_no],
        "sid": sid,
        "status": status,
        "tracking_no": f"1Z{n}",
        "delivered_at": "2025-03-01 10:00:00",
        "stock_delivered_at": "",
        "product_info": [{"sku": "SKU-1", "seller_sku": "MSKU-1", "count": "2"}],
    }


async def test_list_wms_orders_pages_filters_and_date_window(
    fake_and_client: tuple[FakeLingxing, LingxingClient],
) -> None:
    fake, client = fake_and_client
    fake.wms = [wms_row(n, po(n)) for n in range(5)]
    fake.wms.append(wms_row(5, po(1), status=4))  # deleted outbound order
    fake.wms.append(wms_row(6, po(2), sid=999))  # other store
    start = datetime(2025, 2, 28, 17, 0, tzinfo=UTC)  # 2025-03-01 01:00 in UTC+8
    rows = await client.list_wms_orders(
        platform_order_nos=[po(n) for n in range(5)],
        sids=[110000000000000001],
        start=start,
        end=datetime(2025, 3, 31, 12, 0, tzinfo=UTC),
        exclude_deleted=True,
        page_size=2,
    )
    assert sorted(r.wo_number for r in rows) == [f"WO{n:018d}" for n in range(5)]
    assert rows[0].platform_order_no == [po(0)]
    assert rows[0].product_info[0].count == 2
    assert rows[0].delivered_at == "2025-03-01 10:00:00"  # kept as received
    body = fake.bodies[WMS][0]
    assert body["status_arr"] == [1, 2, 3]
    assert body["sid_arr"] == [110000000000000001]
    assert (body["time_type"], body["start_date"], body["end_date"]) == (
        "create_at",
        "2025-03-01",
        "2025-04-01",  # a day past the end's (2025-03-31 20:00 in UTC+8)
    )
    assert [b["page"] for b in fake.bodies[WMS]] == [1, 2, 3]
    assert fake.peak[WMS] == 1  # capacity-1 endpoint: strictly serial


@pytest.mark.parametrize(
    ("start", "end", "zone", "dates"),
    [
        # 2025-03-31 17:00 UTC is already 2025-04-01 01:00 in Shanghai: both days move.
        (
            datetime(2025, 3, 1, 15, 59, tzinfo=UTC),
            datetime(2025, 3, 31, 17, 0, tzinfo=UTC),
            ZoneInfo("Asia/Shanghai"),
            ("2025-03-01", "2025-04-02"),
        ),
        (
            datetime(2025, 3, 1, 16, 0, tzinfo=UTC),
            datetime(2025, 3, 31, 17, 0, tzinfo=UTC),
            ZoneInfo("Asia/Shanghai"),
            ("2025-03-02", "2025-04-02"),
        ),
        # The same instants in a zone behind UTC.
        (
            datetime(2025, 3, 1, 15, 59, tzinfo=UTC),
            datetime(2025, 3, 31, 17, 0, tzinfo=UTC),
            ZoneInfo("America/Los_Angeles"),
            ("2025-03-01", "2025-04-01"),
        ),
        # One day: the end still goes a day further; naive datetimes are already local.
        (
            datetime(2025, 6, 30, 23, 59),
            datetime(2025, 6, 30, 23, 59),
            BEIJING,
            ("2025-06-30", "2025-07-01"),
        ),
    ],
)
def test_wms_end_date_is_a_day_past_the_end_in_the_client_zone(
    start: datetime, end: datetime, zone: tzinfo, dates: tuple[str, str]
) -> None:
    assert wms_date_window(start, end, zone) == dates


async def test_wms_window_without_an_end_reaches_past_today(aiohttp_server: Any) -> None:
    fake = FakeLingxing()
    fake.clock.now = datetime(2025, 3, 31, 16, 30, tzinfo=UTC).timestamp()  # 00:30 in UTC+8
    server = await aiohttp_server(fake.app())
    async with aiohttp.ClientSession() as session:
        client = LingxingClient(
            session,
            base_url=str(server.make_url("/")),
            app_id=APP_ID,
            app_secret=APP_SECRET,
            retry=RetryPolicy.instant(),
            clock=fake.clock,
            timezone=ZoneInfo("Asia/Shanghai"),
        )
        await client.list_wms_orders(
            platform_order_nos=[po(1)], sids=[], start=datetime(2025, 3, 20, tzinfo=UTC)
        )
    [body] = fake.bodies[WMS]
    assert (body["start_date"], body["end_date"]) == ("2025-03-20", "2025-04-02")


async def test_list_wms_orders_status_filter_and_no_window(
    fake_and_client: tuple[FakeLingxing, LingxingClient],
) -> None:
    fake, client = fake_and_client
    fake.wms = [wms_row(1, po(1), status=2), wms_row(2, po(1), status=3)]
    rows = await client.list_wms_orders(platform_order_nos=[po(1)], sids=[], status=3)
    assert [r.wo_number for r in rows] == [f"WO{2:018d}"]
    body = fake.bodies[WMS][0]
    assert "start_date" not in body
    assert "sid_arr" not in body
    with pytest.raises(ValueError, match="end without start"):
        await client.list_wms_orders(platform_order_nos=[po(1)], sids=[], end=datetime.now(UTC))


async def test_capacity_one_endpoint_serialises_concurrent_callers(
    fake_and_client: tuple[FakeLingxing, LingxingClient],
) -> None:
    fake, client = fake_and_client
    fake.wms = [wms_row(n, po(n)) for n in range(4)]
    results = await asyncio.gather(
        *(client.list_wms_orders(platform_order_nos=[po(n)], sids=[]) for n in range(4))
    )
    assert [len(r) for r in results] == [1, 1, 1, 1]
    assert fake.peak[WMS] == 1


async def test_iter_inventory_details_yields_every_page(
    fake_and_client: tuple[FakeLingxing, LingxingClient],
) -> None:
    fake, client = fake_and_client
    fake.inventory = [
        {"wid": "7", "sku": f"SKU-{n}", "product_valid_num": str(n), "third_inventory": []}
        for n in range(5)
    ]
    fake.inventory.append({"wid": 8, "sku": "OTHER", "product_valid_num": 1})
    pages = [page async for page in client.iter_inventory_details("7", page_size=2)]
    assert [len(p) for p in pages] == [2, 2, 1]
    rows = [row for page in pages for row in page]
    assert [(r.wid, r.sku, r.product_valid_num) for r in rows] == [
        (7, f"SKU-{n}", n) for n in range(5)
    ]


async def test_pairs_stores_and_warehouses_read_all_pages(
    fake_and_client: tuple[FakeLingxing, LingxingClient],
) -> None:
    fake, client = fake_and_client
    fake.pairs = [
        {
            "store_id": "110000000000000001",
            "msku": f"M{n}",
            "sku": f"S{n}",
            "platform_code": "10009",
        }
        for n in range(45)
    ]
    fake.pairs.append({"store_id": "120000000000000002", "msku": "X", "sku": "Y"})
    fake.stores = [
        {
            "store_id": f"11{n:016d}",
            "sid": "",
            "platform_code": "10009",
            "is_sync": "1",
            "status": 1,
        }
        for n in range(7)
    ]
    fake.warehouses = [{"wid": n, "name": f"W{n}", "type": 1, "is_delete": "0"} for n in range(3)]
    fake.warehouses.append({"wid": 99, "name": "overseas", "type": 3})

    pairs = await client.list_pairs(["110000000000000001"], page_size=10)
    assert len(pairs) == 45
    assert pairs[0].platform_code == 10009
    stores = await client.list_stores(page_size=3)
    assert [s.store_id for s in stores] == [f"11{n:016d}" for n in range(7)]
    assert stores[0].is_sync == 1
    warehouses = await client.list_warehouses(page_size=2)
    assert [w.wid for w in warehouses] == [0, 1, 2]
    assert await client.list_pairs([]) == []


async def test_create_orders_sends_the_strict_body_and_types_the_outcome(
    fake_and_client: tuple[FakeLingxing, LingxingClient],
) -> None:
    fake, client = fake_and_client
    order = CreateOrder(
        platform_order_no="PO-1",
        receiver_country_code="US",
        receiver_name="Jane Doe",
        city="Austin",
        address_line1="1 Main St",
        amount_currency="USD",
        items=[CreateOrderItem(msku="MSKU-1", quantity=2, unit_price=Decimal("9.5"))],
    )
    result = await client.create_orders(10009, "110000000000000001", [order])
    assert result.created() == {"PO-1": "100000000000000001"}
    assert result.failed() == {}
    [body] = fake.bodies[CREATE]
    assert body["orders"][0]["items"] == [{"msku": "MSKU-1", "quantity": 2, "unit_price": "9.50"}]
    assert body["platform_code"] == 10009


async def test_wrong_secret_is_an_authentication_error(aiohttp_server: Any) -> None:
    fake = FakeLingxing()
    server = await aiohttp_server(fake.app())
    async with aiohttp.ClientSession() as session:
        client = LingxingClient(
            session,
            base_url=str(server.make_url("/")),
            app_id=APP_ID,
            app_secret="wrong+secret/==",
            retry=RetryPolicy.instant(),
            clock=fake.clock,
        )
        with pytest.raises(LingxingAuthenticationError) as info:
            await client.list_stores()
    assert info.value.code == "2001002"
    assert info.value.path == "/api/auth-server/oauth/access-token"
    assert "wrong+secret" not in str(info.value)


async def test_bad_app_id_fails_at_construction() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(InvalidAppIdError):
            LingxingClient(session, base_url="http://x", app_id="ak_short", app_secret="s")
