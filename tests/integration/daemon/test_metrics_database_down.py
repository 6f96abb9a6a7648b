"""``/metrics`` while the database is in trouble: 200, the in-memory families, ``database_up 0``.

The in-memory counters are what an operator needs most exactly when the database fails, so a
failed order query must cost only the database-backed families.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from daemon.core import Core
from daemon.settings import Settings
from daemon.web import create_web_app
from db.pool import create_pool
from jobs.context import JobEnv
from tests.conftest import with_database
from tests.integration.vendors import Vendors, make_runner

DB_FAMILIES = {"dsco_lingxing_orders", "dsco_lingxing_orders_oldest_age_seconds"}


@dataclass
class Daemon:
    """The daemon's core and web app over a pool of the test's choosing."""

    core: Core
    http: TestClient[Any, Any]

    async def scrape(self) -> dict[str, list[Sample]]:
        resp = await self.http.get("/metrics")
        assert resp.status == 200, await resp.text()
        text = await resp.text()
        return {f.name: f.samples for f in text_string_to_metric_families(text)}


async def daemon_over(
    vendors: Vendors, aiohttp_client: Any, pool: asyncpg.Pool[asyncpg.Record], dsn: str, tmp: Path
) -> Daemon:
    env = JobEnv(lingxing_platform_code=10008, export_dir=tmp / "exports")
    runner = make_runner(pool, dsn, vendors.config, vendors.clients, env)
    stats = vendors.clients.require_dsco().transport.stats
    core = Core(Settings(), dsn, pool, vendors.config, vendors.clients, runner, stats)
    app = create_web_app(core=core, scheduler=None, settings=core.settings)
    return Daemon(core, await aiohttp_client(app))


def value(samples: list[Sample], **labels: str) -> float:
    [match] = [s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())]
    return match


def unused_port_dsn(dsn: str) -> str:
    """The same DSN pointing at a local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    parts = urlsplit(dsn)
    credentials = parts.netloc.rpartition("@")[0]
    host = f"127.0.0.1:{port}"
    return parts._replace(netloc=f"{credentials}@{host}" if credentials else host).geturl()


@pytest.fixture
async def dead_pool(db_dsn: str) -> AsyncIterator[tuple[asyncpg.Pool[asyncpg.Record], str]]:
    """A pool whose server is gone (min_size=0: creating it connects to nothing)."""
    dsn = unused_port_dsn(db_dsn)
    pool = await create_pool(dsn, min_size=0, max_size=2)
    try:
        yield pool, dsn
    finally:
        await pool.close()


async def test_a_dead_database_drops_only_the_order_families(
    vendors: Vendors,
    aiohttp_client: Any,
    dead_pool: tuple[asyncpg.Pool[asyncpg.Record], str],
    tmp_path: Path,
) -> None:
    pool, dsn = dead_pool
    daemon = await daemon_over(vendors, aiohttp_client, pool, dsn, tmp_path)
    [po] = vendors.dsco.generate_orders(count=1)
    assert await vendors.clients.require_dsco().get_order(po) is not None
    result = await daemon.core.runner.run("cleanup_exports", trigger="manual")
    assert result.status == "failed"  # the runner cannot take its lock either

    metrics = await daemon.scrape()

    assert value(metrics["dsco_lingxing_database_up"]) == 0.0
    assert not DB_FAMILIES & metrics.keys()
    runs = metrics["dsco_lingxing_job_runs"]
    assert value(runs, job_name="cleanup_exports", outcome="failed") == 1.0
    calls = metrics["dsco_lingxing_vendor_calls"]
    assert value(calls, vendor="dsco", endpoint="GET /order/", outcome="ok") == 1.0
    assert metrics["process_start_time_seconds"]


async def _set_connections(pg_server_dsn: str, database: str, *, allowed: bool) -> None:
    conn = await asyncpg.connect(with_database(pg_server_dsn, "postgres"))
    try:
        await conn.execute(f"ALTER DATABASE {database} ALLOW_CONNECTIONS {str(allowed).lower()}")
        if not allowed:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
    finally:
        await conn.close()


async def test_order_families_come_back_with_the_database(
    vendors: Vendors, aiohttp_client: Any, pg_server_dsn: str, db_dsn: str, tmp_path: Path
) -> None:
    pool = await create_pool(db_dsn, min_size=1, max_size=2)
    database = urlsplit(db_dsn).path.lstrip("/")
    try:
        daemon = await daemon_over(vendors, aiohttp_client, pool, db_dsn, tmp_path)
        before = await daemon.scrape()
        assert value(before["dsco_lingxing_database_up"]) == 1.0
        assert before.keys() >= DB_FAMILIES

        await _set_connections(pg_server_dsn, database, allowed=False)
        try:
            down = await daemon.scrape()
        finally:
            await _set_connections(pg_server_dsn, database, allowed=True)
        assert value(down["dsco_lingxing_database_up"]) == 0.0
        assert not DB_FAMILIES & down.keys()
        assert "dsco_lingxing_vendor_calls" in down

        again = await daemon.scrape()
        assert value(again["dsco_lingxing_database_up"]) == 1.0
        assert value(again["dsco_lingxing_orders"], status="1") == 0.0
    finally:
        await pool.close()
