"""DSCO sandbox: the async batch engine — 202s, delays, change-log paging, request validation."""

from __future__ import annotations

import io

from .dsco_sandbox_support import (
    ClientFactory,
    get_json,
    post_json,
    results_by_key,
    start,
    submit_and_read,
)

ACK = "/order/acknowledge"


async def test_batch_waits_for_its_delay_on_the_sandbox_clock(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, clock = await start(aiohttp_client, batch_delay=2.0)
    po = sandbox.generate_orders(count=1)[0]
    accepted = await post_json(client, ACK, [{"id": po, "type": "PO_NUMBER"}])
    assert set(accepted) == {"status", "requestId", "eventDate", "messages"}
    assert accepted["status"] == "pending"
    assert accepted["eventDate"] == "2026-02-11T12:00:00+00:00"
    rid = accepted["requestId"]
    page = await get_json(client, "/order/log", requestId=rid)
    assert page["status"] == "PROCESSING"
    assert [e["status"] for e in page["logs"]] == ["pending"]
    assert (sandbox.order(po) or {})["dscoStatus"] == "created"
    done = await get_json(client, "/order/log", requestId=rid, status="success_or_failure")
    assert done == {"logs": [], "status": "PROCESSING"}
    clock.advance(2)
    page = await get_json(client, "/order/log", requestId=rid, status="success_or_failure")
    assert page["status"] == "COMPLETED"
    assert page["logs"][0]["status"] == "success"
    assert page["logs"][0]["dateProcessed"] == "2026-02-11T12:00:02+00:00"
    assert (sandbox.order(po) or {})["dscoStatus"] == "shipment_pending"


async def test_pending_entries_can_be_hidden(aiohttp_client: ClientFactory) -> None:
    client, sandbox, clock = await start(aiohttp_client, batch_delay=1.0)
    sandbox.update_switches(log_pending_entries=False)
    po = sandbox.generate_orders(count=1)[0]
    rid = (await post_json(client, ACK, [{"id": po, "type": "PO_NUMBER"}]))["requestId"]
    assert await get_json(client, "/order/log", requestId=rid) == {
        "logs": [],
        "status": "PROCESSING",
    }
    clock.advance(1)
    assert len((await get_json(client, "/order/log", requestId=rid))["logs"]) == 1


async def test_change_log_pages_with_one_scroll_id(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    sandbox.update_switches(log_page_size=2)
    pos = sandbox.generate_orders(count=5)
    rid = (await post_json(client, ACK, [{"id": p, "type": "PO_NUMBER"} for p in pos]))["requestId"]
    page = await get_json(client, "/order/log", requestId=rid)
    scroll_id = page["scrollId"]
    seen = []
    while page["logs"]:
        assert page["scrollId"] == scroll_id
        assert page["status"] == "COMPLETED"
        seen += [e["payload"]["id"] for e in page["logs"]]
        page = await get_json(client, "/order/log", scrollId=scroll_id)
    assert seen == pos
    # A change-log scroll is not an order scroll.
    await get_json(client, "/order/page", expect=404, scrollId=scroll_id)


async def test_change_log_by_date_window(aiohttp_client: ClientFactory) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    pos = sandbox.generate_orders(count=2)
    await post_json(client, ACK, [{"id": pos[0], "type": "PO_NUMBER"}])
    clock.advance(60)
    await post_json(client, ACK, [{"id": pos[1], "type": "PO_NUMBER"}])
    window = {"startDate": "2026-02-11T12:00:00Z", "endDate": "2026-02-11T12:01:00Z"}
    page = await get_json(client, "/order/log", **window)
    assert [e["payload"]["id"] for e in page["logs"]] == [pos[0]]  # end is exclusive
    assert "status" not in page  # only a requestId query reports PROCESSING/COMPLETED
    missing = await get_json(client, "/order/log", expect=400, startDate=window["startDate"])
    assert missing["messages"][0]["code"] == "VALIDATION_FAILED"
    await get_json(client, "/order/log", expect=400, requestId="x", status="done")
    assert await get_json(client, "/invoice/log", **window) == {"logs": []}


async def test_unknown_request_id_reads_as_processing(aiohttp_client: ClientFactory) -> None:
    client, _, _ = await start(aiohttp_client)
    body = await get_json(client, "/inventory/log", requestId="never-submitted")
    assert body == {"logs": [], "status": "PROCESSING"}


async def test_whole_body_errors_are_400(aiohttp_client: ClientFactory) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    async with client.post(ACK, data=b"[{not json") as resp:
        assert resp.status == 400
        assert (await resp.json())["messages"][0]["code"] == "VALIDATION_FAILED"
    not_array = await post_json(client, ACK, {"id": "X", "type": "PO_NUMBER"}, expect=400)
    assert "array" in not_array["messages"][0]["description"]
    async with client.post(ACK, data=io.BytesIO(b"[" + b" " * (5 * 1024 * 1024) + b"]")) as resp:
        assert resp.status == 413
    assert sandbox.engine.requests() == []


async def test_elements_are_checked_with_the_client_request_models(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    pos = sandbox.generate_orders(count=2)
    body = [
        {"id": pos[0], "type": "PO_NUMBER"},
        # Unknown fields pass DSCO's schema but not our strict models: a typo in our client.
        {"id": pos[1], "type": "PO_NUMBER", "supplierOrderNo": "SO-1"},
        {"id": "X", "type": "PO_NUMBERS"},
    ]
    page = await submit_and_read(client, ACK, body, "/order/log")
    results = results_by_key(page, "id")
    assert results[pos[0]] == ("success", [])
    assert results[pos[1]] == ("failure", ["VALIDATION_FAILED"])
    assert results["X"] == ("failure", ["VALIDATION_FAILED"])
    described = page["logs"][1]["results"][0]["description"]
    assert "supplierOrderNo" in described
    sandbox.update_switches(validate_with_models=False)
    page = await submit_and_read(client, ACK, body[1:2], "/order/log")
    assert results_by_key(page, "id") == {pos[1]: ("success", [])}


async def test_strict_sync_validation_rejects_the_whole_batch(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    sandbox.update_switches(strict_sync_validation=True)
    po = sandbox.generate_orders(count=1)[0]
    body = [{"id": po, "type": "PO_NUMBER"}, {"id": po}]
    refused = await post_json(client, ACK, body, expect=400)
    assert refused["status"] == "failure"
    assert refused["messages"][0]["code"] == "VALIDATION_FAILED"
    assert (sandbox.order(po) or {})["dscoStatus"] == "created"
    assert sandbox.engine.requests() == []
