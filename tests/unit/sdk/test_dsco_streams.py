"""DSCO streams over a mocked wire: position encoding, the end of a dump (on a fake clock), the
stream deleted whatever happens, and no rate on the event read (DSCO's 15 a minute is for
``/stream/single/…`` only)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aioresponses import CallbackResult
from yarl import URL

from sdk._retry import RetryPolicy
from sdk.dsco import DscoClient, DscoServerError, DscoValidationError
from sdk.dsco.endpoints import STREAM_EVENTS
from sdk.dsco.models import to_wire
from sdk.dsco.streams import EPOCH, DumpClock, StreamDefinition, SyncOperation, encode_position
from tests.contract.test_dsco_openapi import assert_valid_body, spec  # noqa: F401 - fixture
from tests.unit.sdk.mock_http import CompatResponse, MockHttp

BASE = "https://dsco.test/api/v3"
TOKEN = "5d0c1a2b-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
SID = "s1"
READS = re.compile("^" + re.escape(f"{BASE}/stream/{SID}/0/") + ".+$")
MONITOR = re.compile("^" + re.escape(f"{BASE}/stream") + r"\?id=" + SID + "$")
ONE = f"{BASE}/stream/{SID}"  # sync (POST) and delete (DELETE)


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def event(n: int, sku: str | None = None) -> dict[str, Any]:
    return {
        "id": f"2026-02-11T18:40:{n:02d}.000Z/{n:06d}",
        "payload": {"sku": sku or f"SKU-{n}", "warehouses": [{"code": "W1", "quantity": n}]},
        "source": "sync",
    }


@dataclass
class Wire:
    """Scripted stream answers; records what was read from where, and when."""

    time: FakeTime
    pages: list[list[dict[str, Any]]] = field(default_factory=list)
    max_positions: list[str] = field(default_factory=list)
    reads: list[tuple[float, URL]] = field(default_factory=list)
    monitors: int = 0

    def read(self, url: URL, **_: Any) -> CallbackResult:
        self.reads.append((self.time.now, url))
        page = self.pages.pop(0) if self.pages else []
        payload = {"partitionId": 0, "events": page}
        return CallbackResult(payload=payload, response_class=CompatResponse)

    def monitor(self, url: URL, **_: Any) -> CallbackResult:
        self.monitors += 1
        newest = self.max_positions.pop(0) if len(self.max_positions) > 1 else self.max_positions[0]
        body = [{"id": SID, "partitions": [{"partitionId": 0, "maxPosition": newest}]}]
        return CallbackResult(body=json.dumps(body), response_class=CompatResponse)

    def positions(self) -> list[str]:
        return [unquote(url.raw_path.rsplit("/", 1)[1]) for _, url in self.reads]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def mocked() -> Any:
    with MockHttp() as m:
        yield m


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


def client(session: aiohttp.ClientSession, time: FakeTime, *, limits: bool = False) -> DscoClient:
    return DscoClient(
        session,
        base_url=BASE,
        token=TOKEN,
        retry=RetryPolicy.never(),
        clock=time.clock,
        sleep=time.sleep,
        rate_limits=None if limits else {},
    )


def script(mocked: Any, wire: Wire, *, read_status: int = 200, delete_status: int = 200) -> None:
    stream = {"id": SID, "partitions": [{"partitionId": 0, "position": "x"}]}
    mocked.post(f"{BASE}/stream", status=201, payload=stream)
    mocked.post(ONE, status=202, payload={"operationType": "sync", "operationUuid": "u1"})
    if read_status == 200:
        mocked.get(READS, callback=wire.read, repeat=True)
    else:
        mocked.get(READS, status=read_status, payload={"messages": [{"code": "X"}]}, repeat=True)
    mocked.get(MONITOR, callback=wire.monitor, repeat=True)
    mocked.delete(ONE, status=delete_status, payload=stream if delete_status < 400 else {})


def sent(mocked: Any, method: str, target: str) -> list[Any]:
    return [
        c
        for (m, u), calls in mocked.requests.items()
        for c in calls
        if (m, str(u)) == (method, target)
    ]


async def drain(dsco: DscoClient, **waits: Any) -> list[dict[str, Any]]:
    waits = {"first_event_wait": 100.0, "idle_timeout": 30.0, "poll_interval": 10.0} | waits
    async with contextlib.aclosing(dsco.streams.read_inventory_dump(**waits)) as dump:
        return [item async for item in dump]


# --- bodies and position encoding ------------------------------------------------------------


def test_bodies_match_the_openapi_file(spec: dict[str, Any]) -> None:  # noqa: F811
    assert_valid_body(spec, "/stream", to_wire(StreamDefinition()))
    assert_valid_body(spec, "/stream", to_wire(StreamDefinition(description="dsco-lingxing")))
    assert_valid_body(spec, "/stream/{id}", to_wire(SyncOperation(sku=["SKU-1", "SKU-2"])))
    assert_valid_body(spec, "/stream/{id}", to_wire(SyncOperation()))


@pytest.mark.parametrize(
    ("position", "segment"),
    [
        ("2026-02-11T18:40:36.123Z/000042", "2026-02-11T18%3A40%3A36.123Z%2F000042"),
        ("2026-02-11T18%3A40%3A36.123Z%2F000042", "2026-02-11T18%3A40%3A36.123Z%2F000042"),
        ("2026-02-11T18:40:36.123Z%2F000042", "2026-02-11T18%3A40%3A36.123Z%2F000042"),
        (EPOCH, "1970-01-01T00%3A00%3A00Z"),
        ("a b+c", "a%20b%2Bc"),
    ],
)
def test_positions_are_decoded_once_then_encoded_once(position: str, segment: str) -> None:
    assert encode_position(position) == segment


@pytest.mark.parametrize(
    "position", ["2026-02-11T18:40:36.123Z/000042", "2026-02-11T18%3A40%3A36.123Z%2F000042"]
)
async def test_an_event_id_travels_as_one_path_segment(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime, position: str
) -> None:
    wire = Wire(time)
    mocked.get(READS, callback=wire.read)
    await client(session, time).streams.read(SID, "0", position)
    [(_, url)] = wire.reads
    assert url.raw_path.endswith("/stream/s1/0/2026-02-11T18:40:36.123Z%2F000042")
    assert "%25" not in url.raw_path


# --- a whole dump ------------------------------------------------------------------------------


async def test_dump_reads_from_epoch_skips_duplicates_and_deletes_the_stream(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime
) -> None:
    wire = Wire(time, pages=[[event(1), event(2)], [event(2), event(3)], []])
    wire.max_positions = [event(3)["id"]]
    script(mocked, wire)

    items = await drain(client(session, time), skus=["SKU-3", "SKU-1", "SKU-4"], settle=0.0)

    assert [i["sku"] for i in items] == ["SKU-1", "SKU-2", "SKU-3"]
    assert wire.positions() == [EPOCH, event(2)["id"], event(3)["id"]]
    [create] = sent(mocked, "POST", f"{BASE}/stream")
    assert create.kwargs["json"] == {
        "objectType": "inventory",
        "description": "sync_stock inventory dump",
        "numPartitions": 1,
        "maxEvents": {"objectCount": 1000},
        "query": {"queryType": "inventory"},
    }
    [sync] = sent(mocked, "POST", ONE)
    assert sync.kwargs["json"] == {"operationType": "sync", "sku": ["SKU-1", "SKU-3", "SKU-4"]}
    assert len(sent(mocked, "DELETE", ONE)) == 1
    assert wire.monitors == 1  # SKU-4 never came: the end is the caught-up rule's
    assert time.now == 0.0  # caught up at once: position == maxPosition, settle 0


async def test_dump_of_skus_ends_once_every_sku_has_arrived(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime
) -> None:
    # maxPosition keeps moving and the settle time is long: neither matters once the last
    # SKU asked for is in. A later event of the same page still comes through.
    wire = Wire(time, pages=[[], [event(1)], [event(2, "SKU-1"), event(3)], [event(4)]])
    wire.max_positions = [f"2026-02-11T19:00:{n:02d}.000Z/9" for n in range(60)]
    script(mocked, wire)

    items = await drain(client(session, time), skus=["SKU-1", "SKU-3"], settle=600.0)

    assert [i["sku"] for i in items] == ["SKU-1", "SKU-1", "SKU-3"]
    assert len(wire.reads) == 3  # the empty one, then the two with events: no more
    assert wire.monitors == 0  # maxPosition never mattered
    assert time.now == 10.0  # one poll interval for the dump to start arriving
    assert len(sent(mocked, "DELETE", ONE)) == 1


async def test_no_skus_means_no_stream(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime
) -> None:
    assert await drain(client(session, time), skus=[]) == []
    assert mocked.requests == {}


# --- when a dump ends (fake clock) -------------------------------------------------------------


async def test_without_events_it_waits_first_event_wait(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime
) -> None:
    wire = Wire(time, max_positions=["unused"])
    script(mocked, wire)
    assert await drain(client(session, time)) == []
    assert [t for t, _ in wire.reads] == [10.0 * n for n in range(11)]  # 0..100 s
    assert wire.monitors == 0  # maxPosition is only consulted once events arrived


async def test_events_then_silence_ends_after_idle_timeout(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime
) -> None:
    # maxPosition keeps moving (DSCO lags up to a minute): only the idle rule can end it.
    wire = Wire(time, pages=[[], [], [event(1)]])
    wire.max_positions = [f"2026-02-11T19:00:{n:02d}.000Z/9" for n in range(60)]
    script(mocked, wire)
    items = await drain(client(session, time), settle=0.0)
    assert [i["sku"] for i in items] == ["SKU-1"]
    assert wire.reads[2][0] == 20.0  # the event came at 20 s
    assert time.now == 50.0  # 30 s idle after it
    assert len(sent(mocked, "DELETE", ONE)) == 1


async def test_caught_up_ends_once_max_position_stays_put(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime
) -> None:
    last = event(2)["id"].replace("/", "%2F")  # maxPosition may arrive encoded
    wire = Wire(time, pages=[[event(1)], [event(2)]], max_positions=["older", last])
    script(mocked, wire)
    items = await drain(client(session, time), idle_timeout=1000.0, settle=25.0)
    assert len(items) == 2
    # t=0 empty read: maxPosition still older; t=10 it is ours; stable 25 s later -> t=40.
    assert time.now == 40.0
    assert wire.monitors == 5


@pytest.mark.parametrize(
    ("now", "last_event", "expected"),
    [(99.0, None, False), (100.0, None, True), (100.0, 90.0, False), (120.0, 90.0, True)],
)
def test_idle_rule(now: float, last_event: float | None, expected: bool) -> None:
    clock = DumpClock(0.0, first_event_wait=100.0, idle_timeout=30.0, settle=60.0)
    clock.last_event = last_event
    assert clock.idle(now) is expected


# --- the stream is deleted whatever happens ----------------------------------------------------


async def test_a_failed_read_still_deletes_the_stream(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime
) -> None:
    script(mocked, Wire(time), read_status=400)
    with pytest.raises(DscoValidationError):
        await drain(client(session, time))
    assert len(sent(mocked, "DELETE", ONE)) == 1


async def test_a_failed_delete_does_not_hide_the_read_error(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime, caplog: Any
) -> None:
    script(mocked, Wire(time), read_status=500, delete_status=503)
    with pytest.raises(DscoServerError) as info:
        await drain(client(session, time))
    assert info.value.path == STREAM_EVENTS.path
    assert any("could not be deleted" in r.getMessage() for r in caplog.records)


async def test_leaving_early_deletes_the_stream(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime
) -> None:
    wire = Wire(time, pages=[[event(1), event(2)]])
    script(mocked, wire)
    dump = client(session, time).streams.read_inventory_dump(skus=["SKU-1"])
    async with contextlib.aclosing(dump) as items:
        async for _ in items:
            break
    assert len(sent(mocked, "DELETE", ONE)) == 1


# --- DSCO's rate on the event read -------------------------------------------------------------


async def test_event_reads_are_not_held_back(
    session: aiohttp.ClientSession, mocked: Any, time: FakeTime
) -> None:
    wire = Wire(time, max_positions=["unused"])
    script(mocked, wire)
    await drain(client(session, time, limits=True), first_event_wait=60.0, poll_interval=1.0)
    # With DSCO's documented table on, the events read goes out every poll interval (61 reads
    # in 60 s, where a 15-a-minute rate would have held the 16th back).
    assert [t for t, _ in wire.reads] == [float(n) for n in range(61)]
