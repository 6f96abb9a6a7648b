"""The harness of the pipeline scenario tests: the real runner and registry on the ``vendors``
sandboxes, with production clients set up for speed, and the scenario's control over them.

The clients are the production clients with two test settings: no client-side rate limits (the
DSCO sandbox's limits are switched off too, so 500 orders do not wait on DSCO's 10 req/s) and a
3 s timeout (so injected hangs become client timeouts quickly). ``short_waits`` shortens the
jobs' change-log polling budget (a dropped entry must not cost a minute per run) and the pull's
``until`` margin (DSCO's own minimum age is lowered to match), so a DSCO change is visible to
the next pull after ``PULL_MARGIN`` seconds instead of 11.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from db.pool import connect
from jobs.catalog import build_registry
from jobs.context import Clients, JobEnv, RunResult
from jobs.runner import Runner
from sdk._retry import RetryPolicy
from sdk.dsco.client import DscoClient
from sdk.lingxing.client import LingxingClient
from tests.e2e.scenario import (
    MAPPING,
    HttpControl,
    InProcessControl,
    LocalRow,
    RoundReport,
    SandboxControl,
    Scenario,
    db_rows,
)
from tests.integration.vendors import DSCO_TOKEN, LX_APP_ID, LX_APP_SECRET, Vendors

CLIENT_TIMEOUT = aiohttp.ClientTimeout(total=3.0)
UNTIL_MARGIN = 2  # the pull job asks DSCO for changes at least this old
PULL_MARGIN = UNTIL_MARGIN + 1.0  # so a DSCO change made now is seen by a pull after this
# Brief change-log polling and a 2 s pull margin instead of 10 s.
SHORT_WAITS: dict[str, Any] = {
    "dsco_until_margin": UNTIL_MARGIN,
    "change_log_timeout": 1.0,
    "change_log_poll": 0.2,
}
HANG_SECONDS = 4.0  # longer than CLIENT_TIMEOUT: the client gives up, the sandbox still works


@dataclass
class E2E:
    """Runner, sandboxes and the scenario's control over them."""

    vendors: Vendors
    runner: Runner
    control: SandboxControl
    clients: Clients

    async def run_job(self, job: str, **kwargs: Any) -> RunResult:
        return await self.runner.run(job, trigger="manual", **kwargs)

    async def rows(self) -> dict[str, LocalRow]:
        return await db_rows(self.vendors.pool)

    async def scenario(self, count: int, *, size: int, seed: int = 7) -> Scenario:
        jobs = ("push_to_lingxing", "ack_to_dsco", "ship_to_dsco", "invoice_to_dsco")
        await self.vendors.configure(
            mapping=MAPPING,
            jobs={"pull_dsco_orders": {"size": 1000}, **{job: {"size": size} for job in jobs}},
        )
        scenario = Scenario.build(self.control, count, seed=seed)
        await scenario.setup()
        return scenario

    async def play(self, scenario: Scenario, **kwargs: Any) -> list[RoundReport]:
        """``scenario.run`` with this harness's jobs, rows and pull margin."""
        kwargs.setdefault("pull_margin", PULL_MARGIN)
        return await scenario.run(self.run_job, self.rows, **kwargs)


@pytest.fixture
async def e2e(vendors: Vendors, db_dsn: str, tmp_path: Path) -> AsyncIterator[E2E]:
    retry = RetryPolicy.instant()
    base = vendors.clients.require_dsco().transport.base_url
    lx_base = vendors.clients.require_lingxing().transport.base_url
    async with aiohttp.ClientSession() as dsco_http, aiohttp.ClientSession() as lx_http:
        clients = Clients(
            dsco=DscoClient(
                dsco_http,
                base_url=base,
                token=DSCO_TOKEN,
                retry=retry,
                rate_limits={},
                timeout=CLIENT_TIMEOUT,
            ),
            lingxing=LingxingClient(
                lx_http,
                base_url=lx_base,
                app_id=LX_APP_ID,
                app_secret=LX_APP_SECRET,
                retry=retry,
                timeout=CLIENT_TIMEOUT,
            ),
        )
        runner = Runner(
            registry=build_registry(),
            pool=vendors.pool,
            connect=lambda: connect(db_dsn),
            config=vendors.config,
            clients=clients,
            env=JobEnv(
                lingxing_platform_code=10008,
                export_dir=tmp_path / "exports",
                lingxing_create_batch=10,
                **SHORT_WAITS,
            ),
        )
        vendors.dsco.set_rate_limits(False)
        vendors.dsco.update_switches(until_min_age_seconds=UNTIL_MARGIN - 1)
        yield E2E(vendors, runner, InProcessControl(vendors.dsco, vendors.lingxing), clients)


@pytest.fixture
async def e2e_http(e2e: E2E) -> AsyncIterator[E2E]:
    """The same harness, but the scenario talks to the sandboxes over their HTTP control APIs
    (as the crash-safety tests do with sandboxes in another process)."""
    clients = e2e.clients
    async with aiohttp.ClientSession() as http:
        e2e.control = HttpControl(
            http,
            dsco_url=clients.require_dsco().transport.base_url,
            lingxing_url=clients.require_lingxing().transport.base_url,
            lingxing=clients.require_lingxing(),
        )
        yield e2e
