"""DSCO's documented request rates are kept client-side (fake clock, counted, no wall time).

The limiter is a token bucket per endpoint and per period: a burst of up to N requests, then N
per second (and M per minute).  So over any interval of d seconds at most ``N*d + N`` requests
go out (likewise ``M*d/60 + M``), and a long run cannot average more than N/s.
"""

from __future__ import annotations

import asyncio
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

    (With exact float sleeps a bucket can be left at 0.99999999999999998 tokens: the shared
    limiter then asks for a 4e-17 s sleep, and ``0.6 + 4e-17 == 0.6``, forever.)
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


def worst_excess(sent: list[float], per_period: float, period: float) -> float:
    """max over intervals of (requests sent) - (allowed: burst + rate * duration); <= 0 is ok."""
    rate = per_period / period
    worst = float("-inf")
    for i in range(len(sent)):
        for j in range(i, len(sent)):
            worst = max(worst, (j - i + 1) - (per_period + rate * (sent[j] - sent[i])))
    return worst


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
    assert worst_excess(sent, 10, 1.0) <= EPS
    assert sent[-1] >= (60 - 10) / 10 - EPS  # the limiter really slowed the calls down
    assert sent[:10] == [0.0] * 10  # ...but allows DSCO's burst


async def test_get_inventory_also_keeps_300_per_minute(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    with MockHttp() as mocked:
        sent = record_sends(mocked, "/inventory", clock, {"sku": "A", "warehouses": []})
        client = client_for(session, clock)
        for i in range(500):
            await client.get_inventory(f"SKU{i}")

    assert len(sent) == 500
    assert worst_excess(sent, 15, 1.0) <= EPS
    assert worst_excess(sent, 300, 60.0) <= EPS
    # Past the 300-request minute bucket, the 5/s refill rules: 200 more take >= 40 s.
    assert sent[-1] >= (500 - 300) / 5 - EPS


async def test_unlimited_endpoints_are_not_slowed(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    with MockHttp() as mocked:
        sent = record_sends(mocked, "/order/log", clock, {"status": "COMPLETED", "logs": []})
        client = client_for(session, clock)
        for _ in range(50):
            await client.wait_for_request("order", "r", ["A"], timeout=0)
    assert sent == [0.0] * 50
