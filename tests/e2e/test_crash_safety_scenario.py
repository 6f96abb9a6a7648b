"""Crash safety on the shared end-to-end scenario (``tests.e2e.scenario``): every order story
(multi-line, split, partial shipments, deleted outbound orders, cancellations, already
acknowledged, already in Lingxing, blocked by mapping or price...) while the real daemon is
SIGKILLed again and again. The end state must equal the scenario's no-crash predictions.

The stories that need DSCO to change between the first pull and the first push
(``cancel_before_push``) get that gap the way an operator would: the first pulls run through
``dsco-lingxing job run`` before any daemon starts (``crash_harness.first_pulls``).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from daemon.demo import LX_APP_ID, LX_APP_SECRET
from sdk.lingxing.client import LingxingClient
from tests.e2e.crash_harness import (
    RECOVERY_REASONS,
    DaemonProcess,
    SandboxProcess,
    first_pulls,
    free_port,
    interrupted_runs,
    order_reasons,
    save_runtime_config,
    write_env_yaml,
)
from tests.e2e.scenario import MAPPING, HttpControl, Scenario, db_rows

ORDERS = 100
KILLS = 20
BATCH = 5
DRAIN_TIMEOUT = 150.0


@dataclass
class Run:
    scenario: Scenario
    daemon: DaemonProcess
    dsn: str
    config: Path
    cli_log: Path
    seed: int

    async def diffs(self) -> list[str]:
        conn = await asyncpg.connect(self.dsn)
        try:
            rows = await db_rows(conn)
        finally:
            await conn.close()
        return await self.scenario.verify(rows)


@pytest.fixture
async def run(db_dsn: str, tmp_path: Path) -> AsyncIterator[Run]:
    seed = int(os.environ.get("CRASH_SEED", random.SystemRandom().randrange(1 << 30)))
    print(f"crash-safety scenario seed: {seed} (rerun with CRASH_SEED={seed})")
    async with (
        SandboxProcess(tmp_path / "sandbox.log") as sandbox,
        aiohttp.ClientSession() as http,
    ):
        lingxing = LingxingClient(
            http, base_url=sandbox.lingxing_url, app_id=LX_APP_ID, app_secret=LX_APP_SECRET
        )
        control = HttpControl(
            http, dsco_url=sandbox.dsco_url, lingxing_url=sandbox.lingxing_url, lingxing=lingxing
        )
        scenario = Scenario.build(control, ORDERS, seed=seed % 1000 + 1)
        await scenario.setup()
        await save_runtime_config(db_dsn, MAPPING, size=BATCH)
        port = free_port()
        config = tmp_path / "env.yaml"
        write_env_yaml(config, dsn=db_dsn, sandbox=sandbox, port=port)
        daemon = DaemonProcess(config, port, tmp_path / "daemon.log")
        try:
            yield Run(scenario, daemon, db_dsn, config, tmp_path / "cli.log", seed)
        finally:
            await daemon.ensure_dead()


async def kill_loop(r: Run, rng: random.Random) -> None:
    for i in range(KILLS):
        await r.daemon.start()
        await asyncio.sleep(rng.uniform(0.3, 3.0))
        assert await r.daemon.kill() == -9, f"kill {i + 1}: the daemon had already exited"
        actions = await r.scenario.actor.step()
        print(f"kill {i + 1}/{KILLS}: warehouse actions {actions}")


async def drain(r: Run) -> None:
    """The last daemon runs until the state matches the predictions (bounded); SIGTERM → 0."""
    await r.daemon.start()
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        await r.scenario.actor.step()
        if not await r.diffs():
            break
        await asyncio.sleep(1.0)
    assert await r.daemon.stop() == 0, "SIGTERM must end the daemon with exit code 0"


@pytest.mark.slow
async def test_sigkill_loop_on_the_full_scenario_matches_the_predictions(run: Run) -> None:
    await first_pulls(run.scenario, run.config, run.cli_log)
    await kill_loop(run, random.Random(run.seed))
    await drain(run)
    diffs = await run.diffs()
    assert not diffs, "\n".join(diffs[:40])
    print(f"runs cut short by SIGKILL: {dict(interrupted_runs(run.daemon.log))}")
    print(f"check-first recoveries: {dict(order_reasons(run.daemon.log, RECOVERY_REASONS))}")
