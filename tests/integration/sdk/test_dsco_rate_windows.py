"""DSCO's request rates, both windows, on both sides of a real HTTP connection.

The sandbox refuses (429) a call over either window of an endpoint ("N per second, or M per
minute", read the strict way: any second, any sixty seconds). The client, driven at full speed
by concurrent callers, sends more calls than a minute's budget and meets not one 429, and
the sandbox's own record of when each call arrived keeps within both windows.

Time is virtual: it moves only when the client's rate limiter sleeps, and only once no
request is in flight, so the sandbox stamps every call with the instant the client sent it.
The tests assert counts and recorded instants, never how long anything took.
"""

from __future__ import annotations

import asyncio
import bisect
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sdk._limits import CallStats
from sdk._retry import RetryPolicy
from sdk.dsco import DscoClient
from sdk.dsco.sandbox import SANDBOX_KEY, DscoSandbox, FakeClock, create_app

from .dsco_sandbox_support import TOKEN as SANDBOX_TOKEN
from .dsco_sandbox_support import ClientFactory, start

ServerFactory = Callable[..., Awaitable[TestServer]]
ORDER, INVENTORY = "/order/", "/inventory"


class VirtualTime:
    """The sandbox's fake clock, advanced by the client's sleeps once nothing is in flight."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.start = self.clock()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def monotonic(self) -> float:
        return (self.clock() - self.start).total_seconds()

    async def sleep(self, seconds: float) -> None:
        while self._in_flight:
            await self._idle.wait()
        # Whole microseconds, rounded up: the sandbox's clock never sees less than was waited.
        self.clock.advance(math.ceil(seconds * 1_000_000) / 1_000_000)
        await asyncio.sleep(0)

    def trace(self) -> aiohttp.TraceConfig:
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._started)
        trace.on_request_end.append(self._ended)
        trace.on_request_exception.append(self._ended)
        return trace

    async def _started(self, *_: Any) -> None:
        self._in_flight += 1
        self._idle.clear()

    async def _ended(self, *_: Any) -> None:
        self._in_flight -= 1
        if not self._in_flight:
            self._idle.set()


@dataclass
class Rig:
    client: DscoClient
    sandbox: DscoSandbox
    time: VirtualTime
    stats: CallStats

    def arrivals(self, path: str) -> list[float]:
        """Seconds since the start at which the sandbox saw each call of ``path``."""
        return [(c.time - self.time.start).total_seconds() for c in self.sandbox.calls(path)]


@pytest.fixture
async def rig(aiohttp_server: ServerFactory) -> AsyncIterator[Rig]:
    time = VirtualTime()
    app: web.Application = create_app(token=SANDBOX_TOKEN, clock=time.clock, rate_limits=True)
    server = await aiohttp_server(app)
    stats = CallStats()
    async with aiohttp.ClientSession(trace_configs=[time.trace()]) as session:
        client = DscoClient(
            session,
            base_url=str(server.make_url("/")),
            token=SANDBOX_TOKEN,
            retry=RetryPolicy.never(),  # a 429 would fail the call, and the test
            clock=time.monotonic,
            sleep=time.sleep,
            stats=stats,
        )
        yield Rig(client, app[SANDBOX_KEY], time, stats)


def busiest(arrivals: list[float], seconds: float) -> int:
    """The most calls inside any ``seconds`` long span [t, t + seconds)."""
    ordered = sorted(arrivals)
    return max(bisect.bisect_left(ordered, t + seconds) - i for i, t in enumerate(ordered))


def assert_no_429(rig: Rig, path: str, count: int) -> None:
    statuses = [c.status for c in rig.sandbox.calls(path)]
    assert statuses == [200] * count
    assert sum(rig.stats.throttled.values()) == 0


# --- the sandbox enforces both windows ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "per_second", "per_minute"), [(ORDER, 10, 500), (INVENTORY, 15, 300)]
)
async def test_sandbox_refuses_a_call_over_either_window(
    aiohttp_client: ClientFactory, path: str, per_second: int, per_minute: int
) -> None:
    client, sandbox, clock = await start(aiohttp_client)
    po = sandbox.generate_orders(count=1)[0]
    sandbox.seed_items([{"sku": "SKU-1", "warehouses": [{"code": "W1", "quantity": 3}]}])
    params = {"orderKey": "poNumber", "value": po}
    if path == INVENTORY:
        params = {"itemKey": "sku", "value": "SKU-1"}

    async def status() -> int:
        async with client.get(path, params=params) as resp:
            return resp.status

    # Each second: the per-second allowance, then one refused, until the minute is used up.
    seconds = per_minute // per_second
    for _ in range(seconds):
        assert [await status() for _ in range(per_second + 1)] == [200] * per_second + [429]
        clock.advance(1.0)
    # The second allowance is back, but the minute's is spent until the first call is 60 s old.
    assert await status() == 429
    clock.advance(60.0 - seconds - 0.001)
    assert await status() == 429
    clock.advance(0.001)
    assert [await status() for _ in range(per_second + 1)] == [200] * per_second + [429]
    refused = [c for c in sandbox.calls(path) if c.status == 429]
    assert len(refused) == seconds + 3  # refused calls never counted against the windows


# --- the client keeps within both, with concurrent callers -----------------------------------


async def test_order_reads_beyond_a_minutes_budget_meet_no_429(rig: Rig) -> None:
    pos = rig.sandbox.generate_orders(count=600)
    orders = await asyncio.gather(*(rig.client.get_order(po) for po in pos))

    assert [o["poNumber"] if o else None for o in orders] == pos
    assert_no_429(rig, ORDER, 600)
    arrivals = rig.arrivals(ORDER)
    assert busiest(arrivals, 1.0) == 10
    assert busiest(arrivals, 60.0) == 500
    assert sum(t < 60.0 for t in arrivals) == 500  # the minute's budget, then the wait
    assert min(arrivals[500:]) >= 60.0


async def test_inventory_reads_beyond_a_minutes_budget_meet_no_429(rig: Rig) -> None:
    skus = rig.sandbox.seed_items(
        {"sku": f"SKU-{n:04d}", "warehouses": [{"code": "W1", "quantity": n}]} for n in range(700)
    )
    items = await asyncio.gather(*(rig.client.get_inventory(sku) for sku in skus))

    assert [i["sku"] if i else None for i in items] == skus
    assert_no_429(rig, INVENTORY, 700)
    arrivals = rig.arrivals(INVENTORY)
    assert busiest(arrivals, 1.0) == 15
    assert busiest(arrivals, 60.0) == 300
    # 300 in each minute: the 700th call is in the third.
    assert [sum(lo <= t < lo + 60.0 for t in arrivals) for lo in (0.0, 60.0, 120.0)] == [
        300,
        300,
        100,
    ]


async def test_virtual_time_moves_only_with_the_limiter(rig: Rig) -> None:
    # Guard for the rig itself: under the allowance nothing sleeps, so nothing moves.
    pos = rig.sandbox.generate_orders(count=10)
    await asyncio.gather(*(rig.client.get_order(po) for po in pos))
    assert rig.arrivals(ORDER) == [0.0] * 10
    assert isinstance(rig.sandbox.now(), datetime)
