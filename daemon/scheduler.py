"""The cron scheduler: one loop on the daemon's event loop.

- Fire times come from the pure cron maths in ``jobs.cron`` (6 fields, seconds first, UTC).
- A config change (a save in this process, or a new ``version`` seen by the poll) recomputes
  every next fire at once, without waiting for running jobs.
- A fire while the previous run of the same job is still going is skipped (INFO line).
- If the loop wakes up late (host slept, loop stalled) past several fire times, the job runs
  once and the next fire is computed from now: no catch-up storm. Fires missed while the
  daemon was not running are not replayed (nothing about runs is stored, D12); the next
  regular fire picks the work up.
- Of several daemon instances on one database only the one ``leader()`` names fires (see
  daemon.election); the others keep the loop, and so the watchdog, alive and fire nothing. An
  instance that becomes the leader computes every next fire from that moment; one that stops
  leading stops firing at once (its running jobs end under their own locks).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

from loguru import logger

from jobs.config_store import ConfigSnapshot, RuntimeConfigStore
from jobs.cron import next_fire
from jobs.runner import Runner

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        runner: Runner,
        config: RuntimeConfigStore,
        *,
        clock: Clock = utc_now,
        poll_interval: float = 5.0,
        max_sleep: float = 1.0,
        leader: Callable[[], bool] = lambda: True,
    ) -> None:
        self._runner = runner
        self._leader = leader
        self.leading = False
        self._config = config
        self._clock = clock
        self._poll_interval = poll_interval
        self._max_sleep = max_sleep
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: dict[str, asyncio.Task[object]] = {}
        self.next_fires: dict[str, datetime] = {}
        self.last_tick = time.monotonic()
        config.subscribe(self._on_config_change)

    # -- state the daemon and tests look at ------------------------------------------------
    def alive(self, within: float) -> bool:
        """True while the loop has ticked within ``within`` seconds (watchdog, /readyz)."""
        return not self._stopping and time.monotonic() - self.last_tick <= within

    def wake(self) -> None:
        self._wake.set()

    # -- schedule maths ----------------------------------------------------------------------
    def _on_config_change(self, snapshot: ConfigSnapshot) -> None:
        self.reschedule(snapshot)
        self._wake.set()

    def reschedule(self, snapshot: ConfigSnapshot | None = None) -> None:
        snapshot = snapshot or self._config.snapshot
        now = self._clock()
        fires = {}
        for name in self._runner.registry.names():
            spec = self._runner.registry.get(name)
            job = snapshot.config.job(name)
            if job.enable and not spec.manual_only:
                fires[name] = next_fire(job.cron, now)
        self.next_fires = fires
        logger.debug("rescheduled: {}", {k: v.isoformat() for k, v in fires.items()})

    def due(self, now: datetime) -> list[str]:
        """Jobs whose fire time has come; each gets its next fire computed from ``now``."""
        snapshot = self._config.snapshot
        ready = [name for name, at in self.next_fires.items() if at <= now]
        for name in ready:
            self.next_fires[name] = next_fire(snapshot.config.job(name).cron, now)
        return ready

    # -- the loop ----------------------------------------------------------------------------
    async def run(self) -> None:
        """Run until ``stop()``; one iteration per fire, wake-up or poll tick."""
        self.reschedule()
        next_poll = time.monotonic() + self._poll_interval
        while not self._stopping:
            self.last_tick = time.monotonic()
            if self._still_leading():
                for name in self.due(self._clock()):
                    self._fire(name)
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + self._poll_interval
                await self._poll()
            await self._sleep()

    def _still_leading(self) -> bool:
        leading = self._leader()
        if leading and not self.leading:
            self.reschedule()  # from now: no catch-up of fires another instance owned
        self.leading = leading
        return leading

    async def _poll(self) -> None:
        try:
            await self._config.poll()  # a change calls _on_config_change
        except Exception as exc:  # the database may be briefly away; keep scheduling
            logger.warning("runtime config poll failed: {}", type(exc).__name__)

    async def _sleep(self) -> None:
        now = self._clock()
        delays = [(at - now).total_seconds() for at in self.next_fires.values()]
        delay = max(0.0, min([self._max_sleep, *delays]))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _fire(self, name: str) -> None:
        running = self._tasks.get(name)
        if running is not None and not running.done():
            logger.bind(job=name, trigger="scheduled").info(
                "scheduled fire skipped: previous run still in progress"
            )
            return
        task = asyncio.create_task(self._runner.run(name, trigger="scheduled"), name=f"job:{name}")
        task.add_done_callback(_report_crash)
        self._tasks[name] = task

    async def stop(self, grace: float) -> None:
        """Stop firing; let running jobs finish within ``grace`` seconds, then cancel them."""
        self._stopping = True
        self._wake.set()
        pending = [t for t in self._tasks.values() if not t.done()]
        if pending:
            logger.info("waiting up to {}s for {} running job(s)", grace, len(pending))
            _, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)


def _report_crash(task: asyncio.Task[object]) -> None:
    """The runner turns job failures into results; anything escaping it is a bug worth a line."""
    if not task.cancelled() and task.exception() is not None:
        logger.opt(exception=task.exception()).error("scheduled run crashed: {}", task.get_name())
