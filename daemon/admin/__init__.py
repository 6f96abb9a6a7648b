"""The admin JSON API under ``/admin/api/`` (SPEC §8); see :func:`setup_admin`."""

from __future__ import annotations

import time

from aiohttp import web

from daemon.admin import (
    auth,
    routes_config,
    routes_export,
    routes_jobs,
    routes_orders,
    routes_sync,
)
from daemon.admin.context import ADMIN, AdminState
from daemon.admin.sessions import Clock, LoginLimiter, SessionStore
from daemon.core import Core
from daemon.scheduler import Scheduler
from daemon.settings import Settings

__all__ = ["ADMIN", "AdminState", "setup_admin"]


def setup_admin(
    app: web.Application,
    *,
    core: Core,
    scheduler: Scheduler | None,
    settings: Settings,
    clock: Clock = time.monotonic,
) -> None:
    """Add every ``/admin/api/…`` route, the admin middleware and its state to ``app``.

    ``clock`` (monotonic seconds) drives session expiry and the login rate limit; tests pass
    a fake one.
    """
    app[ADMIN] = AdminState(
        core=core,
        scheduler=scheduler,
        settings=settings,
        sessions=SessionStore(settings.admin.session_ttl_seconds, clock),
        limiter=LoginLimiter(clock=clock),
    )
    app.middlewares.append(auth.admin_middleware)
    for module in (routes_config, routes_jobs, routes_orders, routes_sync, routes_export):
        module.add_routes(app)
    auth.add_routes(app)
