"""Benchmark 4: the CSV export of a year of orders (a million rows) from the daemon process.

One ``GET /admin/api/export/orders.csv`` over the whole year (the longest range allowed),
read to the end; the daemon's resident memory is sampled every 50 ms meanwhile. Figures: the
time, the rows, and the memory growth over what the daemon held before the export.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from tests.bench.daemon_process import rss_mb, running_daemon
from tests.bench.figures import report
from tests.bench.year_of_orders import YEAR, YearDb
from tests.e2e.crash_harness import SandboxProcess


async def _sample_peak(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb(pid)[0])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.05)


async def test_csv_export_of_a_year_of_orders(
    year_db: YearDb, sandboxes: SandboxProcess, tmp_path: Path
) -> None:
    end = year_db.now + 1
    async with running_daemon(year_db.dsn, sandboxes, tmp_path) as (daemon, admin):
        assert daemon.proc is not None
        pid = daemon.proc.pid
        await admin.get("/admin/api/dashboard")  # the daemon has served a request
        before = rss_mb(pid)[0]
        peak, stop = [before], asyncio.Event()
        sampler = asyncio.create_task(_sample_peak(pid, peak, stop))
        lines, size = 0, 0
        started = time.perf_counter()
        url = f"{admin.base}/admin/api/export/orders.csv"
        async with admin.http.get(url, params={"start": end - YEAR, "end": end}) as resp:
            assert resp.status == 200, await resp.text()
            async for chunk in resp.content.iter_chunked(1 << 16):
                lines += chunk.count(b"\n")
                size += len(chunk)
        seconds = time.perf_counter() - started
        stop.set()
        await sampler
    rows = lines - 1  # the header
    assert rows >= year_db.orders
    report(
        "CSV export of a year: time",
        seconds,
        "s",
        note=f"{rows:,} rows, {size / 1e6:,.0f} MB, {rows / seconds:,.0f} rows/s",
    )
    report(
        "CSV export of a year: daemon memory growth",
        peak[0] - before,
        "MB",
        at_most=100,
        note=f"RSS {before:.0f} MB before, {peak[0]:.0f} MB at most during",
    )
