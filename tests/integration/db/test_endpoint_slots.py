"""Deployment-wide endpoint slots as advisory locks (db.endpoint_slots): each AdvisorySlots here
stands for one process (its own connection); the Lingxing sandbox counts what really overlaps."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from db.endpoint_slots import AdvisorySlots
from db.lingxing_token import PgTokenStore
from db.pool import connect
from sdk._retry import RetryPolicy
from sdk.lingxing import LingxingClient
from sdk.lingxing.sandbox import SANDBOX_KEY, LingxingSandbox
from sdk.lingxing.token_store import app_fingerprint
from tests.integration.sdk.lingxing_sandbox_kit import APP_ID, APP_SECRET, INVENTORY, make_app

SCOPE = "lingxing:test"


@pytest.fixture
async def processes(db_dsn: str) -> AsyncIterator[list[AdvisorySlots]]:
    gates = [AdvisorySlots(lambda: connect(db_dsn), scope=SCOPE) for _ in range(3)]
    try:
        yield gates
    finally:
        for gate in gates:
            await gate.close()


async def test_processes_together_never_hold_more_than_the_cap(
    processes: list[AdvisorySlots],
) -> None:
    inside = peak = 0

    async def call(gate: AdvisorySlots) -> None:
        nonlocal inside, peak
        async with gate.slot("/path", 2):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(call(g) for g in processes for _ in range(6)))
    assert peak == 2
    assert sum(g.waits for g in processes) > 0, "the calls really competed for the slots"


async def test_a_release_in_one_process_wakes_a_waiter_in_another(db_dsn: str) -> None:
    holder = AdvisorySlots(lambda: connect(db_dsn), scope=SCOPE)
    # Polls so rare that only the release notification can wake the waiter in time.
    waiter = AdvisorySlots(lambda: connect(db_dsn), scope=SCOPE, first_poll=60, max_poll=60)
    try:
        async with holder.slot("/one", 1):
            task = asyncio.create_task(_enter(waiter, "/one"))
            while waiter.waits == 0:
                await asyncio.sleep(0.01)
            assert not task.done()
        async with asyncio.timeout(5):
            await task
    finally:
        await holder.close()
        await waiter.close()


async def _enter(gate: AdvisorySlots, key: str) -> None:
    async with gate.slot(key, 1):
        pass


async def test_a_holder_whose_connection_dies_frees_its_slot(
    processes: list[AdvisorySlots], db_dsn: str
) -> None:
    holder, waiter, _ = processes
    async with holder.slot("/one", 1):
        task = asyncio.create_task(_enter(waiter, "/one"))
        while waiter.waits == 0:
            await asyncio.sleep(0.01)
        admin = await connect(db_dsn)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert killed == 1
        async with asyncio.timeout(5):  # the waiter polls: a dead holder sends no notification
            await task
    # The dead session's release is skipped quietly and the holder reconnects for the next.
    async with asyncio.timeout(5):
        await _enter(holder, "/one")


async def test_a_cancelled_waiter_leaves_no_slot_behind(processes: list[AdvisorySlots]) -> None:
    holder, waiter, other = processes
    async with holder.slot("/one", 1):
        tasks = [asyncio.create_task(_enter(waiter, "/one")) for _ in range(3)]
        while waiter.waits < 3:
            await asyncio.sleep(0.01)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    async with asyncio.timeout(5):
        await _enter(other, "/one")
        await _enter(waiter, "/one")


async def test_an_unreachable_database_is_a_connection_error() -> None:
    async def refuse() -> asyncpg.Connection[Any]:
        raise OSError("connection refused")

    with pytest.raises(ConnectionError, match="OSError"):
        await _enter(AdvisorySlots(refuse, scope=SCOPE), "/one")


# -- with the real client and the sandbox's in-flight caps ------------------------------------


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[LingxingSandbox, str]]:
    server = TestServer(make_app())
    await server.start_server()
    try:
        assert server.app is not None
        yield server.app[SANDBOX_KEY], str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def deployment(
    db_dsn: str, url: str, *, shared_slots: bool
) -> AsyncIterator[list[LingxingClient]]:
    """Two "processes": one database-backed token store each, slots shared or not."""
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for _ in range(2):
            session = await stack.enter_async_context(aiohttp.ClientSession())
            slots = AdvisorySlots(lambda: connect(db_dsn), scope=SCOPE)
            stack.push_async_callback(slots.close)
            tokens = PgTokenStore(
                lambda: connect(db_dsn), app_key=app_fingerprint(APP_ID), app_secret=APP_SECRET
            )
            clients.append(
                LingxingClient(
                    session,
                    base_url=url,
                    app_id=APP_ID,
                    app_secret=APP_SECRET,
                    retry=RetryPolicy.never(),
                    token_store=tokens,
                    capacity=slots if shared_slots else None,
                )
            )
        yield clients


async def read_inventory(client: LingxingClient) -> None:
    async for _rows in client.iter_inventory_details("26"):
        pass


@pytest.mark.parametrize("shared_slots", [True, False])
async def test_two_processes_on_a_capacity_one_endpoint_draw_3001008_only_without_slots(
    db_dsn: str, sandbox: tuple[LingxingSandbox, str], shared_slots: bool
) -> None:
    sb, url = sandbox
    sb.add_warehouse(26, name="NJ")
    sb.add_inventory(26, "SKU-1", 5)
    sb.set_latency(0.05, INVENTORY)  # long enough for calls of both processes to overlap
    async with deployment(db_dsn, url, shared_slots=shared_slots) as clients:
        reads = [read_inventory(c) for c in clients for _ in range(4)]
        results = await asyncio.gather(*reads, return_exceptions=True)
    rejected = sb.stats()["rejected"].get(INVENTORY, 0)
    if shared_slots:
        assert [r for r in results if r is not None] == []
        assert rejected == 0
        assert sb.stats()["max_in_flight"][INVENTORY] == 1
    else:  # the control: the same load without shared slots is refused by the vendor
        assert rejected > 0
    assert sb.tokens.issued == 1
