"""The admin JSON API under ``/admin/api/``; see :func:`setup_admin`."""

from __future__ import annotations

import time

from aiohttp import web

from daemon.admin import (
    auth,
    description,
    routes_config,
    routes_export,
    routes_jobs,
    routes_orders,
    routes_sync,
)
from daemon.admin.context import ADMIN, AdminState
from daemon.admin.sessions import Clock, SessionStore
from daemon.admin.throttle import DeviceTokens, LoginThrottle, ThrottlePolicy
from daemon.api_description import set_description
from daemon.core import Core
from daemon.history import JournalReader, OrderHistory
from daemon.logging import HISTORY, active_format
from daemon.routing import Route, add_routes
from daemon.scheduler import Scheduler
from daemon.settings import Settings

__all__ = ["ADMIN", "ROUTES", "AdminState", "setup_admin"]

ROUTES: tuple[Route, ...] = (
    *routes_config.ROUTES,
    *routes_jobs.ROUTES,
    *routes_orders.ROUTES,
    *routes_sync.ROUTES,
    *routes_export.ROUTES,
    *auth.ROUTES,
    *description.ROUTES,
)


def setup_admin(
    app: web.Application,
    *,
    core: Core,
    scheduler: Scheduler | None,
    settings: Settings,
    clock: Clock = time.monotonic,
    history: OrderHistory | None = None,
    throttle: ThrottlePolicy | None = None,
) -> None:
    """Add every ``/admin/api/…`` route, the admin middleware and its state to ``app``.

    ``clock`` (monotonic seconds) drives session expiry and login pacing; tests pass a fake
    one. ``history`` defaults to the journal when logging goes there, else this process's
    in-memory records.
    """
    app[ADMIN] = AdminState(
        core=core,
        scheduler=scheduler,
        settings=settings,
        sessions=SessionStore(settings.admin.session_ttl_seconds, clock),
        throttle=LoginThrottle(throttle, clock=clock),
        devices=DeviceTokens(auth.DEVICE_TTL_SECONDS, clock=clock),
        history=history or default_history(),
    )
    app.middlewares.append(auth.admin_middleware)
    add_routes(app, ROUTES)
    set_description(app, ROUTES, description.PROFILE)


def default_history() -> OrderHistory:
    journal = JournalReader() if active_format() == "journald" else None
    return OrderHistory(HISTORY, journal)
