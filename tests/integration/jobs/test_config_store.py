from __future__ import annotations

import copy
from typing import Any

import asyncpg
import pytest

from db import runtime_config as stored_config
from db.pool import create_pool
from jobs.catalog import SCHEMA
from jobs.config_store import RuntimeConfigStore, VersionConflictError
from jobs.runtime_config import Capabilities, RuntimeConfigError, config_to_json

CAPS = Capabilities(dsco=True, lingxing=True, lingxing_platform_code=True)
DOMAIN = "dsco_lingxing"


class FrozenClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _store(
    pool: asyncpg.Pool[asyncpg.Record], clock: FrozenClock | None = None
) -> RuntimeConfigStore:
    return RuntimeConfigStore(pool, schema=SCHEMA, capabilities=CAPS, clock=clock or FrozenClock())


def _valid() -> dict[str, Any]:
    return config_to_json(SCHEMA.default())


BAD_SAVES = [
    (
        "jobs.pull_dsco_orders.cron",
        lambda c: c["jobs"]["pull_dsco_orders"].update(cron="*/5 * * * *"),
    ),
    (
        "jobs.no_such_job",
        lambda c: c["jobs"].update(no_such_job={"enable": False, "cron": "0 * * * * *", "size": 1}),
    ),
    ("jobs.push_to_lingxing.size", lambda c: c["jobs"]["push_to_lingxing"].update(size=0)),
    ("mapping.sku", lambda c: c["mapping"].update(sku={"A": "X", "B": "X"})),
    ("mapping.warehouse", lambda c: c["mapping"].update(warehouse={"W1": "26", "W2": "26"})),
    ("mapping.shop", lambda c: c["mapping"].update(shop={"1000011436": "12a"})),
    ("domain", lambda c: c.update(domain="other")),
]


@pytest.mark.parametrize(("path", "mutate"), BAD_SAVES, ids=[p for p, _ in BAD_SAVES])
async def test_bad_save_is_rejected_with_the_field_path_and_changes_nothing(
    pool: asyncpg.Pool[asyncpg.Record], path: str, mutate: Any
) -> None:
    store = _store(pool)
    before = await store.load()
    raw = copy.deepcopy(_valid())
    mutate(raw)
    with pytest.raises(RuntimeConfigError) as info:
        await store.save(raw, domain=DOMAIN)
    assert path in str(info.value)
    assert store.snapshot == before
    stored = await pool.fetchrow("SELECT config, version FROM runtime_config")
    assert stored["version"] == before.version
    assert stored["config"] == config_to_json(before.config)


async def test_request_domain_must_match(pool: asyncpg.Pool[asyncpg.Record]) -> None:
    store = _store(pool)
    await store.load()
    with pytest.raises(RuntimeConfigError, match="domain"):
        await store.save(_valid(), domain="another_domain")


async def test_first_load_inserts_the_default_once(pool: asyncpg.Pool[asyncpg.Record]) -> None:
    first = await _store(pool).load()
    second = await _store(pool).load()
    assert first.version == second.version == 1
    assert first.config == SCHEMA.default()
    assert first.config.job("cleanup_exports").enable
    assert await pool.fetchval("SELECT count(*) FROM runtime_config") == 1


async def test_valid_save_swaps_snapshot_and_notifies(pool: asyncpg.Pool[asyncpg.Record]) -> None:
    store = _store(pool)
    await store.load()
    seen = []
    store.subscribe(seen.append)
    raw = _valid()
    raw["jobs"]["cleanup_exports"]["cron"] = "30 0 * * * *"
    snap = await store.save(raw, domain=DOMAIN)
    assert snap.version == 2
    assert store.snapshot.config.job("cleanup_exports").cron == "30 0 * * * *"
    assert seen == [snap]


async def test_second_save_in_same_second_is_seen_by_another_process(
    pool: asyncpg.Pool[asyncpg.Record], db_dsn: str
) -> None:
    clock = FrozenClock()  # both saves share one updated_at second
    writer = _store(pool, clock)
    await writer.load()
    other_pool = await create_pool(db_dsn, min_size=1, max_size=2)  # "another process"
    try:
        reader = _store(other_pool, clock)
        await reader.load()
        for cron in ("1 0 * * * *", "2 0 * * * *"):
            raw = _valid()
            raw["jobs"]["cleanup_exports"]["cron"] = cron
            await writer.save(raw, domain=DOMAIN)
            assert await reader.poll() is True
            assert reader.snapshot.config.job("cleanup_exports").cron == cron
        assert await reader.poll() is False
    finally:
        await other_pool.close()


async def test_compare_and_swap_refuses_a_stale_version(pool: asyncpg.Pool[asyncpg.Record]) -> None:
    store = _store(pool)
    snap = await store.load()
    await store.save(_valid(), domain=DOMAIN, expected_version=snap.version)
    with pytest.raises(VersionConflictError):
        await store.save(_valid(), domain=DOMAIN, expected_version=snap.version)


async def test_a_late_read_of_an_older_version_never_replaces_a_newer_one(
    pool: asyncpg.Pool[asyncpg.Record],
) -> None:
    """A poll that read version N can finish after this process activated N+1 (its own save):
    the live config never goes back."""
    store = _store(pool)
    first = await store.load()
    stale = await stored_config.load(pool, store.domain)
    assert stale is not None
    raw = _valid()
    raw["jobs"]["sync_stock"]["size"] = 77
    saved = await store.save(raw, domain=store.domain)
    assert saved.version == first.version + 1
    assert store._activate(stale) is saved  # the late read of the older version changes nothing
    assert store.snapshot.config.job("sync_stock").size == 77
