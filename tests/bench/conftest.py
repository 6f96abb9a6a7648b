"""Benchmark fixtures: a year of orders, the vendor sandboxes in their own process, the daemon's
own composition (``daemon.core.open_core``) and its production logging.

Benchmarks run only on demand (``./dev bench``; ``tests/conftest.py`` keeps them out of the
test suite). Every benchmark prints its figures with their targets; the summary at the end
repeats them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from loguru import logger

from daemon.core import Core, open_core
from daemon.demo import DSCO_TOKEN, LX_APP_ID, LX_APP_SECRET
from daemon.logging import configure_logging
from daemon.settings import Settings
from jobs.runtime_config import config_to_json
from tests.bench.figures import FIGURES, report, say
from tests.bench.year_of_orders import YearDb, build_year_db, drop_database, open_year_db
from tests.e2e.crash_harness import Control, SandboxProcess
from tests.secret_audit import AUDIT

YEAR_ORDERS = int(os.environ.get("BENCH_ORDERS", "1000000"))
ADMIN_PASSWORD = "bench-admin-password"
PLATFORM_CODE = 10008


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("benchmark figures (best of the runs each names)")
        for figure in FIGURES:
            terminalreporter.write_line(figure.line())


@pytest.fixture(scope="session")
def year_db(pg_server_dsn: str) -> Iterator[YearDb]:
    """A million orders and 90 days of inventory rows, migrated to the current schema; dropped
    at the end. ``BENCH_YEAR_DB=<name>`` reuses a database an earlier run kept (with
    ``BENCH_KEEP_DB=1``) instead of building one: minutes saved when iterating."""
    reuse = os.environ.get("BENCH_YEAR_DB")
    if reuse:
        db = asyncio.run(open_year_db(pg_server_dsn, reuse))
        say(f"reusing {reuse}: {db.orders:,} orders")
        yield db
        return
    now = int(time.time()) - 2 * 86400  # leaves two days for the orders a benchmark pulls
    say(f"building a year of orders ({YEAR_ORDERS:,}) in the benchmark database …")
    db = asyncio.run(build_year_db(pg_server_dsn, orders=YEAR_ORDERS, now=now))
    say(f"filled in {db.fill_seconds:.0f} s ({db.sync_rows:,} inventory rows): {db.name}")
    report("setup: migration 0004 over a year of orders", db.migrate_seconds, "s")
    try:
        yield db
    finally:
        if not os.environ.get("BENCH_KEEP_DB"):
            asyncio.run(drop_database(pg_server_dsn, db.name))


@pytest.fixture
async def sandboxes(tmp_path: Path) -> AsyncIterator[SandboxProcess]:
    """Both vendor sandboxes in their own process (their CPU is not the daemon's)."""
    async with SandboxProcess(tmp_path / "sandbox.log") as process:
        yield process


@pytest.fixture
async def control(sandboxes: SandboxProcess) -> AsyncIterator[Control]:
    async with aiohttp.ClientSession() as http:
        yield Control(http, sandboxes)


def bench_settings(dsn: str, sandboxes: SandboxProcess, state: Path, **extra: Any) -> Settings:
    """The daemon's settings for the benchmark database and sandboxes."""
    raw: dict[str, Any] = {
        "base": {"state_dir": str(state)},
        "auth": {
            "dsco": {"token": DSCO_TOKEN},
            "lingxing": {"app_id": LX_APP_ID, "app_secret": LX_APP_SECRET},
        },
        "integration": {
            "dsco": {"base_url": sandboxes.dsco_url},
            "lingxing": {"base_url": sandboxes.lingxing_url, "platform_code": PLATFORM_CODE},
        },
        "db": {"dsn": dsn},
        "admin": {"password": ADMIN_PASSWORD},
        "log": {"format": "json", "level": "INFO"},
    }
    for section, values in extra.items():
        raw.setdefault(section, {}).update(values)
    return Settings.model_validate(raw)


@contextlib.contextmanager
def production_logging(path: Path) -> Iterator[None]:
    """Log as the daemon does (JSON at INFO, here into ``path``), so that what a job logs costs
    what it costs in production; the suite's secret audit keeps reading every INFO line."""
    with path.open("w") as stream:
        configure_logging(level="INFO", fmt="json", stream=stream)
        logger.add(lambda m: AUDIT.scan(str(m), "loguru"), level="INFO", format="{message}")
        try:
            yield
        finally:
            logger.remove()
            logger.add(
                lambda m: AUDIT.scan(str(m), "loguru"), level="TRACE", format="{message} {extra}"
            )


@contextlib.asynccontextmanager
async def daemon_core(settings: Settings, log: Path) -> AsyncIterator[Core]:
    """The daemon's composition (pool, runtime config, clients, runner) in this process."""
    with production_logging(log):
        async with open_core(settings) as core:
            yield core


async def save_job_config(
    core: Core, job: str, *, mapping: dict[str, dict[str, str]] | None = None, **fields: Any
) -> None:
    """Change one job's runtime config (and the mappings) through the validated save path."""
    raw = config_to_json(core.config.snapshot.config)
    raw["jobs"][job].update(fields)
    raw["mapping"].update(mapping or {})
    await core.config.save(raw, domain=core.config.domain)


def cpu_seconds() -> float:
    """CPU time of this process so far (user + system, every thread)."""
    return time.process_time()


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of another process so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
