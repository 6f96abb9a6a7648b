"""Both vendor sandboxes as real HTTP servers, the real clients pointed at them, and a way to
run any job through the real runner on the test database.

``tests/integration/conftest.py`` makes the ``vendors`` fixture available to every
integration test::

    async def test_x(vendors: Vendors) -> None:
        vendors.dsco.generate_orders(count=5)
        result = await vendors.run("pull_dsco_orders")
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from loguru import logger

from db.pool import connect
from jobs.catalog import SCHEMA, build_registry
from jobs.config_store import RuntimeConfigStore
from jobs.context import Clients, JobEnv, RunResult, Trigger
from jobs.runner import Runner
from jobs.runtime_config import Capabilities, config_to_json
from sdk._retry import RetryPolicy
from sdk.dsco.client import DscoClient
from sdk.dsco.sandbox import SANDBOX_KEY as DSCO_SANDBOX_KEY
from sdk.dsco.sandbox import DscoSandbox
from sdk.dsco.sandbox import create_app as create_dsco_app
from sdk.dsco.sandbox.switches import SandboxSwitches
from sdk.lingxing.client import LingxingClient
from sdk.lingxing.sandbox import LingxingSandbox
from sdk.lingxing.sandbox import create_app as create_lingxing_app
from sdk.lingxing.sandbox.keys import SANDBOX_KEY as LINGXING_KEY

DSCO_TOKEN = "test-dsco-token-0123456789"
LX_APP_ID = "ak_test123456789"  # 16 bytes: AES-128
LX_APP_SECRET = "c2VjcmV0LXNlY3JldA=="
DOMAIN = "dsco_lingxing"


@dataclass
class Vendors:
    dsco: DscoSandbox
    lingxing: LingxingSandbox
    clients: Clients
    runner: Runner
    config: RuntimeConfigStore
    pool: asyncpg.Pool[asyncpg.Record]
    dsn: str

    async def configure(self, **changes: Any) -> None:
        """Save runtime config: ``jobs={name: {...}}`` merges per job; ``mapping`` per kind."""
        raw = config_to_json(self.config.snapshot.config)
        for name, fields in changes.get("jobs", {}).items():
            raw["jobs"][name].update(fields)
        for kind, values in changes.get("mapping", {}).items():
            raw["mapping"][kind] = values
        await self.config.save(raw, domain=DOMAIN)

    async def run(self, job: str, *, trigger: Trigger = "manual", **kwargs: Any) -> RunResult:
        return await self.runner.run(job, trigger=trigger, **kwargs)


def job_env(**changes: Any) -> JobEnv:
    """The jobs' settings in integration tests: the sandbox's platform code, and DSCO's ``until``
    right now (the sandbox is told to accept it), so that a change a test makes in DSCO is seen
    by the very next run. Tests of the real margin set ``dsco_until_margin`` themselves."""
    return JobEnv(**{"lingxing_platform_code": 10008, "dsco_until_margin": 0, **changes})


def make_runner(
    pool: asyncpg.Pool[asyncpg.Record],
    dsn: str,
    config: RuntimeConfigStore,
    clients: Clients,
    env: JobEnv,
) -> Runner:
    """A runner with the daemon's real registry (jobs/catalog.py)."""
    return Runner(
        registry=build_registry(),
        pool=pool,
        connect=lambda: connect(dsn),
        config=config,
        clients=clients,
        env=env,
    )


def runner_with(
    vendors: Vendors, *, clients: Clients | None = None, env: JobEnv | None = None
) -> Runner:
    """Like ``vendors.runner`` but with other clients or job settings."""
    return make_runner(
        vendors.pool,
        vendors.dsn,
        vendors.config,
        clients or vendors.clients,
        env or job_env(),
    )


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every log line (its po_number, then the message) written inside the block."""
    lines: list[str] = []
    sink = logger.add(
        lambda m: lines.append(f"{m.record['extra'].get('po_number', '')} {m.record['message']}"),
        level="DEBUG",
    )
    try:
        yield lines
    finally:
        logger.remove(sink)


def logged_reasons(lines: list[str], po: str) -> list[str]:
    """The ``reason=`` codes logged for ``po``."""
    return [
        word.removeprefix("reason=")
        for line in lines
        if line.startswith(po + " ")
        for word in line.split()
        if word.startswith("reason=")
    ]


def _dsco_state(app: Any) -> DscoSandbox:
    state: DscoSandbox = app[DSCO_SANDBOX_KEY]
    return state


@pytest.fixture
async def vendors(
    pool: asyncpg.Pool[asyncpg.Record], db_dsn: str, tmp_path: Path
) -> AsyncIterator[Vendors]:
    # ``until`` may be now (see job_env); kept through the sandbox's resets.
    switches = SandboxSwitches(until_min_age_seconds=0)
    dsco_server = TestServer(create_dsco_app(token=DSCO_TOKEN, switches=switches))
    lx_server = TestServer(create_lingxing_app(app_id=LX_APP_ID, app_secret=LX_APP_SECRET))
    await dsco_server.start_server()
    await lx_server.start_server()
    retry = RetryPolicy.instant()
    async with aiohttp.ClientSession() as dsco_http, aiohttp.ClientSession() as lx_http:
        clients = Clients(
            dsco=DscoClient(
                dsco_http,
                base_url=str(dsco_server.make_url("")).rstrip("/"),
                token=DSCO_TOKEN,
                retry=retry,
            ),
            lingxing=LingxingClient(
                lx_http,
                base_url=str(lx_server.make_url("")).rstrip("/"),
                app_id=LX_APP_ID,
                app_secret=LX_APP_SECRET,
                retry=retry,
            ),
        )
        config = RuntimeConfigStore(pool, schema=SCHEMA, capabilities=Capabilities.everything())
        await config.load()
        env = job_env(export_dir=tmp_path / "exports")
        runner = make_runner(pool, db_dsn, config, clients, env)
        try:
            yield Vendors(
                dsco=_dsco_state(dsco_server.app),
                lingxing=lx_server.app[LINGXING_KEY],
                clients=clients,
                runner=runner,
                config=config,
                pool=pool,
                dsn=db_dsn,
            )
        finally:
            await dsco_server.close()
            await lx_server.close()


__all__ = ["Vendors", "vendors"]
