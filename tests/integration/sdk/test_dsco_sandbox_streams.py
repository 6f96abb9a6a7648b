"""DSCO sandbox: inventory streams (create, sync dump, read from a position, checkpoint, delete)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from yarl import URL

from .dsco_sandbox_support import (
    Client,
    ClientFactory,
    get_json,
    post_json,
    start,
    submit_and_read,
)

EPOCH = "1970-01-01T00:00:00Z"
DEFINITION = {
    "objectType": "inventory",
    "description": "sync_stock pull-all",
    "numPartitions": 1,
    "maxEvents": {"objectCount": 2},
    "query": {"queryType": "inventory"},
}


def _events_url(client: Client, stream_id: str, position: str) -> URL:
    # Event ids contain "/": encode it once as a path segment, and keep yarl from re-encoding.
    path = f"/stream/{stream_id}/0/{quote(position, safe='')}"
    return URL(str(client.make_url("/")).rstrip("/") + path, encoded=True)


async def _read(client: Client, stream_id: str, position: str, expect: int = 200) -> Any:
    async with client.session.get(_events_url(client, stream_id, position)) as resp:
        assert resp.status == expect, await resp.text()
        return await resp.json()


async def test_sync_dump_then_changes_then_delete(aiohttp_client: ClientFactory) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    sandbox.seed_items(
        {"sku": f"SKU-{n}", "status": "in-stock", "warehouses": [{"code": "W1", "quantity": n}]}
        for n in (1, 2, 3)
    )
    clock.advance(60)
    stream = await post_json(client, "/stream", DEFINITION, expect=201)
    stream_id = stream["id"]
    assert [p["partitionId"] for p in stream["partitions"]] == [0]
    start_position = stream["partitions"][0]["position"]
    assert "/" in start_position
    operation = await post_json(client, f"/stream/{stream_id}", {"operationType": "sync"})
    assert operation["operationType"] == "sync"
    # The dump's ids come from the items' update time: before the stream's own position.
    assert (await _read(client, stream_id, start_position))["events"] == []
    first = await _read(client, stream_id, EPOCH)
    assert [e["payload"]["sku"] for e in first["events"]] == ["SKU-1", "SKU-2"]  # objectCount
    assert all(e["source"] == "sync" and "/" in e["id"] for e in first["events"])
    position = first["events"][-1]["id"]
    second = await _read(client, stream_id, position)
    assert [e["payload"]["sku"] for e in second["events"]] == ["SKU-3"]
    checkpoint = _events_url(client, stream_id, second["events"][-1]["id"])
    async with client.session.put(checkpoint) as resp:
        assert resp.status == 200
        assert await resp.json() == {"success": True}
    [listed] = await get_json(client, "/stream", id=stream_id)
    assert listed["partitions"][0]["position"] == second["events"][-1]["id"]
    assert listed["partitions"][0]["maxPosition"] == second["events"][-1]["id"]
    clock.advance(5)
    change = {"sku": "SKU-2", "status": "in-stock", "quantityAvailable": 9,
              "warehouses": [{"code": "W1", "quantity": 9}]}  # fmt: skip
    await submit_and_read(client, "/inventory/batch/small", [change], "/inventory/log")
    news = await _read(client, stream_id, listed["partitions"][0]["position"])
    assert [(e["source"], e["payload"]["quantityAvailable"]) for e in news["events"]] == [
        ("stream", 9)
    ]
    async with client.delete(f"/stream/{stream_id}") as resp:
        assert resp.status == 200
    await _read(client, stream_id, EPOCH, expect=404)


async def test_sync_can_be_limited_to_skus_and_bad_requests_fail(
    aiohttp_client: ClientFactory,
) -> None:
    client, sandbox, _ = await start(aiohttp_client)
    sandbox.seed_items({"sku": s, "status": "in-stock"} for s in ("A", "B"))
    stream = await post_json(client, "/stream", {**DEFINITION, "numPartitions": 3}, expect=201)
    await post_json(client, f"/stream/{stream['id']}", {"operationType": "sync", "sku": ["B"]})
    events = []
    for partition in range(3):
        url = f"/stream/{stream['id']}/{partition}/{EPOCH}"
        events += (await get_json(client, url))["events"]
    assert [e["payload"]["sku"] for e in events] == ["B"]
    await post_json(client, "/stream", {**DEFINITION, "objectType": "order"}, expect=400)
    await post_json(client, "/stream", {**DEFINITION, "numPartitions": 21}, expect=400)
    await post_json(client, f"/stream/{stream['id']}", {"operationType": "x"}, expect=400)
    await post_json(client, "/stream/nope", {"operationType": "sync"}, expect=404)
    await get_json(client, f"/stream/{stream['id']}/0/not-a-position", expect=400)
    await get_json(client, f"/stream/{stream['id']}/7/{EPOCH}", expect=404)


async def test_event_reads_have_no_rate(aiohttp_client: ClientFactory) -> None:
    # DSCO's 15 a minute is for GET /stream/single/… (one event), not for reading a partition.
    client, sandbox, _ = await start(aiohttp_client)
    stream = await post_json(client, "/stream", DEFINITION, expect=201)
    url = f"/stream/{stream['id']}/0/{EPOCH}"
    for _ in range(40):
        await get_json(client, url)
    assert {c.status for c in sandbox.calls()} == {200, 201}
