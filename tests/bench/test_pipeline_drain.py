"""Benchmark 2: N new orders drained through pull, push, ack, ship and invoice.

The sandboxes run in their own process with a network's latency (DSCO 150 ms, Lingxing 250 ms
a call) and the vendors' real limits (DSCO's request rates, Lingxing's in-flight caps), both
in the sandboxes and in the daemon's clients. The jobs run through the daemon's own runner with
their default sizes, each again and again until no order is left in its input status; between
the jobs the sandbox plays the warehouse (review everything, then ship everything), which is
not counted.

Figures: the vendor calls per endpoint and two bounds on the time they need
(``tests/bench/limits.py``; the jobs run one after another):

- *in parallel*: per job, the slowest of its endpoints alone (a rate-limited one cannot go
  faster than its rate, a capped one than ceil(calls / cap) latencies, any other than one
  latency) — what the vendors' limits force whatever the daemon does;
- *in sequence*: per job, its endpoints one after another (a run asks Lingxing, then DSCO,
  then writes, then reads the change log) and DSCO's calls of a run one after another (scroll
  pages and change-log polls depend on the answer before) — the least the calls need as the
  jobs make them.

Then the measured time ÷ the sequence bound (the rest is the jobs' own waits, chiefly the 2 s
between two reads of a DSCO change log, and their CPU), and this process's CPU per order.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from daemon.core import Core
from db.order_stats import count_in_statuses
from sdk._limits import CallStats
from sdk.dsco import endpoints as dsco_ep
from sdk.lingxing.client import ENDPOINT_CAPS
from tests.bench.conftest import bench_settings, cpu_seconds, daemon_core, save_job_config
from tests.bench.figures import report, say
from tests.bench.limits import least_seconds_at_rate, least_seconds_capped
from tests.e2e.crash_harness import Control, SandboxProcess, warehouse_step
from tests.e2e.scenario_plan import LX_WID, MAPPING, RETAILER, SERVICE_MAPPED, STORE, WAREHOUSE

ORDERS = int(os.environ.get("BENCH_DRAIN_ORDERS", "1000"))
LATENCY = {"dsco": 0.15, "lingxing": 0.25}
JOBS = {  # job: the status it takes orders from
    "pull_dsco_orders": None,
    "push_to_lingxing": 1,
    "ack_to_dsco": 2,
    "ship_to_dsco": 3,
    "invoice_to_dsco": 4,
}
MAX_RUNS = 200


def least_seconds(vendor: str, endpoint: str, calls: int, *, in_sequence: bool) -> float:
    """The least time ``calls`` requests to ``endpoint`` need under the vendor's limits (DSCO's
    calls one after another when ``in_sequence``, else as parallel as the limits allow)."""
    latency = LATENCY[vendor]
    if calls == 0:
        return 0.0
    if vendor == "lingxing":
        cap = ENDPOINT_CAPS.get(endpoint)
        return least_seconds_capped(cap, calls, latency) if cap else latency
    rate = dsco_ep.RATE_LIMITS.get(endpoint)
    by_rate = least_seconds_at_rate(rate, calls) + latency if rate else latency
    return max(by_rate, calls * latency) if in_sequence else by_rate


def _calls(stats: CallStats) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for (vendor, endpoint, _outcome), n in stats.calls.items():
        counts[(vendor, endpoint)] += n
    return counts


async def _setup(control: Control) -> None:
    await control.call("dsco", "POST", "/reset")
    await control.call("lingxing", "POST", "/reset")
    await control.call("lingxing", "POST", "/stores", {"store_id": STORE, "platform_code": 10008})
    await control.call("lingxing", "POST", "/warehouses", {"wid": LX_WID, "name": "NJ"})
    start = datetime.now(UTC) - timedelta(days=2)
    spec = {
        "count": ORDERS,
        "min_lines": 1,
        "max_lines": 2,
        "retailer_ids": [RETAILER],
        "warehouse_codes": [WAREHOUSE],
        "service_levels": [SERVICE_MAPPED],
        "created_start": start.isoformat(),
        "created_step_seconds": 86400 / ORDERS,
    }
    await control.call("dsco", "POST", "/orders", {"generate": spec})
    await control.call("dsco", "PUT", "/latency", {"seconds": LATENCY["dsco"]})
    await control.call("lingxing", "POST", "/latency", {"seconds": LATENCY["lingxing"]})


async def test_pipeline_drain(
    db_dsn: str, sandboxes: SandboxProcess, control: Control, tmp_path: Path
) -> None:
    await _setup(control)
    settings = bench_settings(db_dsn, sandboxes, tmp_path / "state")
    async with daemon_core(settings, tmp_path / "daemon.log") as core:
        await save_job_config(core, "pull_dsco_orders", mapping=MAPPING)
        totals: Counter[str] = Counter()
        for job, status in JOBS.items():
            if job in ("ack_to_dsco", "ship_to_dsco"):
                # Lingxing's warehouse: before the ACK it reviews every order, before the
                # shipments it ships them (one pass each).
                await _warehouse(control)
            before = _calls(core.vendor_stats)
            cpu, started = cpu_seconds(), time.perf_counter()
            runs = await _drain(core, job, status)
            wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            used = _calls(core.vendor_stats) - before
            parallel = max(
                (least_seconds(v, e, n, in_sequence=False) for (v, e), n in used.items()),
                default=0.0,
            )
            sequence = sum(least_seconds(v, e, n, in_sequence=True) for (v, e), n in used.items())
            totals.update(wall=wall, cpu=cpu, parallel=parallel, sequence=sequence)
            say(
                f"{job}: {runs} runs, {wall:.1f} s (bounds: {parallel:.1f} s in parallel,"
                f" {sequence:.1f} s in sequence), CPU {cpu:.2f} s"
            )
            for (vendor, endpoint), n in sorted(used.items()):
                least = least_seconds(vendor, endpoint, n, in_sequence=True)
                say(f"    {vendor} {endpoint}: {n} calls, at least {least:.1f} s")
        done = await count_in_statuses(core.pool, (5,))
    assert done == ORDERS, f"{done} of {ORDERS} orders drained"
    report("drain: measured time", totals["wall"], "s", note=f"{ORDERS:,} orders, five jobs")
    report("drain: the least the calls need, in parallel", totals["parallel"], "s")
    report("drain: the least the calls need, in sequence", totals["sequence"], "s")
    report(
        "drain: measured / bound (in sequence)",
        totals["wall"] / totals["sequence"],
        "x",
        at_most=1.3,
    )
    report("drain: daemon CPU per order, five jobs", totals["cpu"] * 1000 / ORDERS, "ms", at_most=3)


async def _drain(core: Core, job: str, status: int | None) -> int:
    """Run ``job`` until no order waits in ``status`` (the pull: once, it reads everything)."""
    for runs in range(1, MAX_RUNS + 1):
        result = await core.runner.run(job, trigger="manual")
        assert result.status == "ok", result
        if status is None or await count_in_statuses(core.pool, (status,)) == 0:
            return runs
    raise AssertionError(f"{job} left orders in status {status} after {MAX_RUNS} runs")


async def _warehouse(control: Control) -> None:
    """One pass of Lingxing's warehouse: review what waits, ship what was reviewed."""
    await control.call("lingxing", "POST", "/latency", {"seconds": 0})
    assert await warehouse_step(control) == ORDERS
    await control.call("lingxing", "POST", "/latency", {"seconds": LATENCY["lingxing"]})
