"""Benchmark 1: the pull's throughput, 20,000 new orders into a year of orders.

The DSCO sandbox (its own process, DSCO's real rate limits) holds 20,000 new orders of one to
three lines; ``pull_dsco_orders`` runs through the daemon's own runner and clients, 1,000
orders a page, logging as in production. Orders per second = 20,000 / the run's wall time;
CPU is this process's (the daemon's side: fetching, parsing, storing, logging), per order.
Each run pulls 20,000 orders it has never seen (the previous run's are deleted again).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from db.types import Conn
from tests.bench.conftest import (
    bench_settings,
    cpu_seconds,
    daemon_core,
    process_cpu_seconds,
    save_job_config,
)
from tests.bench.figures import report, say
from tests.bench.year_of_orders import YearDb
from tests.e2e.crash_harness import Control, SandboxProcess

ORDERS = 20_000
RUNS = 3


async def _seed(control: Control, db: YearDb, seed: int) -> None:
    await control.call("dsco", "POST", "/reset")
    # After the year's newest order and before DSCO's "until" margin, so the scheduled pull's
    # created-since window takes them all.
    start = datetime.fromtimestamp(db.now + 60, UTC)
    step = (time.time() - 120 - (db.now + 60)) / ORDERS
    spec = {
        "count": ORDERS,
        "min_lines": 1,
        "max_lines": 3,
        "sku_pool": 5000,
        "created_start": start.isoformat(),
        "created_step_seconds": step,
        "seed": seed,
    }
    await control.call("dsco", "POST", "/orders", {"generate": spec})


async def test_pull_throughput(
    year_db: YearDb, sandboxes: SandboxProcess, control: Control, tmp_path: Path
) -> None:
    settings = bench_settings(year_db.dsn, sandboxes, tmp_path / "state")
    rates: list[float] = []
    cpu: dict[str, list[float]] = {"daemon": [], "PostgreSQL": [], "sandbox": []}
    assert sandboxes.proc is not None
    async with daemon_core(settings, tmp_path / "daemon.log") as core:
        await save_job_config(core, "pull_dsco_orders", size=1000)
        for run in range(RUNS):
            await _seed(control, year_db, seed=100 + run)
            before = await _cpu(core.pool, sandboxes.proc.pid)
            started = time.perf_counter()
            result = await core.runner.run("pull_dsco_orders", trigger="manual")
            wall = time.perf_counter() - started
            used = _used(before, await _cpu(core.pool, sandboxes.proc.pid))
            assert result.status == "ok", result
            assert result.counters["advanced"] == ORDERS, result
            rates.append(ORDERS / wall)
            for who, seconds in used.items():
                cpu[who].append(seconds * 1000 / ORDERS)
            say(f"run {run + 1}: {wall:.2f} s, {ORDERS / wall:,.0f} orders/s")
            async with core.pool.acquire() as conn:
                await _forget_new_orders(conn, year_db)
    report(
        "pull: new orders stored per second",
        max(rates),
        "orders/s",
        at_least=10_000,
        note=f"best of {RUNS}; 1,000 a page, DSCO limits on; all: "
        + ", ".join(f"{r:,.0f}" for r in rates),
    )
    for who, per_order in cpu.items():
        report(f"pull: CPU per order, {who}", min(per_order), "ms", note=f"best of {RUNS}")
    total = sum(min(per_order) for per_order in cpu.values())
    report(
        "pull: what 2 cores allow at that CPU per order",
        2000 / total,
        "orders/s",
        note="2 cores / (daemon + PostgreSQL + sandbox CPU per order), if nothing else ran",
    )


async def _cpu(pool: asyncpg.Pool[asyncpg.Record], sandbox_pid: int) -> dict[str, float]:
    """CPU seconds so far of this process, of each database server process serving this
    database (keyed ``pg:<pid>``: the pool's connections come and go), and of the sandbox."""
    records = await pool.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    )
    return {
        "daemon": cpu_seconds(),
        "sandbox": process_cpu_seconds(sandbox_pid),
        **{f"pg:{r['pid']}": process_cpu_seconds(r["pid"]) for r in records},
    }


def _used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds spent between two readings, the database's processes added up."""
    spent = {key: value - before.get(key, 0.0) for key, value in after.items()}
    database = sum(v for k, v in spent.items() if k.startswith("pg:"))
    return {"daemon": spent["daemon"], "PostgreSQL": database, "sandbox": spent["sandbox"]}


async def _forget_new_orders(conn: Conn, db: YearDb) -> None:
    await conn.execute("DELETE FROM dsco_order_sync WHERE dsco_create_time > $1", db.now)
    await conn.execute("VACUUM dsco_order_sync")
