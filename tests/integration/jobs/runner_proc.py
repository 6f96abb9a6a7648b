"""A second process for the runner lock tests: runs one slow job through a real Runner.

Usage: python -m tests.integration.jobs.runner_proc DSN SECONDS
Prints STARTED when the job body begins, then the RunResult as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import replace

from db.pool import connect, create_pool
from jobs import cleanup_exports
from jobs.catalog import SCHEMA
from jobs.config_store import RuntimeConfigStore
from jobs.context import Clients, JobContext, JobEnv
from jobs.registry import Registry
from jobs.runner import Runner
from jobs.runtime_config import Capabilities


def make_runner(pool, dsn: str, seconds: float, lock_check: float = 0.2) -> Runner:  # type: ignore[no-untyped-def]
    async def slow(ctx: JobContext) -> None:
        print("STARTED", flush=True)
        ctx.counters.total += 1
        await asyncio.sleep(seconds)
        ctx.counters.ok += 1

    config = RuntimeConfigStore(pool, schema=SCHEMA, capabilities=Capabilities(True, True, True))
    return Runner(
        registry=Registry([replace(cleanup_exports.JOB, run=slow)]),
        pool=pool,
        connect=lambda: connect(dsn),
        config=config,
        clients=Clients(),
        env=JobEnv(),
        lock_check_interval=lock_check,
    )


async def main(dsn: str, seconds: float) -> None:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        runner = make_runner(pool, dsn, seconds)
        await runner._config.load()
        result = await runner.run("cleanup_exports", trigger="cli")
        print(json.dumps(result.to_json()), flush=True)
    finally:
        await pool.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
