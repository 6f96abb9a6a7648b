"""Benchmark 3: the admin at a year of orders (a million), and the daemon's memory.

The daemon runs as its own process on the benchmark database. Figures:

- one page of each listing (orders: unfiltered, every kind of filter, a cursor halfway down the
  table; warehouse sync: unfiltered and filtered) and the dashboard, one request at a time:
  the median of 20 after 3 warm-up requests, each with its ``EXPLAIN (ANALYZE, BUFFERS)``;
- p50/p99 with 200 concurrent clients while a pull of 20,000 new orders runs: clients that
  send their next request as soon as the last one answered (the daemon's capacity), and
  clients that pause about a second between requests (an office full of open admin pages);
- for comparison with the figures that opened this work: 50 clients without pauses, no job;
- the daemon's resident memory at the end (its peak too).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from db.order_search import OrderFilter, search_orders
from db.pool import connect
from db.search import Cursor
from tests.bench.daemon_process import (
    AdminSession,
    rss_mb,
    running_daemon,
    save_runtime_config,
    timed_get,
)
from tests.bench.figures import percentile, report, say
from tests.bench.test_pull_throughput import ORDERS as PULL_ORDERS
from tests.bench.test_pull_throughput import _seed
from tests.bench.year_of_orders import YearDb
from tests.e2e.crash_harness import Control, SandboxProcess

WARM_UP, SAMPLES = 3, 20
CLIENTS = 200
CLIENTS_THEN = 50  # the load under which the list took 5 s before this work
LOAD_SECONDS = 15.0
ORDERS, SYNC = "/admin/api/orders", "/admin/api/warehouse-sync"


async def _some_values(dsn: str) -> dict[str, Any]:
    """Filter values that exist in the year: a PO, a tracking number, a mid-table cursor."""
    conn = await connect(dsn)
    try:
        middle = await conn.fetchrow(
            "SELECT id, dsco_create_time, po_number, shipped_tracking_no FROM dsco_order_sync"
            " WHERE id = (SELECT max(id) / 2 FROM dsco_order_sync)"
        )
    finally:
        await conn.close()
    assert middle is not None
    return {
        "po": middle["po_number"],
        "tracking": middle["shipped_tracking_no"],
        "cursor": Cursor(middle["dsco_create_time"], middle["id"]).encode(),
    }


def _variants(values: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    po, tracking = values["po"], values["tracking"]
    return {
        "dashboard": ("/admin/api/dashboard", {}),
        "orders: first page": (ORDERS, {}),
        "orders: a cursor halfway down": (ORDERS, {"cursor": values["cursor"]}),
        "orders: status 2,3": (ORDERS, {"status": "2,3"}),
        "orders: status 5 (most rows)": (ORDERS, {"status": "5"}),
        "orders: PO contains (whole PO)": (ORDERS, {"po_number": po.lower()}),
        "orders: PO contains (6 characters)": (ORDERS, {"po_number": po[5:11]}),
        "orders: tracking contains": (ORDERS, {"tracking": tracking[-8:]}),
        "orders: invoice id contains": (ORDERS, {"invoice_id": po[2:12]}),
        "orders: SKU": (ORDERS, {"msku": "SKU-00042"}),
        "orders: SKU(qty)": (ORDERS, {"msku": "SKU-00042(2)"}),
        "orders: warehouse": (ORDERS, {"warehouse_id": "ACME-WA"}),
        "orders: warehouse + status 5": (ORDERS, {"warehouse_id": "ACME-WA", "status": "5"}),
        "orders: retailer + service level": (
            ORDERS,
            {"dsco_retailer_id": "1000099999", "shipment": "USFC"},
        ),
        "orders: DSCO status cancelled": (ORDERS, {"dsco_status": "cancelled"}),
        "orders: one day": (ORDERS, {"start": values["day_start"], "end": values["day_end"]}),
        "orders: picked 3+ times": (ORDERS, {"min_attempts": 3}),
        "warehouse sync: first page": (SYNC, {}),
        "warehouse sync: one SKU": (SYNC, {"sku": "SKU-00042"}),
        "warehouse sync: failed, nonzero diff": (SYNC, {"status": 2, "diff_range": "nonzero"}),
    }


async def _single_requests(admin: AdminSession, variants: dict[str, Any]) -> float:
    worst = 0.0
    for name, (path, params) in variants.items():
        for _ in range(WARM_UP):
            await timed_get(admin, path, params)
        samples = [await timed_get(admin, path, params) for _ in range(SAMPLES)]
        median = statistics.median(samples) * 1000
        worst = max(worst, median)
        report(
            f"admin 1 client: {name}",
            median,
            "ms",
            at_most=50,
            note=f"median of {SAMPLES}; max {max(samples) * 1000:.0f} ms",
        )
    return worst


async def _explain(dsn: str, variants: dict[str, Any]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements one order-list page sends."""
    conn = await connect(dsn)
    try:
        for name, (path, params) in variants.items():
            if path != ORDERS:
                continue
            f, after = _order_filter(params)

            async def page(c: Any, f: OrderFilter = f, after: Cursor | None = after) -> object:
                return await search_orders(c, f, limit=50, after=after)

            say(f"plans of {name}:")
            for sql, args in await _statements(conn, page):
                rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
                print("    " + "\n    ".join(r[0] for r in rows), flush=True)
    finally:
        await conn.close()


def _order_filter(params: dict[str, Any]) -> tuple[OrderFilter, Cursor | None]:
    """The filter and cursor a query string of the order list means."""
    fields = {k: v for k, v in params.items() if k not in ("cursor", "status")}
    statuses = tuple(int(s) for s in str(params.get("status", "")).split(",") if s)
    cursor = Cursor.decode(params["cursor"]) if "cursor" in params else None
    return OrderFilter(statuses=statuses, **fields), cursor


async def _statements(
    conn: asyncpg.Connection[asyncpg.Record], call: Callable[[Any], Awaitable[object]]
) -> list[tuple[str, tuple[object, ...]]]:
    sent: list[tuple[str, tuple[object, ...]]] = []

    def log(query: Any) -> None:
        ours = "dsco_" in query.query
        if ours and not query.query.lstrip().upper().startswith(("SET", "EXPLAIN")):
            sent.append((query.query, tuple(query.args)))

    conn.add_query_logger(log)
    try:
        await call(conn)
    finally:
        conn.remove_query_logger(log)
    return sent


async def _load(
    admin: AdminSession,
    variants: dict[str, Any],
    think: float,
    job: Awaitable[Any],
    clients: int = CLIENTS,
) -> tuple[list[float], float, float]:
    """``clients`` clients cycling through ``variants`` until ``job`` is done and at least
    ``LOAD_SECONDS`` passed; returns the latencies, the seconds, and the job's seconds."""
    mix = list(variants.values())
    latencies: list[float] = []
    stop = asyncio.Event()

    async def client(n: int) -> None:
        rng = random.Random(n)
        i = n
        if think:
            await asyncio.sleep(rng.uniform(0, think))  # people do not click in step
        while not stop.is_set():
            path, params = mix[i % len(mix)]
            latencies.append(await timed_get(admin, path, params))
            i += 1
            if think:
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    started = time.perf_counter()
    tasks = [asyncio.create_task(client(n)) for n in range(clients)]
    try:
        await job
        job_seconds = time.perf_counter() - started
        await asyncio.sleep(max(0.0, LOAD_SECONDS - job_seconds))
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    return latencies, time.perf_counter() - started, job_seconds


async def test_admin_at_a_year_of_orders(
    year_db: YearDb, sandboxes: SandboxProcess, control: Control, tmp_path: Path
) -> None:
    values = await _some_values(year_db.dsn)
    day = year_db.now - 100 * 86400
    values.update(day_start=day, day_end=day + 86400)
    variants = _variants(values)
    await save_runtime_config(year_db.dsn, {"pull_dsco_orders": {"size": 1000}}, {})
    await _explain(year_db.dsn, variants)
    async with running_daemon(year_db.dsn, sandboxes, tmp_path) as (daemon, admin):
        worst = await _single_requests(admin, variants)
        report("admin 1 client: slowest page (median)", worst, "ms", at_most=50)
        assert daemon.proc is not None
        latencies, seconds, _ = await _load(admin, variants, 0.0, asyncio.sleep(0), CLIENTS_THEN)
        report(
            f"admin {CLIENTS_THEN} clients (no pause), no job: p50",
            percentile(latencies, 50) * 1000,
            "ms",
            note=f"{len(latencies) / seconds:,.0f} requests/s over {seconds:.0f} s",
        )
        report(
            f"admin {CLIENTS_THEN} clients (no pause), no job: p99",
            percentile(latencies, 99) * 1000,
            "ms",
        )
        for think, label in ((0.0, "no pause"), (1.0, "~1 s pause")):
            await _seed(control, year_db, seed=300 + int(think))
            pull = admin.post("/admin/api/jobs/run_one", {"job": "pull_dsco_orders"})
            latencies, seconds, pull_seconds = await _load(admin, variants, think, pull)
            report(
                f"admin {CLIENTS} clients ({label}), pull running: p50",
                percentile(latencies, 50) * 1000,
                "ms",
                note=f"{len(latencies) / seconds:,.0f} requests/s over {seconds:.0f} s",
            )
            report(
                f"admin {CLIENTS} clients ({label}), pull running: p99",
                percentile(latencies, 99) * 1000,
                "ms",
                at_most=100,
            )
            report(
                f"pull under that load ({label})",
                PULL_ORDERS / pull_seconds,
                "orders/s",
                note="20,000 new orders, 1,000 a page",
            )
            await _forget(year_db)
        now, peak = rss_mb(daemon.proc.pid)
        report(
            "daemon memory, 1M orders in the database",
            peak,
            "MB",
            at_most=300,
            note=f"peak RSS; {now:.0f} MB at the end",
        )


async def _forget(db: YearDb) -> None:
    """Delete the orders the pull stored, so the next pull stores 20,000 new ones again."""
    conn = await connect(db.dsn)
    try:
        await conn.execute("DELETE FROM dsco_order_sync WHERE dsco_create_time > $1", db.now)
    finally:
        await conn.close()
