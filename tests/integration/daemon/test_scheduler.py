"""The scheduler loop against a real runner and database, with a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from loguru import logger

from daemon.scheduler import Scheduler
from db.pool import connect
from jobs import cleanup_exports
from jobs.catalog import SCHEMA
from jobs.config_store import RuntimeConfigStore
from jobs.context import Clients, JobContext, JobEnv
from jobs.registry import Registry
from jobs.runner import Runner
from jobs.runtime_config import Capabilities, config_to_json

START = datetime(2026, 11, 24, 10, 0, 30, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class SlowJob:
    calls: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, ctx: JobContext) -> None:
        self.calls += 1
        await self.release.wait()


@dataclass
class Rig:
    scheduler: Scheduler
    store: RuntimeConfigStore
    clock: FakeClock
    job: SlowJob
    logs: list[str]
    leading: list[bool]  # what the election says (one instance of a deployment leads)


async def _until(predicate: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


@pytest.fixture
async def rig(pool: asyncpg.Pool[asyncpg.Record], db_dsn: str) -> AsyncIterator[Rig]:
    clock = FakeClock()
    store = RuntimeConfigStore(pool, schema=SCHEMA, capabilities=Capabilities(True, True, True))
    await store.load()  # default: cleanup_exports enabled, "0 0 * * * *"
    job = SlowJob()
    runner = Runner(
        registry=Registry([replace(cleanup_exports.JOB, run=job)]),
        pool=pool,
        connect=lambda: connect(db_dsn),
        config=store,
        clients=Clients(),
        env=JobEnv(),
    )
    leading = [True]
    scheduler = Scheduler(
        runner,
        store,
        clock=clock,
        poll_interval=3600,
        max_sleep=0.02,
        leader=lambda: leading[0],
    )
    logs: list[str] = []
    sink = logger.add(lambda m: logs.append(str(m)), format="{message}", level="INFO")
    task = asyncio.create_task(scheduler.run())
    await _until(lambda: "cleanup_exports" in scheduler.next_fires)
    try:
        yield Rig(scheduler, store, clock, job, logs, leading)
    finally:
        job.release.set()
        await scheduler.stop(grace=5)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        logger.remove(sink)


async def test_save_moves_the_next_fire_at_once(rig: Rig) -> None:
    assert rig.scheduler.next_fires["cleanup_exports"] == datetime(2026, 11, 24, 11, tzinfo=UTC)
    raw = config_to_json(SCHEMA.default())
    raw["jobs"]["cleanup_exports"]["cron"] = "0 */5 * * * *"
    await rig.store.save(raw, domain="dsco_lingxing")
    assert rig.scheduler.next_fires["cleanup_exports"] == datetime(2026, 11, 24, 10, 5, tzinfo=UTC)


async def test_disabling_a_job_unschedules_it(rig: Rig) -> None:
    raw = config_to_json(SCHEMA.default())
    raw["jobs"]["cleanup_exports"]["enable"] = False
    await rig.store.save(raw, domain="dsco_lingxing")
    assert "cleanup_exports" not in rig.scheduler.next_fires


async def test_fire_runs_job_and_overlapping_fire_is_skipped(rig: Rig) -> None:
    rig.clock.now = datetime(2026, 11, 24, 11, 0, 0, tzinfo=UTC)
    rig.scheduler.wake()
    await _until(lambda: rig.job.calls == 1)
    rig.clock.now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    rig.scheduler.wake()
    await _until(lambda: any("skipped" in line for line in rig.logs))
    assert rig.job.calls == 1
    rig.job.release.set()


async def test_missed_fires_run_once_not_as_a_storm(rig: Rig) -> None:
    rig.job.release.set()  # runs finish at once
    rig.clock.now = START + timedelta(hours=10)  # ten hourly fires missed while stalled
    rig.scheduler.wake()
    await _until(lambda: rig.job.calls >= 1)
    await asyncio.sleep(0.2)  # room for any (wrong) catch-up fires
    assert rig.job.calls == 1
    assert rig.scheduler.next_fires["cleanup_exports"] == datetime(2026, 11, 24, 21, tzinfo=UTC)


async def test_change_saved_by_another_process_is_picked_up_by_poll(rig: Rig, db_dsn: str) -> None:
    from db.pool import create_pool

    other = await create_pool(db_dsn, min_size=1, max_size=2)
    try:
        writer = RuntimeConfigStore(
            other, schema=SCHEMA, capabilities=Capabilities(True, True, True)
        )
        await writer.load()
        raw = config_to_json(SCHEMA.default())
        raw["jobs"]["cleanup_exports"]["cron"] = "0 30 10 * * *"
        await writer.save(raw, domain="dsco_lingxing")
    finally:
        await other.close()
    assert await rig.store.poll()
    assert rig.scheduler.next_fires["cleanup_exports"] == datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


async def _ticks(scheduler: Scheduler, n: int = 3) -> None:
    """Wait until the loop has gone round ``n`` more times."""
    for _ in range(n):
        seen = scheduler.last_tick
        await _until(lambda seen=seen: scheduler.last_tick != seen)


async def test_a_standby_instance_fires_nothing_and_a_new_leader_starts_from_now(
    rig: Rig,
) -> None:
    rig.job.release.set()
    rig.leading[0] = False
    rig.clock.now = datetime(2026, 11, 24, 11, 0, 5, tzinfo=UTC)  # the 11:00 fire has come
    rig.scheduler.wake()
    await _ticks(rig.scheduler)
    assert rig.job.calls == 0
    assert not rig.scheduler.leading
    rig.leading[0] = True  # the leader died; this instance took the schedule over
    rig.scheduler.wake()
    await _until(lambda: rig.scheduler.leading)
    # No catch-up of the fire the other instance owned: the next one is 12:00.
    assert rig.scheduler.next_fires["cleanup_exports"] == datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert rig.job.calls == 0
    rig.clock.now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    rig.scheduler.wake()
    await _until(lambda: rig.job.calls == 1)
