"""DSCO sandbox: rate limits, latency and injected faults (HTTP-level and per element)."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from .dsco_sandbox_support import (
    ClientFactory,
    get_json,
    post_json,
    results_by_key,
    start,
    submit_and_read,
)

ACK = "/order/acknowledge"
GET_ORDER = "/order/"


async def test_rate_limit_answers_429_until_the_second_has_passed(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    params = {"orderKey": "poNumber", "value": po}
    statuses = []
    for _ in range(11):  # GET /order/ allows 10 per second
        async with client.get(GET_ORDER, params=params) as resp:
            statuses.append(resp.status)
            if resp.status == 429:
                assert resp.headers["Retry-After"] == "1"
                body = await resp.json()
                assert body["status"] == "failure"
                assert body["messages"][0]["code"] == "TOO_MANY_REQUESTS"
    assert statuses == [200] * 10 + [429]
    clock.advance(0.999)  # the ten are still within the last second
    await get_json(client, GET_ORDER, expect=429, **params)
    clock.advance(0.001)  # now they are a second old: ten more
    for _ in range(10):
        await get_json(client, GET_ORDER, **params)
    await get_json(client, GET_ORDER, expect=429, **params)
    # Endpoints without a documented rate are never limited.
    for _ in range(30):
        await get_json(client, "/order/log", requestId="x")
    sandbox.set_rate_limits(False)
    for _ in range(30):
        await get_json(client, GET_ORDER, **params)


async def test_rate_limits_can_be_off_from_the_start(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client, rate_limits=False)
    po = sandbox.generate_orders(count=1)[0]
    for _ in range(40):
        await get_json(client, GET_ORDER, orderKey="poNumber", value=po)


async def test_injected_5xx_for_the_next_n_calls(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    sandbox.add_fault(path=GET_ORDER, kind="status", status=503, count=2)
    sandbox.add_fault(path=GET_ORDER, method="POST", kind="status", status=500, count=5)
    params = {"orderKey": "poNumber", "value": po}
    for _ in range(2):
        body = await get_json(client, GET_ORDER, expect=503, **params)
        assert body["messages"][0]["code"] == "SANDBOX_FAULT"
    await get_json(client, GET_ORDER, **params)
    assert [c.status for c in sandbox.calls(GET_ORDER)] == [503, 503, 200]
    assert [f.remaining for f in sandbox.faults.active()] == [5]  # the POST rule is untouched


async def test_5xx_after_processing_is_an_ambiguous_write(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    sandbox.add_fault(path=ACK, kind="status", status=502, after_processing=True)
    await post_json(client, ACK, [{"id": po, "type": "PO_NUMBER"}], expect=502)
    assert (sandbox.order(po) or {})["dscoStatus"] == "shipment_pending"
    [request] = sandbox.engine.requests()
    assert [e.status for e in request.entries] == ["success"]


async def test_5xx_before_processing_changes_nothing(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    sandbox.add_fault(path=ACK, kind="status")
    await post_json(client, ACK, [{"id": po, "type": "PO_NUMBER"}], expect=503)
    assert (sandbox.order(po) or {})["dscoStatus"] == "created"
    assert sandbox.engine.requests() == []


async def test_hang_makes_the_client_time_out(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    sandbox.add_fault(path=ACK, kind="hang", seconds=30, after_processing=True)
    began = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await client.post(
            ACK,
            json=[{"id": po, "type": "PO_NUMBER"}],
            timeout=aiohttp.ClientTimeout(total=0.3),
        )
    assert time.monotonic() - began < 10
    # The write happened although the caller never got an answer.
    assert (sandbox.order(po) or {})["dscoStatus"] == "shipment_pending"
    # The rule fired once; the next call is served normally.
    await get_json(client, GET_ORDER, orderKey="poNumber", value=po)


async def test_short_hang_then_normal_answer(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    sandbox.add_fault(path=GET_ORDER, kind="hang", seconds=0.2)
    began = time.monotonic()
    order = await get_json(client, GET_ORDER, orderKey="poNumber", value=po)
    assert order["poNumber"] == po
    assert time.monotonic() - began >= 0.15


async def test_injected_429_and_malformed_bodies(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    sandbox.generate_orders(count=1)
    sandbox.add_fault(path="/order/page", kind="rate_limit", retry_after=7)
    sandbox.add_fault(path="/order/page", kind="rate_limit")
    sandbox.add_fault(path="/order/page", kind="malformed")
    window = {"ordersCreatedSince": "2026-01-01T00:00:00Z", "until": "2026-02-11T11:00:00Z"}
    async with client.get("/order/page", params=window) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "7"
    async with client.get("/order/page", params=window) as resp:
        assert resp.status == 429
        assert "Retry-After" not in resp.headers
    async with client.get("/order/page", params=window) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        with pytest.raises(json.JSONDecodeError):
            json.loads(await resp.text())
    assert len((await get_json(client, "/order/page", **window))["orders"]) == 1


async def test_dropped_change_log_entries(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    pos = sandbox.generate_orders(count=2)
    sandbox.add_fault(path=ACK, kind="drop_log", keys=[pos[1]])
    body = [{"id": p, "type": "PO_NUMBER"} for p in pos]
    page = await submit_and_read(client, ACK, body, "/order/log")
    # Both were processed; the second one's entry is lost for good, the request is complete.
    assert results_by_key(page, "id") == {pos[0]: ("success", [])}
    assert page["status"] == "COMPLETED"
    assert [(sandbox.order(p) or {})["dscoStatus"] for p in pos] == ["shipment_pending"] * 2
    # count=1: the next request logs normally.
    again = await submit_and_read(client, ACK, body, "/order/log")
    assert set(results_by_key(again, "id")) == set(pos)


async def test_delayed_change_log_entries(aiohttp_client: ClientFactory) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    sandbox.add_fault(path=ACK, kind="delay_log", seconds=30)
    rid = (await post_json(client, ACK, [{"id": po, "type": "PO_NUMBER"}]))["requestId"]
    assert (sandbox.order(po) or {})["dscoStatus"] == "shipment_pending"
    assert await get_json(client, "/order/log", requestId=rid) == {
        "logs": [],
        "status": "PROCESSING",
    }
    clock.advance(30)
    page = await get_json(client, "/order/log", requestId=rid)
    assert page["status"] == "COMPLETED"
    assert [e["status"] for e in page["logs"]] == ["success"]


async def test_forced_element_failure_for_given_keys(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    pos = sandbox.generate_orders(count=3)
    sandbox.add_fault(
        path=ACK,
        kind="fail_elements",
        keys=[pos[1]],
        code="RETAILER_POLICY",
        description="retailer refuses this order",
    )
    page = await submit_and_read(
        client, ACK, [{"id": p, "type": "PO_NUMBER"} for p in pos], "/order/log"
    )
    assert results_by_key(page, "id") == {
        pos[0]: ("success", []),
        pos[1]: ("failure", ["RETAILER_POLICY"]),
        pos[2]: ("success", []),
    }
    assert (sandbox.order(pos[1]) or {})["dscoStatus"] == "created"


async def test_element_faults_wait_for_a_batch_with_their_key(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    pos = sandbox.generate_orders(count=2)
    sandbox.add_fault(path=ACK, kind="fail_elements", keys=[pos[1]])
    first = await submit_and_read(client, ACK, [{"id": pos[0], "type": "PO_NUMBER"}], "/order/log")
    assert results_by_key(first, "id") == {pos[0]: ("success", [])}
    assert len(sandbox.faults.active()) == 1
    second = await submit_and_read(client, ACK, [{"id": pos[1], "type": "PO_NUMBER"}], "/order/log")
    assert results_by_key(second, "id") == {pos[1]: ("failure", ["SANDBOX_FAULT"])}
    assert sandbox.faults.active() == []


async def test_latency_global_and_per_path(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    sandbox.set_latency(0.2, path=GET_ORDER)
    began = time.monotonic()
    await get_json(client, GET_ORDER, orderKey="poNumber", value=po)
    assert time.monotonic() - began >= 0.15
    sandbox.set_latency(0.2)
    began = time.monotonic()
    await get_json(client, "/order/log", requestId="x")
    assert time.monotonic() - began >= 0.15
