"""Core objects every entry point needs: database, runtime config, vendor clients, runner.

``open_core`` is the lower half of the composition root; ``daemon.app`` adds the scheduler,
the HTTP listener and systemd notifications on top for ``dsco-lingxing run``.

Every process of a deployment (daemons, ``job run``) shares the Lingxing token and endpoint
capacities through the database: the Lingxing client gets the stored token
(``db.lingxing_token``) and the endpoint slots (``db.endpoint_slots``), see docs/deployment.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
from loguru import logger

from daemon.election import new_instance_id
from daemon.metrics.runs import attach_run_metrics
from daemon.settings import Settings
from db.embedded import embedded_postgres
from db.endpoint_slots import AdvisorySlots
from db.lingxing_token import PgTokenStore
from db.migrate import migrate
from db.pool import connect, create_pool
from jobs.catalog import SCHEMA, build_registry
from jobs.config_store import RuntimeConfigStore
from jobs.context import Clients, JobEnv
from jobs.runner import Runner
from jobs.runtime_config import Capabilities
from sdk._limits import CallStats
from sdk.dsco.client import DscoClient
from sdk.lingxing.client import LingxingClient
from sdk.lingxing.token_store import app_fingerprint

_VENDOR_TIMEOUT = aiohttp.ClientTimeout(total=60, connect=10, sock_read=45)


@dataclass
class Core:
    """What every entry point needs: database, config, clients and the runner."""

    settings: Settings
    dsn: str
    pool: asyncpg.Pool[asyncpg.Record]
    config: RuntimeConfigStore
    clients: Clients
    runner: Runner
    vendor_stats: CallStats
    instance_id: str = field(default_factory=new_instance_id)


def capabilities(settings: Settings) -> Capabilities:
    return Capabilities(
        dsco=settings.has_dsco,
        lingxing=settings.has_lingxing,
        lingxing_platform_code=settings.integration.lingxing.platform_code is not None,
    )


def lingxing_timezone(settings: Settings) -> ZoneInfo:
    """The zone of Lingxing's naive datetimes and calendar dates, for every consumer."""
    return ZoneInfo(settings.integration.lingxing.timezone)


def job_env(settings: Settings) -> JobEnv:
    lx = settings.integration.lingxing
    return JobEnv(
        lingxing_platform_code=lx.platform_code,
        lingxing_timezone=lingxing_timezone(settings),
        lingxing_create_batch=lx.create_batch,
        export_dir=settings.export_dir,
        cleanup_threshold_bytes=settings.admin.export.cleanup_threshold_bytes,
        warehouse_sync_retention_days=settings.admin.warehouse_sync_retention_days,
        max_range_days=settings.admin.export.max_range_days,
    )


@contextlib.asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[str]:
    """Yield the DSN: the configured one, or an embedded server's under ``state_dir`` (D1)."""
    dsn = settings.db.dsn.get_secret_value()
    if dsn:
        yield dsn
        return
    async with embedded_postgres(settings.base.state_dir / "pgdata") as embedded_dsn:
        yield embedded_dsn


async def run_migrations(dsn: str) -> list[str]:
    conn = await connect(dsn)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def vendor_clients(settings: Settings, stats: CallStats, dsn: str) -> AsyncIterator[Clients]:
    """One ``ClientSession`` per vendor for the whole process; clients only with credentials.

    The Lingxing client shares its token and endpoint capacities with every other process on
    the database at ``dsn``."""
    async with contextlib.AsyncExitStack() as stack:
        dsco = lingxing = None
        if settings.has_dsco:
            session = await stack.enter_async_context(_session())
            token = settings.auth.dsco.token
            assert token is not None
            dsco = DscoClient(
                session,
                base_url=settings.integration.dsco.base_url,
                token=token.get_secret_value(),
                stats=stats,
            )
        if settings.has_lingxing:
            session = await stack.enter_async_context(_session())
            lx = settings.auth.lingxing
            assert lx.app_id is not None
            assert lx.app_secret is not None
            app_id, app_secret = lx.app_id.get_secret_value(), lx.app_secret.get_secret_value()
            app_key = app_fingerprint(app_id)
            tokens = PgTokenStore(lambda: connect(dsn), app_key=app_key, app_secret=app_secret)
            slots = AdvisorySlots(lambda: connect(dsn), scope=f"lingxing:{app_key}")
            stack.push_async_callback(slots.close)
            lingxing = LingxingClient(
                session,
                base_url=settings.integration.lingxing.base_url,
                app_id=app_id,
                app_secret=app_secret,
                timezone=lingxing_timezone(settings),
                stats=stats,
                token_store=tokens,
                capacity=slots,
            )
        yield Clients(dsco=dsco, lingxing=lingxing)


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=_VENDOR_TIMEOUT, raise_for_status=False)


@contextlib.asynccontextmanager
async def open_core(settings: Settings) -> AsyncIterator[Core]:
    """Database (embedded or not) → migrations → pool → runtime config → clients → runner."""
    async with contextlib.AsyncExitStack() as stack:
        dsn = await stack.enter_async_context(database(settings))
        applied = await run_migrations(dsn)
        if applied:
            logger.info("migrations applied: {}", ", ".join(applied))
        pool = await create_pool(dsn, min_size=settings.db.pool_min, max_size=settings.db.pool_max)
        stack.push_async_callback(pool.close)
        config = RuntimeConfigStore(pool, schema=SCHEMA, capabilities=capabilities(settings))
        await config.load()
        stats = CallStats()
        clients = await stack.enter_async_context(vendor_clients(settings, stats, dsn))
        runner = Runner(
            registry=build_registry(),
            pool=pool,
            connect=lambda: connect(dsn),
            config=config,
            clients=clients,
            env=job_env(settings),
            timeout=lambda _job: settings.runtime.job_timeout_seconds,
        )
        attach_run_metrics(runner)  # before any run, so /metrics times every one of them
        yield Core(settings, dsn, pool, config, clients, runner, stats)
