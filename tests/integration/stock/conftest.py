"""A runner holding the stock/audit jobs, on the shared ``vendors`` sandboxes and test database.

The lead's registry (``jobs.catalog``) does not carry these jobs yet, so the tests build their
own :class:`Runner` with the same pool, config store and clients as ``vendors``; the export
directory is a per-test temporary directory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from db.pool import connect
from jobs import check_orders, cleanup_exports, pull_sku_pair, sync_stock
from jobs.context import Clients, JobEnv, RunResult
from jobs.registry import JobSpec, Registry
from jobs.runner import Runner
from sdk._retry import RetryPolicy
from sdk.dsco.client import DscoClient
from tests.integration.vendors import DSCO_TOKEN, Vendors

SPECS = [
    JobSpec("sync_stock", sync_stock.run, needs_dsco=True, needs_lingxing=True),
    JobSpec("pull_sku_pair", pull_sku_pair.run, needs_lingxing=True),
    JobSpec(
        "check_orders", check_orders.run, needs_dsco=True, needs_lingxing=True, manual_only=True
    ),
    JobSpec("cleanup_exports", cleanup_exports.run),
]


@dataclass
class Stock:
    vendors: Vendors
    export_dir: Path
    db_dsn: str
    env: JobEnv

    def runner(self, clients: Clients | None = None, **env: Any) -> Runner:
        return Runner(
            registry=Registry(SPECS),
            pool=self.vendors.pool,
            connect=lambda: connect(self.db_dsn),
            config=self.vendors.config,
            clients=clients or self.vendors.clients,
            env=replace(self.env, **env),
        )

    async def run(
        self,
        job: str,
        *,
        clients: Clients | None = None,
        env: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> RunResult:
        return await self.runner(clients, **(env or {})).run(job, trigger="manual", **kwargs)


@pytest.fixture
async def stock(vendors: Vendors, db_dsn: str, tmp_path: Path) -> Stock:
    export_dir = tmp_path / "exports"
    export_dir.mkdir()
    env = JobEnv(lingxing_platform_code=10008, export_dir=export_dir)
    return Stock(vendors=vendors, export_dir=export_dir, db_dsn=db_dsn, env=env)


@pytest.fixture
async def unlimited_dsco(vendors: Vendors) -> AsyncIterator[Clients]:
    """Clients whose DSCO side has no client-side rate limits (and the sandbox's are off)."""
    assert vendors.clients.dsco is not None
    vendors.dsco.set_rate_limits(False)
    async with aiohttp.ClientSession() as http:
        dsco = DscoClient(
            http,
            base_url=vendors.clients.dsco.transport.base_url,
            token=DSCO_TOKEN,
            retry=RetryPolicy.instant(),
            rate_limits={},
        )
        yield Clients(dsco=dsco, lingxing=vendors.clients.lingxing)
