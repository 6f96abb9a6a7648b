"""The runner's advisory lock across real processes (docs/design.md, "The runner")."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import asyncpg

from tests.conftest import REPO
from tests.integration.jobs.runner_proc import make_runner


async def _spawn(dsn: str, seconds: float) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.jobs.runner_proc",
        dsn,
        str(seconds),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
    assert line.strip() == b"STARTED"
    return proc


async def _result(proc: asyncio.subprocess.Process) -> dict[str, object]:
    assert proc.stdout is not None
    out = await asyncio.wait_for(proc.stdout.read(), timeout=60)
    await proc.wait()
    return json.loads(out.decode().strip().splitlines()[-1])


async def test_second_process_gets_already_running_at_once(
    pool: asyncpg.Pool[asyncpg.Record], db_dsn: str
) -> None:
    holder = await _spawn(db_dsn, seconds=2.0)
    runner = make_runner(pool, db_dsn, seconds=0)
    await runner._config.load()
    began = time.monotonic()
    result = await runner.run("cleanup_exports", trigger="manual")
    assert result.status == "already_running"
    assert time.monotonic() - began < 1.5, "the refusal does not wait for the holder"
    assert (await _result(holder))["status"] == "ok"
    again = await runner.run("cleanup_exports", trigger="manual")
    assert again.status == "ok", "the lock is free once the holder finished"


async def test_killing_the_lock_connection_aborts_the_run_and_frees_the_lock(
    pool: asyncpg.Pool[asyncpg.Record], db_dsn: str
) -> None:
    holder = await _spawn(db_dsn, seconds=60.0)
    pids = await pool.fetch(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    assert len(pids) == 1
    await pool.execute("SELECT pg_terminate_backend($1)", pids[0]["pid"])
    result = await _result(holder)
    assert result["status"] == "aborted"
    assert "lock" in str(result["error"])
    runner = make_runner(pool, db_dsn, seconds=0)
    await runner._config.load()
    assert (await runner.run("cleanup_exports", trigger="manual")).status == "ok"


async def test_same_job_in_one_process_is_refused_while_running(
    pool: asyncpg.Pool[asyncpg.Record], db_dsn: str
) -> None:
    runner = make_runner(pool, db_dsn, seconds=0.5)
    await runner._config.load()
    first, second = await asyncio.gather(
        runner.run("cleanup_exports", trigger="manual"),
        runner.run("cleanup_exports", trigger="manual"),
    )
    assert sorted([first.status, second.status]) == ["already_running", "ok"]
    assert runner.last_results["cleanup_exports"].status == "ok"


async def test_unreachable_database_fails_the_run_instead_of_raising(
    pool: asyncpg.Pool[asyncpg.Record], db_dsn: str
) -> None:
    runner = make_runner(pool, db_dsn, seconds=0)
    await runner._config.load()

    async def refuse() -> asyncpg.Connection[asyncpg.Record]:
        raise ConnectionRefusedError("database is down")

    runner._connect = refuse
    result = await runner.run("cleanup_exports", trigger="scheduled")
    assert result.status == "failed"
    assert "database unreachable" in str(result.error)
