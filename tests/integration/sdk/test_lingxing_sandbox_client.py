"""Round trips of every ``LingxingClient`` method against the sandbox as a real HTTP server,
plus the concurrency and token behaviour the two must show together."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sdk._retry import RetryPolicy
from sdk.lingxing.client import LingxingClient
from sdk.lingxing.errors import (
    LingxingAuthenticationError,
    LingxingRateLimitError,
    LingxingTimeoutError,
)
from sdk.lingxing.models import CreateOrder
from sdk.lingxing.sandbox import SANDBOX_KEY, LingxingSandbox
from sdk.lingxing.sandbox.catalog import WMS_SID_OFFSET

from .lingxing_sandbox_kit import (
    APP_ID,
    APP_SECRET,
    CREATE,
    INVENTORY,
    ORDER_LIST,
    OTHER_STORE_ID,
    STORE_ID,
    STORES,
    WAREHOUSES,
    WMS_LIST,
    make_app,
    order,
    seed_basics,
)

SID = int(STORE_ID) + WMS_SID_OFFSET  # a store's WMS sid is not its store_id


@dataclass
class Setup:
    sandbox: LingxingSandbox
    client: LingxingClient
    server: TestServer
    session: aiohttp.ClientSession

    def client_with(self, **kwargs: Any) -> LingxingClient:
        """Another client on the same sandbox (its own token manager)."""
        base = {"app_id": APP_ID, "app_secret": APP_SECRET, "retry": RetryPolicy.instant()}
        return LingxingClient(self.session, base_url=_base(self.server), **{**base, **kwargs})


def _base(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def lx() -> AsyncIterator[Setup]:
    server = TestServer(make_app())
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            client = LingxingClient(
                session,
                base_url=_base(server),
                app_id=APP_ID,
                app_secret=APP_SECRET,
                retry=RetryPolicy.instant(),
            )
            sandbox = server.app[SANDBOX_KEY]
            seed_basics(sandbox)
            yield Setup(sandbox, client, server, session)
    finally:
        await server.close()


def _orders(*pos: str, **extra: Any) -> list[CreateOrder]:
    return [CreateOrder.model_validate(order(po, **extra)) for po in pos]


async def test_create_orders_round_trip(lx: Setup) -> None:
    first = await lx.client.create_orders(10009, STORE_ID, _orders("PO-1", "PO-2"))
    assert [s.platform_order_no for s in first.success_details] == ["PO-1", "PO-2"]
    assert first.error_details == []
    again = await lx.client.create_orders(10009, STORE_ID, _orders("PO-2", "PO-3"))
    assert [e.platform_order_no for e in again.error_details] == ["PO-2"]
    assert [s.platform_order_no for s in again.success_details] == ["PO-3"]
    stored = lx.sandbox.orders_for("PO-1")[0]
    assert first.success_details[0].global_order_no == stored.global_order_no


async def test_list_orders_round_trip_with_chunks_pages_and_sub_orders(lx: Setup) -> None:
    pos = [f"PO-{n:03d}" for n in range(230)]
    for start in range(0, len(pos), 50):
        await lx.client.create_orders(10009, STORE_ID, _orders(*pos[start : start + 50]))
    lx.sandbox.review("PO-001")
    await lx.client.create_orders(10009, STORE_ID, _orders("PO-SPLIT", items=_two_units()))
    lx.sandbox.split("PO-SPLIT")
    lx.sandbox.delete_order("PO-002")
    rows = await lx.client.list_orders([*pos, "PO-SPLIT"], include_deleted=False, page_size=20)
    assert len(rows) == 229 + 2
    by_po: dict[str, list[int]] = {}
    for row in rows:
        for info in row.platform_info:
            by_po.setdefault(info.platform_order_no, []).append(row.status)
    assert by_po["PO-001"] == [5]
    assert len(by_po["PO-SPLIT"]) == 2
    assert "PO-002" not in by_po
    with_deleted = await lx.client.list_orders(["PO-002"], include_deleted=True)
    assert [r.global_order_no for r in with_deleted] == [
        lx.sandbox.orders_for("PO-002")[0].global_order_no
    ]
    calls = lx.sandbox.call_log(ORDER_LIST)
    assert len(calls) >= 12  # two chunks (<= 200 numbers), pages of 20
    assert all(c.summary["platform_order_nos"]["count"] <= 200 for c in calls)


def _two_units() -> list[dict[str, Any]]:
    return [{"msku": "MSKU-1", "quantity": 2, "unit_price": "10.00"}]


async def test_list_wms_orders_round_trip(lx: Setup) -> None:
    await lx.client.create_orders(10009, STORE_ID, _orders("PO-1", "PO-2"))
    lx.sandbox.review("PO-1", wid=1, logistics_type_id="77")
    lx.sandbox.ship("PO-1", tracking_no="1Z1", at=datetime(2024, 5, 1, 2, 0, tzinfo=UTC))
    lx.sandbox.review("PO-2")
    lx.sandbox.cancel("PO-2")  # its outbound order becomes deleted (status 4)
    old = time.time() - 50 * 86400
    lx.sandbox.add_outbound("PO-3", products=[{"sku": "S", "count": 1}], sid=SID, create_at=old)
    pos = ["PO-1", "PO-2", "PO-3"]
    everything = await lx.client.list_wms_orders(platform_order_nos=pos, sids=[SID])
    assert sorted(w.platform_order_no[0] for w in everything) == ["PO-1", "PO-2"]
    live = await lx.client.list_wms_orders(platform_order_nos=pos, sids=[SID], exclude_deleted=True)
    [shipped] = live
    assert (shipped.tracking_no, shipped.delivered_at) == ("1Z1", "2024-05-01 10:00:00")
    assert [(p.sku, p.count) for p in shipped.product_info] == [("SKU-1", 1)]
    since = datetime.fromtimestamp(old - 86400, UTC)
    wide = await lx.client.list_wms_orders(platform_order_nos=pos, sids=[SID], start=since)
    assert sorted(w.platform_order_no[0] for w in wide) == pos
    other = await lx.client.list_wms_orders(platform_order_nos=pos, sids=[SID + 1])
    assert other == []


async def test_wms_paging_through_the_client(lx: Setup) -> None:
    for n in range(7):
        lx.sandbox.add_outbound(f"PO-{n}", products=[{"sku": "S", "count": 1}], sid=SID)
    rows = await lx.client.list_wms_orders(
        platform_order_nos=[f"PO-{n}" for n in range(7)], sids=[SID], page_size=3
    )
    assert len({w.wo_number for w in rows}) == 7
    assert len(lx.sandbox.call_log(WMS_LIST)) == 3


async def test_inventory_details_round_trip(lx: Setup) -> None:
    for n in range(5):
        lx.sandbox.add_inventory(1, f"SKU-{n}", 10 + n)
    lx.sandbox.add_inventory(1, "SKU-0", 4, seller_id="9")
    lx.sandbox.add_inventory(2, "SKU-0", 99)
    pages = [page async for page in lx.client.iter_inventory_details("1", page_size=2)]
    assert [len(p) for p in pages] == [2, 2, 2]
    rows = [r for p in pages for r in p]
    assert sum(r.product_valid_num for r in rows if r.sku == "SKU-0") == 14


async def test_pairs_stores_warehouses_round_trip(lx: Setup) -> None:
    for n in range(5):
        lx.sandbox.add_pair(STORE_ID, f"M-{n}", f"S-{n}")
    lx.sandbox.add_pair(OTHER_STORE_ID, "M-X", "S-X")
    pairs = await lx.client.list_pairs([STORE_ID], page_size=2)
    assert sorted(p.msku for p in pairs) == ["M-0", "M-1", "M-2", "M-3", "M-4", "MSKU-1"]
    stores = await lx.client.list_stores()
    assert {s.store_id for s in stores} == {STORE_ID, OTHER_STORE_ID}
    lx.sandbox.add_warehouse(3, name="Closed", is_delete=1)
    local = await lx.client.list_warehouses()
    assert [w.wid for w in local] == [1]
    everything = await lx.client.list_warehouses(include_deleted=True)
    assert sorted(w.wid for w in everything) == [1, 3]
    overseas = await lx.client.list_warehouses(warehouse_type=3)
    assert [w.wid for w in overseas] == [2]


async def test_fifty_concurrent_calls_to_a_cap_1_endpoint(lx: Setup) -> None:
    lx.sandbox.set_latency(0.01, WAREHOUSES)
    results = await asyncio.gather(*(lx.client.list_warehouses() for _ in range(50)))
    assert all([w.wid for w in r] == [1] for r in results)
    stats = lx.sandbox.stats()
    assert stats["max_in_flight"][WAREHOUSES] == 1
    assert stats["rejected"].get(WAREHOUSES, 0) == 0
    assert len(lx.sandbox.call_log(WAREHOUSES)) == 50


async def test_cap_1_calls_survive_an_injected_3001008_storm(lx: Setup) -> None:
    client = lx.client_with(retry=RetryPolicy.instant(max_attempts=40))
    lx.sandbox.add_inventory(1, "SKU-1", 3)
    lx.sandbox.inject(INVENTORY, "rate_limit", count=30)
    lx.sandbox.set_latency(0.005, INVENTORY)

    async def read() -> int:
        pages = [page async for page in client.iter_inventory_details("1")]
        return sum(r.product_valid_num for page in pages for r in page)

    totals = await asyncio.gather(*(read() for _ in range(50)))
    assert totals == [3] * 50
    outcomes = [c.outcome for c in lx.sandbox.call_log(INVENTORY)]
    assert outcomes.count("3001008") == 30
    assert outcomes.count("0") == 50
    assert lx.sandbox.stats()["max_in_flight"][INVENTORY] == 1


async def test_cap_collisions_with_another_process_cause_real_3001008_storms(lx: Setup) -> None:
    # Another process uses most of the order-list budget: the sandbox allows 2 in flight while
    # this client believes 10 are allowed, so real collisions (not injected ones) happen.
    lx.sandbox.options.capacity_overrides[ORDER_LIST] = 2
    lx.sandbox.set_latency(0.02, ORDER_LIST)
    retry = RetryPolicy(base_backoff=0.01, max_backoff=0.05, max_attempts=100, max_total_seconds=60)
    client = lx.client_with(retry=retry)
    await client.create_orders(10009, STORE_ID, _orders("PO-1"))
    results = await asyncio.gather(
        *(client.list_orders(["PO-1"], include_deleted=True) for _ in range(30))
    )
    assert all(len(r) == 1 for r in results)
    stats = lx.sandbox.stats()
    assert stats["rejected"][ORDER_LIST] > 0
    assert stats["max_in_flight"][ORDER_LIST] == 2


async def test_token_expiry_during_200_concurrent_calls_renews_once(lx: Setup) -> None:
    await lx.client.list_stores()  # token in hand
    lx.sandbox.reset_stats()
    lx.sandbox.set_latency(0.02, STORES)
    calls = asyncio.gather(*(lx.client.list_stores() for _ in range(200)))
    await asyncio.sleep(0.1)
    lx.sandbox.expire_tokens()
    results = await calls
    assert all(len(r) == 2 for r in results)
    stats = lx.sandbox.stats()
    assert stats["token_grants"] == 1
    outcomes = [c.outcome for c in lx.sandbox.call_log(STORES)]
    assert "2001003" in outcomes  # the expiry really hit calls in the middle
    assert outcomes.count("0") == 200


async def test_revoked_token_renews_once(lx: Setup) -> None:
    await lx.client.list_stores()
    lx.sandbox.reset_stats()
    lx.sandbox.revoke_tokens()
    results = await asyncio.gather(*(lx.client.list_stores() for _ in range(20)))
    assert all(len(r) == 2 for r in results)
    assert lx.sandbox.stats()["token_grants"] == 1
    assert [c.outcome for c in lx.sandbox.call_log(STORES)].count("2001005") >= 1


async def test_a_second_client_minting_rotates_the_first_clients_token(lx: Setup) -> None:
    other = lx.client_with()
    await lx.client.list_stores()
    await other.list_stores()  # mints: the first client's token is now revoked (2001005)
    assert len(await lx.client.list_stores()) == 2
    outcomes = [c.outcome for c in lx.sandbox.call_log(STORES)]
    assert outcomes == ["0", "0", "2001005", "0"]


async def test_an_expired_sign_is_sent_once_more_freshly_signed(lx: Setup) -> None:
    lx.sandbox.inject(STORES, "sign_expired")
    assert len(await lx.client.list_stores()) == 2
    assert [c.outcome for c in lx.sandbox.call_log(STORES)] == ["2001007", "0"]
    assert lx.client.stats.retries[("lingxing", STORES, "stale")] == 1
    # The gateway refused it unprocessed, so even a create goes once more, and only once.
    lx.sandbox.inject(CREATE, "sign_expired")
    created = await lx.client.create_orders(10009, STORE_ID, _orders("PO-STALE"))
    assert [s.platform_order_no for s in created.success_details] == ["PO-STALE"]
    assert [c.outcome for c in lx.sandbox.call_log(CREATE)] == ["2001007", "0"]
    assert len(lx.sandbox.orders_for("PO-STALE")) == 1


async def test_a_clock_too_far_behind_gets_one_fresh_sign_then_the_error(lx: Setup) -> None:
    # Ten minutes behind: the sandbox's own gateway check finds every sign expired. One fresh
    # attempt is worth making (a stalled request looks the same); a second cannot help.
    behind = lx.client_with(clock=lambda: time.time() - 600)
    with pytest.raises(LingxingAuthenticationError) as info:
        await behind.list_stores()
    assert info.value.code == "2001007"
    assert [c.outcome for c in lx.sandbox.call_log(STORES)] == ["2001007", "2001007"]


async def test_client_errors_carry_the_fact_sheet_codes(lx: Setup) -> None:
    wrong_secret = lx.client_with(app_secret="AAAAAAAAAAAAAAAAAAAAAA==")
    with pytest.raises(LingxingAuthenticationError) as secret_err:
        await wrong_secret.list_stores()
    assert secret_err.value.code == "2001002"
    skewed = lx.client_with(clock=lambda: time.time() - 600)
    with pytest.raises(LingxingAuthenticationError) as skew_err:
        await skewed.list_stores()
    assert skew_err.value.code == "2001007"
    lx.sandbox.inject(STORES, "rate_limit", count=10)
    with pytest.raises(LingxingRateLimitError):
        await lx.client_with(retry=RetryPolicy.instant(max_attempts=2)).list_stores()


async def test_hanging_create_is_ambiguous_and_the_order_exists(lx: Setup) -> None:
    client = lx.client_with(timeout=aiohttp.ClientTimeout(total=0.3))
    await client.list_stores()
    lx.sandbox.inject("/pb/mp/order/v2/create", "hang", seconds=0.6)
    with pytest.raises(LingxingTimeoutError) as err:
        await client.create_orders(10009, STORE_ID, _orders("PO-1"))
    assert err.value.ambiguous
    for _ in range(40):
        if lx.sandbox.orders_for("PO-1"):
            break
        await asyncio.sleep(0.05)
    assert [
        r.platform_info[0].platform_order_no
        for r in await client.list_orders(["PO-1"], include_deleted=True)
    ] == ["PO-1"]
