"""The schedule election (daemon.election) on a real database: several instances, one leader,
takeover when the leader's session dies, immediate handover on a clean stop, and what the
instance table says about it (db.instances)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest

from daemon.election import Election, schedule_lock
from db.instances import Instance, list_instances
from db.pool import connect

DOMAIN = "dsco_lingxing"


@pytest.fixture
async def instances(db_dsn: str) -> AsyncIterator[list[Election]]:
    elections = [
        Election(lambda: connect(db_dsn), domain=DOMAIN, instance_id=f"vm{n}", interval=60)
        for n in (1, 2, 3)
    ]
    try:
        yield elections
    finally:
        for election in elections:
            await election.close()


async def table(pool: asyncpg.Pool[asyncpg.Record]) -> dict[str, Instance]:
    rows = await list_instances(pool, schedule_lock=schedule_lock(DOMAIN), seen_since=0)
    return {r.instance_id: r for r in rows}


async def test_exactly_one_instance_runs_the_schedule(
    instances: list[Election], pool: asyncpg.Pool[asyncpg.Record]
) -> None:
    for election in instances:
        await election.tick()
    for _ in range(2):  # standbys keep trying; the lock stays where it is
        for election in instances:
            await election.tick()
    assert [e.leading for e in instances] == [True, False, False]
    rows = await table(pool)
    assert {i: r.runs_schedule for i, r in rows.items()} == {
        "vm1": True,
        "vm2": False,
        "vm3": False,
    }
    assert all(r.stopped_at is None and r.last_seen > 0 for r in rows.values())


async def test_a_leader_whose_session_dies_is_replaced_at_the_next_tick(
    instances: list[Election], pool: asyncpg.Pool[asyncpg.Record]
) -> None:
    first, second, _ = instances
    await first.tick()
    await second.tick()
    # What a SIGKILL or (after the keep-alive timeout) a lost VM does to the leader's session.
    killed = await pool.fetchval(
        "SELECT pg_terminate_backend(backend_pid) FROM daemon_instance WHERE instance_id = 'vm1'"
    )
    assert killed
    await second.tick()
    assert second.leading
    async with asyncio.timeout(5):
        while first.leading:  # the old leader notices its session is gone and steps down
            await asyncio.sleep(0.01)
    await first.tick()  # reconnects as a standby
    assert not first.leading
    rows = await table(pool)
    assert (rows["vm1"].runs_schedule, rows["vm2"].runs_schedule) == (False, True)


async def test_a_clean_stop_hands_over_without_waiting_for_a_tick(
    instances: list[Election], pool: asyncpg.Pool[asyncpg.Record]
) -> None:
    first, second, _ = instances
    await first.tick()
    changes: list[bool] = []
    second.on_change = changes.append
    standby = asyncio.create_task(second.run())  # ticks every 60 s: only a notice wakes it
    try:
        async with asyncio.timeout(5):
            while "vm2" not in await table(pool):  # its first tick is done: it listens
                await asyncio.sleep(0.01)
        started = time.monotonic()
        await first.close()
        async with asyncio.timeout(5):
            while not second.leading:
                await asyncio.sleep(0.01)
        assert time.monotonic() - started < 5
        assert changes == [True]
    finally:
        await second.close()
        standby.cancel()
        await asyncio.gather(standby, return_exceptions=True)
    rows = await table(pool)
    assert rows["vm1"].stopped_at is not None
    assert not rows["vm1"].runs_schedule


async def test_a_standby_without_database_stays_standby_and_recovers(db_dsn: str) -> None:
    down = [True]

    async def flaky() -> asyncpg.Connection[asyncpg.Record]:
        if down[0]:
            raise OSError("database restarting")
        return await connect(db_dsn)

    election = Election(flaky, domain=DOMAIN, instance_id="vm9", interval=60)
    try:
        await election.tick()
        assert not election.leading
        down[0] = False
        await election.tick()
        assert election.leading
    finally:
        await election.close()
