"""Benchmark 5: ``sync_stock`` with 10,000 SKUs, both ways of reading DSCO's quantities.

Lingxing (sandbox, its own process) holds 10,000 SKUs in one mapped warehouse; DSCO knows all
of them. The job reads and records (``sync`` off: the write path is the same for both reads).

- per-SKU reads (``GET /inventory`` each; forced, since above ``stream_above_skus`` the job
  reads by stream): DSCO allows 15 a second and 300 a minute, so 10,000 SKUs need at least 33
  minutes however fast the daemon is. The run is measured with the rate limits off on both
  sides (the daemon's own cost), and the limits' bound is reported beside.
- one stream dump (``use_stream``): with DSCO's limits on and the production waits.
"""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp

from daemon.core import job_env
from daemon.settings import Settings
from db.pool import connect
from jobs.catalog import build_registry
from jobs.context import Clients
from jobs.runner import Runner
from sdk.dsco import endpoints as ep
from sdk.dsco.client import DscoClient
from tests.bench.conftest import (
    bench_settings,
    cpu_seconds,
    daemon_core,
    save_job_config,
)
from tests.bench.figures import report
from tests.bench.limits import least_seconds_at_rate
from tests.e2e.crash_harness import Control, SandboxProcess

SKUS = 10_000
WAREHOUSE, WID = "ACME-NJ", "101"


async def _seed(control: Control) -> None:
    await control.call("lingxing", "POST", "/warehouses", [{"wid": int(WID)}])
    stock = [
        {"wid": int(WID), "sku": f"SKU-{n:05d}", "product_valid_num": n % 50} for n in range(SKUS)
    ]
    await control.call("lingxing", "POST", "/inventory", stock)
    items = [
        {
            "sku": f"SKU-{n:05d}",
            "status": "in-stock",
            "warehouses": [{"code": WAREHOUSE, "quantity": (n * 7) % 50}],
        }
        for n in range(SKUS)
    ]
    await control.call("dsco", "POST", "/items", {"items": items})


async def test_sync_stock_with_ten_thousand_skus(
    db_dsn: str, sandboxes: SandboxProcess, control: Control, tmp_path: Path
) -> None:
    await _seed(control)
    settings = bench_settings(db_dsn, sandboxes, tmp_path / "state")
    async with daemon_core(settings, tmp_path / "daemon.log") as core:
        await save_job_config(
            core,
            "sync_stock",
            size=200,
            sync=False,
            stream_above_skus=SKUS,  # the per-SKU read first, whatever the count
            mapping={"warehouse": {WAREHOUSE: WID}},
        )
        # 1. Per SKU, DSCO's limits off on both sides: the daemon's own cost.
        await control.call("dsco", "PUT", "/rate-limits", {"enabled": False})
        async with aiohttp.ClientSession() as http:
            unlimited = DscoClient(
                http, base_url=sandboxes.dsco_url, token=_token(settings), rate_limits={}
            )
            runner = Runner(
                registry=build_registry(),
                pool=core.pool,
                connect=lambda: connect(db_dsn),
                config=core.config,
                clients=Clients(dsco=unlimited, lingxing=core.clients.lingxing),
                env=job_env(settings),
            )
            await control.call("dsco", "DELETE", "/calls")
            seconds, cpu = await _timed(runner, "sync_stock")
        reads = await control.call("dsco", "GET", "/calls?path=/inventory&method=GET")
        assert len(reads) == SKUS, len(reads)  # one GET /inventory per SKU
        report(
            "sync_stock per-SKU reads, limits off: time",
            seconds,
            "s",
            note=f"{SKUS / seconds:,.0f} SKUs/s; CPU {cpu * 1000 / SKUS:.2f} ms a SKU",
        )
        rate = ep.RATE_LIMITS[ep.GET_INVENTORY.limit_key]
        report(
            "sync_stock per-SKU reads: what DSCO's limits allow at best",
            least_seconds_at_rate(rate, SKUS) / 60,
            "min",
            note=f"{SKUS:,} GET /inventory, {rate.per_second}/s and {rate.per_minute}/min",
        )
        # 2. One stream dump, DSCO's limits on, production waits.
        await control.call("dsco", "PUT", "/rate-limits", {"enabled": True})
        await save_job_config(core, "sync_stock", use_stream=True)
        await control.call("dsco", "DELETE", "/calls")
        seconds, cpu = await _timed(core.runner, "sync_stock")
        calls = len(await control.call("dsco", "GET", "/calls"))
        report(
            "sync_stock stream read, limits on: time",
            seconds,
            "s",
            note=f"{calls} DSCO calls; CPU {cpu * 1000 / SKUS:.2f} ms a SKU",
        )
        rows = await core.pool.fetchval("SELECT count(*) FROM dsco_warehouse_sync")
        assert rows == 2 * SKUS


async def _timed(runner: Runner, job: str) -> tuple[float, float]:
    cpu, started = cpu_seconds(), time.perf_counter()
    result = await runner.run(job, trigger="manual")
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    assert result.status == "ok", result
    assert result.counters["total"] == SKUS, result
    return seconds, cpu


def _token(settings: Settings) -> str:
    token = settings.auth.dsco.token
    assert token is not None
    return token.get_secret_value()
