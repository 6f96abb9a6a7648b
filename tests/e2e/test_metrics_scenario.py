"""``/metrics`` after the order pipeline ran end to end: the numbers are the ones that happened.

The pipeline scenario (:mod:`tests.e2e.scenario`) plays through the real runner against both
sandboxes, with clients that share one ``CallStats`` as the daemon's do; then ``/metrics`` is
scraped over HTTP and parsed with ``prometheus_client``'s own parser. Every figure is checked
against an independent witness: the runs the test made, the statuses the scenario predicts
(verified against the database), and the calls each sandbox recorded.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from daemon.core import Core
from daemon.settings import Settings
from daemon.web import create_web_app
from jobs.context import Clients, JobEnv, RunResult
from sdk._limits import CallStats
from sdk._retry import RetryPolicy
from sdk.dsco.client import DscoClient
from sdk.lingxing.client import LingxingClient
from tests.e2e.scenario import InProcessControl
from tests.e2e.scenario_harness import CLIENT_TIMEOUT, E2E, SHORT_WAITS, UNTIL_MARGIN
from tests.integration.vendors import DSCO_TOKEN, LX_APP_ID, LX_APP_SECRET, Vendors, make_runner

STUCK_SECONDS = 90_000  # more than a day: what the "stuck in status" alert looks for


@dataclass
class WallClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    e2e: E2E
    http: TestClient[Any, Any]
    clock: WallClock

    async def scrape(self) -> dict[str, list[Sample]]:
        """``GET /metrics``, parsed: family name → samples."""
        resp = await self.http.get("/metrics")
        assert resp.status == 200
        families = text_string_to_metric_families(await resp.text())
        return {family.name: family.samples for family in families}


@pytest.fixture
async def rig(
    vendors: Vendors, db_dsn: str, tmp_path: Path, aiohttp_client: Any
) -> AsyncIterator[Rig]:
    """The e2e harness wired as the daemon is: one CallStats shared by both clients, the web
    app (and so its metrics) built before any run."""
    stats = CallStats()
    retry = RetryPolicy.instant()
    async with aiohttp.ClientSession() as dsco_http, aiohttp.ClientSession() as lx_http:
        clients = Clients(
            dsco=DscoClient(
                dsco_http,
                base_url=vendors.clients.require_dsco().transport.base_url,
                token=DSCO_TOKEN,
                retry=retry,
                rate_limits={},
                timeout=CLIENT_TIMEOUT,
                stats=stats,
            ),
            lingxing=LingxingClient(
                lx_http,
                base_url=vendors.clients.require_lingxing().transport.base_url,
                app_id=LX_APP_ID,
                app_secret=LX_APP_SECRET,
                retry=retry,
                timeout=CLIENT_TIMEOUT,
                stats=stats,
            ),
        )
        env = JobEnv(
            lingxing_platform_code=10008,
            export_dir=tmp_path / "exports",
            lingxing_create_batch=10,
            **SHORT_WAITS,
        )
        runner = make_runner(vendors.pool, db_dsn, vendors.config, clients, env)
        vendors.dsco.set_rate_limits(False)
        vendors.dsco.update_switches(until_min_age_seconds=UNTIL_MARGIN - 1)
        settings = Settings.model_validate({})
        core = Core(settings, db_dsn, vendors.pool, vendors.config, clients, runner, stats)
        clock = WallClock()
        app = create_web_app(core=core, scheduler=None, settings=settings, wall_clock=clock)
        control = InProcessControl(vendors.dsco, vendors.lingxing)
        yield Rig(E2E(vendors, runner, control, clients), await aiohttp_client(app), clock)


def by(samples: list[Sample], *labels: str, suffix: str = "") -> dict[tuple[str, ...], float]:
    """``{label values: value}`` of the samples whose name ends with ``suffix``."""
    return {
        tuple(s.labels[label] for label in labels): s.value
        for s in samples
        if s.name.endswith(suffix)
    }


async def test_metrics_after_the_pipeline_ran_match_what_happened(rig: Rig) -> None:
    e2e = rig.e2e
    scenario = await e2e.scenario(24, size=50)
    runs: Counter[tuple[str, str]] = Counter()

    async def run_job(job: str, **kwargs: Any) -> RunResult:
        result = await e2e.run_job(job, **kwargs)
        runs[(job, result.status)] += 1
        return result

    await scenario.run(run_job, e2e.rows, pull_margin=UNTIL_MARGIN + 1.0, max_rounds=12)
    rows = await e2e.rows()
    assert not await scenario.verify(rows)

    # One order has been waiting in its status for more than a day.
    stuck = min(rows, key=lambda po: (rows[po].status, po))
    rig.clock.now = time.time() + 60
    await e2e.vendors.pool.execute(
        "UPDATE dsco_order_sync SET status_since = $1 WHERE po_number = $2",
        int(rig.clock.now) - STUCK_SECONDS,
        stuck,
    )
    metrics = await rig.scrape()

    # Runs: exactly the runs this test made, by job and outcome; each one timed.
    assert by(metrics["dsco_lingxing_job_runs"], "job_name", "outcome") == dict(runs)
    per_job = Counter[str]()
    for (job, _), n in runs.items():
        per_job[job] += n
    durations = by(metrics["dsco_lingxing_job_duration_seconds"], "job_name", suffix="_count")
    assert durations == {(job,): n for job, n in per_job.items()}
    succeeded = by(metrics["dsco_lingxing_job_last_success_timestamp_seconds"], "job_name")
    assert set(succeeded) == {(job,) for job, status in runs if status == "ok"}
    assert all(v <= rig.clock.now for v in succeeded.values())

    # Orders per status: what the scenario predicts (and the database holds).
    predicted = Counter(str(plan.prediction.status) for plan in scenario.plans)
    orders = by(metrics["dsco_lingxing_orders"], "status")
    assert orders == {(str(s),): float(predicted.get(str(s), 0)) for s in range(1, 7)}
    assert by(metrics["dsco_lingxing_database_up"]) == {(): 1.0}
    ages = by(metrics["dsco_lingxing_orders_oldest_age_seconds"], "status")
    assert set(ages) == {(s,) for s, n in predicted.items() if n}
    assert ages[(str(rows[stuck].status),)] == STUCK_SECONDS

    # Vendor calls per endpoint: what each sandbox recorded receiving.
    calls = Counter[tuple[str, str]]()
    for (vendor, endpoint, _), n in by(
        metrics["dsco_lingxing_vendor_calls"], "vendor", "endpoint", "outcome"
    ).items():
        calls[(vendor, endpoint)] += int(n)
    assert calls == sandbox_calls(e2e.vendors)
    assert by(metrics["dsco_lingxing_vendor_calls"], "outcome").keys() == {("ok",)}
    timed = by(
        metrics["dsco_lingxing_vendor_call_duration_seconds"], "vendor", "endpoint", suffix="_count"
    )
    assert timed == {key: float(n) for key, n in calls.items()}
    mints = by(metrics["dsco_lingxing_vendor_token_mints"], "vendor", suffix="_total")
    assert mints == {
        ("dsco",): 0.0,
        ("lingxing",): float(e2e.vendors.lingxing.stats()["token_issued"]),
    }
    assert mints[("lingxing",)] == 1
    throttled = by(metrics["dsco_lingxing_vendor_throttled"], "vendor", "code", suffix="_total")
    assert set(throttled.values()) == {0.0}, "no throttling happened; the zeros are seeded"


def sandbox_calls(vendors: Vendors) -> Counter[tuple[str, str]]:
    """Calls each sandbox answered, keyed as the client's metrics name endpoints."""
    counted = Counter[tuple[str, str]]()
    for call in vendors.dsco.calls():
        counted[("dsco", f"{call.method} {call.path}")] += 1
    for record in vendors.lingxing.call_log():
        counted[("lingxing", record.path)] += 1
    return counted
