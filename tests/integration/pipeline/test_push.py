"""``push_to_lingxing`` against both sandboxes, through the real runner (D5, D6)."""

from __future__ import annotations

import asyncio

import aiohttp

from jobs.context import Clients
from sdk._retry import RetryPolicy
from sdk.lingxing.client import LingxingClient
from sdk.lingxing.models import CreateOrder
from tests.integration.pipeline.pushack_support import (
    CREATE_PATH,
    STORE,
    WID,
    reason_of,
    setup,
)
from tests.integration.vendors import LX_APP_ID, LX_APP_SECRET, Vendors, captured_logs, job_env


async def test_push_creates_orders_and_advances(vendors: Vendors, db_dsn: str) -> None:
    p = await setup(vendors, db_dsn)
    pos = await p.seed(3, max_lines=2, max_quantity=3)
    result = await p.run("push_to_lingxing")
    assert await p.statuses(pos) == [2, 2, 2]
    assert result.counters == {"total": 3, "ok": 3, "skip": 0, "fail": 0, "advanced": 3}
    for po in pos:
        (order,) = p.lx_orders(po)
        assert order.store_id == STORE
        assert order.wid == str(WID)
        assert order.logistics_type_id == "900"
    # Nothing left to do: a second run selects nothing and creates nothing.
    again = await p.run("push_to_lingxing")
    assert again.counters["total"] == 0
    assert p.lx_calls(CREATE_PATH) == 1  # up to 50 orders a call by default


async def test_existing_po_including_deleted_is_not_recreated(
    vendors: Vendors, db_dsn: str
) -> None:
    p = await setup(vendors, db_dsn)
    live, deleted, fresh = await p.seed(3)
    lx = vendors.clients.lingxing
    assert lx is not None
    pre = [
        CreateOrder.model_validate(
            {
                "platform_order_no": po,
                "receiver_country_code": "US",
                "receiver_name": "Someone",
                "city": "Boise",
                "address_line1": "1 Main St",
                "items": [{"msku": "X", "quantity": 1, "unit_price": "1"}],
            }
        )
        for po in (live, deleted)
    ]
    await lx.create_orders(10008, STORE, pre)
    vendors.lingxing.delete_order(deleted)
    vendors.lingxing.reset_stats()
    with captured_logs() as lines:
        await p.run("push_to_lingxing")
    assert await p.statuses([live, deleted, fresh]) == [2, 2, 2]
    assert len(p.lx_orders(live)) == 1
    assert len(p.lx_orders(deleted)) == 1
    assert reason_of(lines, live) == ["already_in_lingxing"]
    assert reason_of(lines, deleted) == ["already_in_lingxing"]
    assert any(deleted in line and "only as a deleted order" in line for line in lines)
    # Exactly one create call, for the fresh order only.
    (create,) = vendors.lingxing.call_log(CREATE_PATH)
    assert fresh in str(create.summary)
    assert live not in str(create.summary)


async def test_create_timeout_after_processing_makes_no_duplicate(
    vendors: Vendors, db_dsn: str
) -> None:
    base_url = vendors.clients.lingxing.transport.base_url  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        impatient = LingxingClient(
            http,
            base_url=base_url,
            app_id=LX_APP_ID,
            app_secret=LX_APP_SECRET,
            retry=RetryPolicy.instant(),
            timeout=aiohttp.ClientTimeout(total=0.3),
        )
        p = await setup(vendors, db_dsn, clients=Clients(vendors.clients.dsco, impatient))
        (po,) = await p.seed(1)
        # The sandbox holds the create call past the client's timeout, then processes it.
        vendors.lingxing.inject(CREATE_PATH, "timeout", seconds=0.8)
        with captured_logs() as lines:
            first = await p.run("push_to_lingxing")
        assert first.counters["advanced"] == 0
        assert await p.status(po) == 1
        assert reason_of(lines, po) == ["create_outcome_unknown"]
        for _ in range(100):  # wait for the sandbox to finish the held call
            if p.lx_orders(po):
                break
            await asyncio.sleep(0.05)
        assert len(p.lx_orders(po)) == 1
        second = await p.run("push_to_lingxing")
    assert second.counters["advanced"] == 1
    assert await p.status(po) == 2
    assert len(p.lx_orders(po)) == 1
    assert p.lx_calls(CREATE_PATH) == 1  # the second run found it and never re-sent it


async def test_unknown_outcome_is_rechecked_and_confirmed(vendors: Vendors, db_dsn: str) -> None:
    p = await setup(vendors, db_dsn)
    (po,) = await p.seed(1)
    # A 5xx answer although nothing was created: the re-check must not count it as created.
    vendors.lingxing.inject(CREATE_PATH, "http_error", status=502)
    with captured_logs() as lines:
        await p.run("push_to_lingxing")
    assert await p.status(po) == 1
    assert p.lx_orders(po) == []
    assert reason_of(lines, po) == ["create_outcome_unknown"]
    await p.run("push_to_lingxing")
    assert await p.status(po) == 2
    assert len(p.lx_orders(po)) == 1


async def test_missing_mappings_skip_with_reason(vendors: Vendors, db_dsn: str) -> None:
    p = await setup(vendors, db_dsn)
    (no_shop,) = await p.seed(1, retailer_ids=["R-UNMAPPED"], seed=2)
    (no_ship,) = await p.seed(1, service_levels=["USFC"], seed=3)
    with captured_logs() as lines:
        result = await p.run("push_to_lingxing")
    assert await p.statuses([no_shop, no_ship]) == [1, 1]
    assert result.counters["skip"] == 2
    assert reason_of(lines, no_shop) == ["missing_mapping_shop"]
    assert reason_of(lines, no_ship) == ["missing_mapping_shipment"]
    assert any(no_ship in line and "key=ACME-NJ-USFC" in line for line in lines)
    assert p.lx_calls(CREATE_PATH) == 0


async def test_missing_price_skips_the_order(vendors: Vendors, db_dsn: str) -> None:
    p = await setup(vendors, db_dsn)
    (po,) = await p.seed(1, missing_price_ratio=1.0, min_lines=2, max_lines=2)
    with captured_logs() as lines:
        await p.run("push_to_lingxing")
    assert await p.status(po) == 1
    assert reason_of(lines, po) == ["missing_unit_price"]
    assert p.lx_orders(po) == []


async def test_one_rejected_order_does_not_stop_its_batch(vendors: Vendors, db_dsn: str) -> None:
    p = await setup(vendors, db_dsn, env=job_env(lingxing_create_batch=5))
    good = await p.seed(3, seed=4)
    (bad,) = await p.seed(1, warehouse_codes=["ACME-XX"], seed=5)
    # ACME-XX maps to a warehouse Lingxing does not have: that order lands in error_details.
    await vendors.configure(
        mapping={
            "shop": {"1000023456": STORE},
            "warehouse": {"ACME-NJ": str(WID), "ACME-XX": "99"},
            "shipment": {"ACME-NJ-FEHD": "900", "ACME-XX-FEHD": "901"},
        }
    )
    with captured_logs() as lines:
        result = await p.run("push_to_lingxing")
    assert await p.statuses(good) == [2, 2, 2]
    assert await p.status(bad) == 1
    assert reason_of(lines, bad) == ["lingxing_rejected"]
    assert result.counters["fail"] == 1
    assert p.lx_calls(CREATE_PATH) == 1  # the four orders went in one call


async def test_single_po_mode(vendors: Vendors, db_dsn: str) -> None:
    p = await setup(vendors, db_dsn)
    first, second = await p.seed(2)
    result = await p.run("push_to_lingxing", po_number=second)
    assert await p.statuses([first, second]) == [1, 2]
    assert result.counters["total"] == 1
    # A PO not in status 1 is not touched.
    again = await p.run("push_to_lingxing", po_number=second)
    assert again.counters == {"total": 1, "ok": 0, "skip": 1, "fail": 0, "advanced": 0}


async def test_skipped_rows_at_the_head_do_not_starve_newer_ones(
    vendors: Vendors, db_dsn: str
) -> None:
    p = await setup(vendors, db_dsn)
    await vendors.configure(jobs={"push_to_lingxing": {"size": 10}})
    stuck = await p.seed(10, retailer_ids=["R-UNMAPPED"], seed=6)
    newer = await p.seed(
        2, seed=7, created_start="2026-03-01T00:00:00Z"
    )  # created after the stuck ones
    first = await p.run("push_to_lingxing")
    assert first.counters["skip"] == 10
    assert await p.statuses(newer) == [1, 1]
    second = await p.run("push_to_lingxing")
    assert await p.statuses(newer) == [2, 2]
    assert second.counters["advanced"] == 2
    assert await p.statuses(stuck) == [1] * 10
