"""The HTTP app: health, readiness, metrics, the admin API + UI, the open API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiohttp import web

from daemon.admin import setup_admin
from daemon.admin.ui import setup_ui
from daemon.core import Core
from daemon.metrics import setup_metrics
from daemon.openapi import setup_open_api
from daemon.scheduler import Scheduler
from daemon.settings import Settings

CORE = web.AppKey("core", Core)
SCHEDULER = web.AppKey("scheduler", Scheduler)
SETTINGS = web.AppKey("settings", Settings)


def create_web_app(
    *,
    core: Core,
    scheduler: Scheduler | None,
    settings: Settings,
    session_clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
) -> web.Application:
    """The daemon's HTTP app: health, metrics, the admin API and (when enabled) the open API.

    The clocks are for tests: admin sessions and login limits run on ``session_clock``, the open
    API's notion of "today" and the order ages of ``/metrics`` on ``wall_clock``.
    """
    app = web.Application()
    app[CORE] = core
    if scheduler is not None:
        app[SCHEDULER] = scheduler
    app[SETTINGS] = settings
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    setup_metrics(app, core=core, clock=wall_clock)
    setup_admin(app, core=core, scheduler=scheduler, settings=settings, clock=session_clock)
    setup_ui(app)
    setup_open_api(app, core=core, settings=settings, clock=wall_clock)
    return app


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    core = request.app[CORE]
    scheduler = request.app.get(SCHEDULER)
    checks = {
        "database": await _database_ok(core),
        "runtime_config": core.config.loaded,
        "scheduler": scheduler is not None and scheduler.alive(within=10.0),
    }
    ready = all(checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )


async def _database_ok(core: Core) -> bool:
    try:
        async with asyncio.timeout(2):
            return bool(await core.pool.fetchval("SELECT 1") == 1)
    except Exception:  # any failure means "not reachable right now"
        return False
