"""DSCO's documented request rates are kept client-side (fake clock, counted, no wall time).

Each rate is two windows, "N per second, or M per minute", read the strict way: never more
than N calls in any one second and never more than M in any sixty seconds. So every schedule
below is exact: DSCO's burst goes at once, then the calls wait for the window to move on.
"""

from __future__ import annotations

import asyncio
import bisect
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult

from sdk._retry import RetryPolicy
from sdk.dsco import DscoClient
from tests.unit.sdk.mock_http import CompatResponse, MockHttp

BASE = "https://dsco.test/api/v3"
EPS = 1e-6


class FakeClock:
    """A fake clock whose sleeps last at least one nanosecond, like any real sleep.

    (With exact float sleeps a window can end 4e-17 s after "now": the limiter would then ask
    for a sleep so short that ``0.6 + 4e-17 == 0.6``, forever.)
    """

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 1e-9)
        await asyncio.sleep(0)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def record_sends(mocked: Any, path: str, clock: FakeClock, body: Any) -> list[float]:
    sent: list[float] = []

    def answer(_url: Any, **_kwargs: Any) -> CallbackResult:
        sent.append(clock.now)
        return CallbackResult(payload=body, response_class=CompatResponse)

    pattern = re.compile("^" + re.escape(BASE + path) + r"(\?.*)?$")
    mocked.get(pattern, callback=answer, repeat=True)
    return sent


def busiest(sent: list[float], seconds: float) -> int:
    """The most calls inside any ``seconds`` long span [t, t + seconds)."""
    ordered = sorted(sent)
    return max(bisect.bisect_left(ordered, t + seconds - EPS) - i for i, t in enumerate(ordered))


def client_for(session: aiohttp.ClientSession, clock: FakeClock) -> DscoClient:
    # No rate_limits argument: DSCO's documented table applies by default.
    return DscoClient(
        session,
        base_url=BASE,
        token="t",
        retry=RetryPolicy.never(),
        clock=clock,
        sleep=clock.sleep,
    )


async def test_get_order_stays_within_10_per_second(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    with MockHttp() as mocked:
        sent = record_sends(mocked, "/order/", clock, {"poNumber": "PO"})
        client = client_for(session, clock)
        # Concurrent callers (the jobs fan out) share the same limiter.
        await asyncio.gather(*(client.get_order(f"PO{i}") for i in range(60)))

    assert len(sent) == 60
    assert sent == sorted(sent)
    assert busiest(sent, 1.0) == 10
    # DSCO's burst at once, then ten more as each second has passed.
    assert sent == pytest.approx([float(n // 10) for n in range(60)], abs=EPS)


async def test_get_order_keeps_500_per_minute(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    with MockHttp() as mocked:
        sent = record_sends(mocked, "/order/", clock, {"poNumber": "PO"})
        client = client_for(session, clock)
        await asyncio.gather(*(client.get_order(f"PO{i}") for i in range(600)))

    assert busiest(sent, 1.0) == 10
    assert busiest(sent, 60.0) == 500
    assert sum(t < 60.0 - EPS for t in sent) == 500  # 10 a second for 50 s, then the minute
    assert sent[500] == pytest.approx(60.0, abs=EPS)  # ... is up when the first call is 60 s old


async def test_thousand_inventory_reads_keep_both_windows(session: aiohttp.ClientSession) -> None:
    """1,000 SKUs read one by one (sync_stock's per-SKU path): 300 in each minute, 15 in each
    second: the last read goes out at 186 s — the bound docs/performance.md quotes."""
    clock = FakeClock()
    with MockHttp() as mocked:
        sent = record_sends(mocked, "/inventory", clock, {"sku": "A", "warehouses": []})
        client = client_for(session, clock)
        for i in range(1000):
            await client.get_inventory(f"SKU{i}")

    assert len(sent) == 1000
    assert busiest(sent, 1.0) == 15
    assert busiest(sent, 60.0) == 300
    expected = [60.0 * (n // 300) + (n % 300) // 15 for n in range(1000)]
    assert sent == pytest.approx(expected, abs=EPS)
    assert sent[-1] == pytest.approx(186.0, abs=EPS)


async def test_unlimited_endpoints_are_not_slowed(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    with MockHttp() as mocked:
        sent = record_sends(mocked, "/order/log", clock, {"status": "COMPLETED", "logs": []})
        client = client_for(session, clock)
        for _ in range(50):
            await client.wait_for_request("order", "r", ["A"], timeout=0)
    assert sent == [0.0] * 50
