"""Lingxing sandbox: in-flight caps, latency, injected faults and the call record."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from .lingxing_sandbox_kit import (
    CREATE,
    ORDER_LIST,
    STORES,
    WMS_LIST,
    ClientFactory,
    create,
    list_by_po,
    order,
    seed_basics,
    start,
)

STORE_BODY = {"offset": 0, "length": 20}


async def test_cap_1_endpoint_rejects_the_second_concurrent_call(
    aiohttp_client: ClientFactory,
) -> None:
    raw = await start(aiohttp_client)
    raw.sandbox.set_latency(0.3, WMS_LIST)
    answers = await asyncio.gather(*(raw.call(WMS_LIST, {}) for _ in range(2)))
    assert sorted(str(a["code"]) for a in answers) == ["0", "3001008"]
    stats = raw.sandbox.stats()
    assert stats["max_in_flight"][WMS_LIST] == 1
    assert stats["rejected"][WMS_LIST] == 1
    # The slot is given back when the answer is produced.
    assert (await raw.call(WMS_LIST, {}))["code"] == 0


async def test_cap_10_endpoint(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    raw.sandbox.set_latency(0.5, STORES)
    answers = await asyncio.gather(*(raw.call(STORES, STORE_BODY) for _ in range(14)))
    codes = [str(a["code"]) for a in answers]
    assert codes.count("0") == 10
    assert codes.count("3001008") == 4
    assert raw.sandbox.stats()["max_in_flight"][STORES] == 10


async def test_capacity_override_switch(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client, capacity_overrides={STORES: 1})
    raw.sandbox.set_latency(0.3)
    answers = await asyncio.gather(*(raw.call(STORES, STORE_BODY) for _ in range(3)))
    assert sorted(str(a["code"]) for a in answers) == ["0", "3001008", "3001008"]


async def test_faults_apply_to_the_next_n_calls_only(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    sb = raw.sandbox
    sb.inject(STORES, "rate_limit", count=2)
    sb.inject(STORES, "token_expired")
    sb.inject(STORES, "business_rate_limit")
    codes = [str((await raw.call(STORES, STORE_BODY))["code"]) for _ in range(5)]
    assert codes == ["3001008", "3001008", "2001003", "103", "0"]
    sb.inject(WMS_LIST, "server_error")
    answer = await raw.call(WMS_LIST, {})
    assert (answer["code"], answer["message"], answer["total"]) == (500, "程序内部错误", 0)
    sb.inject("*", "token_revoked")
    assert (await raw.call(WMS_LIST, {}))["code"] == "2001005"
    assert (await raw.call(STORES, STORE_BODY))["code"] == 0
    assert sb.faults.pending() == {}


async def test_http_error_and_malformed_json(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    raw.sandbox.inject(STORES, "http_error", status=502)
    raw.sandbox.inject(STORES, "malformed_json")
    params = raw.query(STORE_BODY)
    first = await raw.client.post(STORES, params=params, json=STORE_BODY)
    assert first.status == 502
    assert "<html>" in await first.text()
    second = await raw.client.post(STORES, params=raw.query(STORE_BODY), json=STORE_BODY)
    assert second.status == 200
    try:
        json.loads(await second.text())
        parsed = True
    except ValueError:
        parsed = False
    assert not parsed
    outcomes = [c.outcome for c in raw.sandbox.call_log(STORES)]
    assert outcomes == ["http 502", "malformed_json"]


async def test_hang_holds_the_slot_and_still_processes_the_write(
    aiohttp_client: ClientFactory,
) -> None:
    raw = await start(aiohttp_client)
    seed_basics(raw.sandbox)
    raw.sandbox.inject(CREATE, "hang", seconds=0.6)
    body = {"platform_code": 10009, "store_id": "110000000000000001", "orders": [order("PO-1")]}
    timeout = aiohttp.ClientTimeout(total=0.2)
    try:
        await raw.client.post(CREATE, params=raw.query(body), json=body, timeout=timeout)
        timed_out = False
    except TimeoutError:
        timed_out = True
    assert timed_out
    for _ in range(50):  # the server finishes the call after the client gave up
        if raw.sandbox.call_log(CREATE):
            break
        await asyncio.sleep(0.05)
    [record] = raw.sandbox.call_log(CREATE)
    assert record.outcome == "0"
    assert record.finished_at - record.started_at >= 0.5
    assert (await list_by_po(raw, "PO-1"))["data"]["total"] == "1"
    retry = await create(raw, order("PO-1"))
    assert retry["data"]["error_details"]  # a blind retry would have been a duplicate


async def test_unknown_path_and_method(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    wrong_path = await raw.client.post("/pb/mp/nothing", params=raw.query({}), json={})
    assert (await wrong_path.json())["code"] == "500"
    wrong_method = await raw.client.get(STORES)
    assert wrong_method.status == 405
    assert "nginx" in await wrong_method.text()


async def test_calls_are_recorded_without_buyer_data(aiohttp_client: ClientFactory) -> None:
    raw = await start(aiohttp_client)
    seed_basics(raw.sandbox)
    await create(raw, order("PO-1"), order("PO-2"))
    await list_by_po(raw, "PO-1", "PO-2")
    paths = [c.path for c in raw.sandbox.calls]
    assert paths == ["/api/auth-server/oauth/access-token", CREATE, ORDER_LIST]
    token_call, create_call, list_call = raw.sandbox.calls
    assert token_call.summary == {"appId": "ak_test123456789"}
    assert create_call.summary["orders"] == ["PO-1", "PO-2"]
    assert list_call.summary["platform_order_nos"] == {"count": 2, "first": ["PO-1", "PO-2"]}
    assert all(c.outcome in {"200", "0"} for c in raw.sandbox.calls)
    text = json.dumps([c.as_dict() for c in raw.sandbox.calls])
    for secret in ("Test Buyer", "1 Test St", "Austin", raw.token, "BYKn4e"):
        assert secret not in text
