"""Runs of the stock/audit jobs on the shared ``vendors`` sandboxes and test database.

``Stock.runner`` is the real registry (``jobs.catalog``) with per-test job settings: the
export directory is a per-test temporary directory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from jobs.context import Clients, JobEnv, RunResult
from jobs.runner import Runner
from sdk._retry import RetryPolicy
from sdk.dsco.client import DscoClient
from tests.integration.vendors import DSCO_TOKEN, Vendors, job_env, runner_with


@dataclass
class Stock:
    vendors: Vendors
    export_dir: Path
    db_dsn: str
    env: JobEnv

    def runner(self, clients: Clients | None = None, **env: Any) -> Runner:
        return runner_with(self.vendors, clients=clients, env=replace(self.env, **env))

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
    env = job_env(export_dir=export_dir)
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
