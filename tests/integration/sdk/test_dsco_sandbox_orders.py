"""DSCO sandbox: bearer auth, ``GET /order/page`` windows and scroll paging, ``GET /order/``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from .dsco_sandbox_support import (
    WINDOW,
    ClientFactory,
    get_json,
    post_json,
    start,
)


async def test_token_is_required_and_scheme_is_case_insensitive(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    sandbox.generate_orders(count=1)
    params = {"orderKey": "poNumber", "value": "NOPE"}
    for headers in ({"Authorization": ""}, {"Authorization": "bearer wrong-token"}):
        async with client.get("/order/", params=params, headers=headers) as resp:
            assert resp.status == 401
            body = await resp.json()
            assert body["status"] == "failure"
            assert body["messages"][0]["code"] == "UNAUTHORIZED"
            assert "sandbox-token" not in await resp.text()
    async with client.get(
        "/order/", params=params, headers={"Authorization": "Bearer sandbox-token-0001"}
    ) as resp:
        assert resp.status == 404  # authenticated: the PO simply does not exist


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"until": "2026-02-11T11:00:00Z"}, "ordersCreatedSince or ordersUpdatedSince"),
        ({"ordersCreatedSince": "2026-01-01T00:00:00Z"}, "until"),
        ({**WINDOW, "until": "2026-02-11T11:59:56Z"}, "at least 5 s"),
        ({**WINDOW, "ordersPerPage": "9"}, "ordersPerPage"),
        ({**WINDOW, "ordersPerPage": "1001"}, "ordersPerPage"),
        ({**WINDOW, "ordersPerPage": "ten"}, "ordersPerPage"),
        ({**WINDOW, "ordersCreatedSince": "yesterday"}, "ordersCreatedSince"),
        # An unescaped "+" arrives as a space: DSCO cannot parse it either.
        ({**WINDOW, "ordersCreatedSince": "2026-01-01T00:00:00 00:00"}, "ordersCreatedSince"),
        ({**WINDOW, "ordersCreatedSince": "2026-01-01T00:00:00"}, "offset"),
        ({**WINDOW, "status": "completed"}, "status"),
    ],
)
async def test_order_page_rejects_bad_windows(
    aiohttp_client: ClientFactory, params: dict[str, str], fragment: str
) -> None:
    client, _, _ = await start(aiohttp_client)
    body = await get_json(client, "/order/page", expect=400, **params)
    assert body["messages"][0]["code"] == "VALIDATION_FAILED"
    assert fragment in body["messages"][0]["description"]


async def test_until_exactly_five_seconds_ago_and_both_date_forms_are_accepted(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    sandbox.generate_orders(count=3)
    page = await get_json(
        client,
        "/order/page",
        ordersCreatedSince="2026-01-01T00:00:00+00:00",
        until="2026-02-11T11:59:55Z",
        ordersPerPage="10",
    )
    assert len(page["orders"]) == 3
    assert "scrollId" not in page  # everything fitted on one page


async def test_ten_thousand_orders_scroll_in_order_page_by_page(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    expected = sandbox.generate_orders(count=10_000, created_step_seconds=1)
    seen: list[str] = []
    created: list[str] = []
    page = await get_json(client, "/order/page", ordersPerPage="1000", **WINDOW)
    scroll_id = page["scrollId"]
    fetches = 1
    while page["orders"]:
        assert len(page["orders"]) == 1000
        assert page["scrollId"] == scroll_id  # the same id on every page
        seen += [o["poNumber"] for o in page["orders"]]
        created += [o["dscoCreateDate"] for o in page["orders"]]
        clock.advance(1)  # keeps the per-second rate bucket happy, like a real caller
        page = await get_json(client, "/order/page", scrollId=scroll_id)
        fetches += 1
    assert page == {"scrollId": scroll_id, "orders": []}
    assert fetches == 11
    assert seen == expected
    assert created == sorted(created)
    assert len(set(created)) == 10_000


async def test_scroll_ttl_is_five_minutes_refreshed_on_each_fetch(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    sandbox.generate_orders(count=40)
    first = await get_json(client, "/order/page", ordersPerPage="10", **WINDOW)
    scroll_id = first["scrollId"]
    clock.advance(299)
    assert len((await get_json(client, "/order/page", scrollId=scroll_id))["orders"]) == 10
    clock.advance(300)  # exactly 5 minutes after the previous fetch: still alive
    assert len((await get_json(client, "/order/page", scrollId=scroll_id))["orders"]) == 10
    clock.advance(300.5)
    gone = await get_json(client, "/order/page", expect=404, scrollId=scroll_id)
    assert gone["messages"][0]["code"] == "notFound"
    unknown = await get_json(client, "/order/page", expect=404, scrollId="no-such-scroll")
    assert unknown["messages"][0]["code"] == "notFound"


async def test_window_bounds_status_filter_and_test_orders(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    start_at = datetime(2026, 2, 1, tzinfo=UTC)
    pos = sandbox.generate_orders(count=5, created_start=start_at, created_step_seconds=3600)
    test_po = sandbox.generate_orders(count=1, test_flag=True, seed=2, created_start=start_at)[0]
    sandbox.set_order_status(pos[4], "cancelled")

    def window(since: str, until: str) -> dict[str, str]:
        return {"ordersCreatedSince": since, "until": until}

    # Since and until are both inclusive on dscoCreateDate.
    page = await get_json(
        client, "/order/page", **window("2026-02-01T01:00:00Z", "2026-02-01T03:00:00Z")
    )
    assert [o["poNumber"] for o in page["orders"]] == pos[1:4]
    page = await get_json(client, "/order/page", status="cancelled", **WINDOW)
    assert [o["poNumber"] for o in page["orders"]] == [pos[4]]
    page = await get_json(client, "/order/page", includeTestOrders="true", **WINDOW)
    assert test_po in [o["poNumber"] for o in page["orders"]]
    page = await get_json(client, "/order/page", **WINDOW)
    assert test_po not in [o["poNumber"] for o in page["orders"]]


async def test_updated_since_is_exclusive_and_sees_acknowledged_orders(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    pos = sandbox.generate_orders(count=3)
    clock.advance(60)
    await post_json(client, "/order/acknowledge", [{"id": pos[1], "type": "PO_NUMBER"}])
    clock.advance(60)
    acked_at = sandbox.order(pos[1])
    assert acked_at is not None
    assert acked_at["dscoLastUpdate"] == "2026-02-11T12:01:00+00:00"
    query = {"until": "2026-02-11T12:01:30Z"}
    page = await get_json(client, "/order/page", ordersUpdatedSince="2026-02-11T12:00:00Z", **query)
    assert [o["poNumber"] for o in page["orders"]] == [pos[1]]
    page = await get_json(client, "/order/page", ordersUpdatedSince="2026-02-11T12:01:00Z", **query)
    assert page["orders"] == []


async def test_consumer_order_number_search_needs_no_window(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    pos = sandbox.generate_orders(count=3)
    wanted = sandbox.order(pos[2])
    assert wanted is not None
    page = await get_json(client, "/order/page", consumerOrderNumber=wanted["consumerOrderNumber"])
    assert [o["poNumber"] for o in page["orders"]] == [pos[2]]


async def test_get_order_by_each_key_and_not_found(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = sandbox.generate_orders(count=2)[1]
    order = await get_json(client, "/order/", orderKey="poNumber", value=po)
    assert order["poNumber"] == po
    assert order["dscoStatus"] == "created"
    assert order["dscoLifecycle"] == "created"
    by_id = await get_json(client, "/order", orderKey="dscoOrderId", value=order["dscoOrderId"])
    assert by_id == order  # /order is accepted as an alias of /order/
    many = await get_json(client, "/order/", orderKey="poNumber", value=po, returnMultiple="true")
    assert many == [order]
    missing = await get_json(client, "/order/", expect=404, orderKey="poNumber", value="NOPE")
    assert missing["messages"][0]["code"] == "notFound"
    bad = await get_json(client, "/order/", expect=400, orderKey="orderNumber", value=po)
    assert bad["messages"][0]["code"] == "VALIDATION_FAILED"
    assert [c.path for c in sandbox.calls()] == ["/order/"] * 5
