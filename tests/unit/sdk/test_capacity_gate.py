"""The capacity-gate protocol: the limiter asks the gate for a deployment-wide slot inside its
local one; an unreachable gate fails the call before anything is sent.

The gate here is a test stand-in shared by two clients ("processes") in one event loop; the
daemon's gate is PostgreSQL advisory locks (``tests/integration/db/test_endpoint_slots.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sdk._capacity import CapacityGate, GateUnavailable, ProcessGate
from sdk._limits import ConcurrencyLimiter
from sdk._retry import RetryPolicy
from sdk.lingxing import LingxingClient, LingxingConnectionError
from sdk.lingxing.token_store import MemoryTokenStore
from tests.unit.sdk.lingxing_fake import APP_ID, APP_SECRET, FakeLingxing

INVENTORY = "/erp/sc/routing/data/local_inventory/inventoryDetails"


class SharedGate:
    """A gate shared in memory: one semaphore of ``cap`` per key; records what it was asked."""

    def __init__(self) -> None:
        self.semaphores: dict[str, asyncio.Semaphore] = {}
        self.asked: Counter[tuple[str, int]] = Counter()

    @contextlib.asynccontextmanager
    async def slot(self, key: str, cap: int) -> AsyncIterator[None]:
        self.asked[(key, cap)] += 1
        async with self.semaphores.setdefault(key, asyncio.Semaphore(cap)):
            yield


class DownGate:
    def slot(self, key: str, cap: int) -> contextlib.AbstractAsyncContextManager[object]:
        raise ConnectionError("database down")


async def test_the_limiter_asks_the_gate_for_capped_keys_only() -> None:
    gate = SharedGate()
    limiter = ConcurrencyLimiter({"capped": 2}, gate=gate)
    async with limiter.slot("capped"), limiter.slot("uncapped"):
        assert limiter.in_flight("capped") == 1
    assert gate.asked == Counter({("capped", 2): 1})
    assert isinstance(ConcurrencyLimiter({}).gate, ProcessGate)


async def test_an_unreachable_gate_is_reported_not_raised_raw() -> None:
    limiter = ConcurrencyLimiter({"capped": 1}, gate=DownGate())
    with pytest.raises(GateUnavailable, match="ConnectionError"):
        async with limiter.slot("capped"):
            pytest.fail("the block must not run without a slot")
    assert limiter.in_flight("capped") == 0
    limiter.gate = ProcessGate()  # the database is back
    async with asyncio.timeout(1), limiter.slot("capped"):  # the local slot was given back
        pass


@pytest.fixture
async def server_url(aiohttp_server: Any, fake: FakeLingxing) -> str:
    return str((await aiohttp_server(fake.app())).make_url("/"))


@pytest.fixture
def fake() -> FakeLingxing:
    fake = FakeLingxing()
    fake.inventory = [{"wid": 1, "sku": "SKU-1", "product_valid_num": 3}]
    return fake


@contextlib.asynccontextmanager
async def two_processes(
    url: str, fake: FakeLingxing, gate: CapacityGate | None
) -> AsyncIterator[list[LingxingClient]]:
    tokens = MemoryTokenStore()  # one token for both, as the deployment's store gives them
    async with aiohttp.ClientSession() as one, aiohttp.ClientSession() as two:
        yield [
            LingxingClient(
                session,
                base_url=url,
                app_id=APP_ID,
                app_secret=APP_SECRET,
                retry=RetryPolicy.instant(),
                clock=fake.clock,
                capacity=gate,
                token_store=tokens,
            )
            for session in (one, two)
        ]


async def inventory_reads(clients: list[LingxingClient], each: int = 4) -> None:
    async def read(client: LingxingClient) -> None:
        async for _rows in client.iter_inventory_details("1"):
            pass

    await asyncio.gather(*(read(c) for c in clients for _ in range(each)))


@pytest.mark.parametrize(("shared", "peak"), [(True, 1), (False, 2)])
async def test_two_processes_stay_within_a_cap_of_one_only_through_a_shared_gate(
    server_url: str, fake: FakeLingxing, shared: bool, peak: int
) -> None:
    fake.latency = 0.02  # calls overlap unless something serialises them
    gate = SharedGate() if shared else None
    async with two_processes(server_url, fake, gate) as clients:
        await inventory_reads(clients)
    assert fake.peak[INVENTORY] == peak
    assert fake.mints == 1


async def test_a_call_whose_gate_is_unreachable_is_never_sent(
    server_url: str, fake: FakeLingxing
) -> None:
    async with two_processes(server_url, fake, DownGate()) as (client, _):
        with pytest.raises(LingxingConnectionError) as info:
            await inventory_reads([client], each=1)
    assert info.value.refused
    assert not info.value.ambiguous
    assert "capacity gate unreachable" in str(info.value)
    assert fake.mints == 0  # not even the token call got a slot
    assert not fake.bodies
