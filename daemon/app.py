"""The composition root of ``dsco-lingxing run`` (STYLE 1).

``open_core`` (daemon.core) builds the database, runtime config, clients and runner; the
``Daemon`` adds the schedule election, the scheduler, the HTTP listener and systemd
notifications, and closes everything in reverse order through one ``AsyncExitStack``. Of several
instances on one database only the elected one fires the schedule (daemon.election); a stopping
instance hands the schedule over before it waits for its running jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from loguru import logger

from daemon.core import Core, open_core
from daemon.election import Election
from daemon.scheduler import Scheduler
from daemon.settings import Settings
from daemon.systemd import SystemdNotifier, Watchdog
from daemon.web import create_web_app
from db.pool import connect

START_EXTENSION_SECONDS = 60.0  # each EXTEND_TIMEOUT_USEC asks for this much more start time


class Daemon:
    """``dsco-lingxing run``: core + scheduler + HTTP listener + systemd notifications."""

    def __init__(
        self,
        settings: Settings,
        *,
        notifier: SystemdNotifier | None = None,
        on_started: Callable[[Core], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        self.on_started = on_started
        # Unset so the embedded PostgreSQL (a child process) never talks to systemd as us.
        self.notifier = notifier or SystemdNotifier.from_environ(unset_environment=True)
        self.stop_requested = asyncio.Event()
        self.core: Core | None = None
        self.scheduler: Scheduler | None = None
        self.election: Election | None = None
        self.site: web.TCPSite | None = None

    def request_stop(self) -> None:
        self.stop_requested.set()

    async def serve(self) -> None:
        """Start everything, signal READY=1, run until a stop is requested, shut down."""
        starting = asyncio.create_task(self._extend_start(), name="starting")
        async with open_core(self.settings) as core, contextlib.AsyncExitStack() as stack:
            self.core = core
            starting.cancel()
            election = Election(
                lambda: connect(core.dsn), domain=core.config.domain, instance_id=core.instance_id
            )
            self.election = election
            scheduler = Scheduler(
                core.runner,
                core.config,
                poll_interval=self.settings.runtime.config_poll_seconds,
                leader=lambda: election.leading,
            )
            election.on_change = lambda _leading: scheduler.wake()
            self.scheduler = scheduler
            runner_app = await self._start_listener(core, scheduler)
            stack.push_async_callback(runner_app.cleanup)
            await election.tick()  # the first instance leads from the start
            election_task = asyncio.create_task(election.run(), name="election")
            loop_task = asyncio.create_task(scheduler.run(), name="scheduler")
            stack.push_async_callback(
                self._stop_scheduler, scheduler, loop_task, election, election_task
            )
            watchdog = Watchdog(self.notifier, probe=lambda: scheduler.alive(within=10.0))
            stack.push_async_callback(watchdog.stop)
            watchdog.start()
            if self.on_started is not None:
                await self.on_started(core)
            self.notifier.ready()
            logger.info("daemon ready on http://{}", self.settings.base.listen_addr)
            await self.stop_requested.wait()
            logger.info("stopping")
            self.notifier.stopping()

    async def _extend_start(self) -> None:
        """Until the core is up, keep asking systemd for more start time: a migration that
        rebuilds indexes of a year of orders takes minutes (docs/performance.md), and a start
        killed by TimeoutStartSec would roll it back and begin again, forever."""
        while self.core is None:
            self.notifier.extend_timeout(START_EXTENSION_SECONDS)
            await asyncio.sleep(START_EXTENSION_SECONDS / 3)

    async def _start_listener(self, core: Core, scheduler: Scheduler) -> web.AppRunner:
        app = create_web_app(core=core, scheduler=scheduler, settings=self.settings)
        runner_app = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner_app.setup()
        base = self.settings.base
        self.site = web.TCPSite(runner_app, base.host, base.port, shutdown_timeout=5)
        await self.site.start()
        return runner_app

    async def _stop_scheduler(
        self,
        scheduler: Scheduler,
        loop_task: asyncio.Task[Any],
        election: Election,
        election_task: asyncio.Task[Any],
    ) -> None:
        # Hand the schedule over first: a standby need not wait for our running jobs (they
        # keep their own locks, so its fires of those jobs are refused until they end).
        await election.resign()
        await scheduler.stop(self.settings.runtime.shutdown_grace_seconds)
        loop_task.cancel()
        await election.close()
        election_task.cancel()
        await asyncio.gather(loop_task, election_task, return_exceptions=True)


def install_signal_handlers(daemon: Daemon) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, daemon.request_stop)
