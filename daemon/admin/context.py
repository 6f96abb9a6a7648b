"""What every admin handler reaches through ``request.app[ADMIN]``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web

from daemon.admin.sessions import SessionStore
from daemon.admin.throttle import DeviceTokens, LoginThrottle
from daemon.core import Core
from daemon.history import OrderHistory
from daemon.scheduler import Scheduler
from daemon.settings import Settings


@dataclass
class AdminState:
    core: Core
    scheduler: Scheduler | None
    settings: Settings
    sessions: SessionStore
    throttle: LoginThrottle
    devices: DeviceTokens
    history: OrderHistory
    # Saves of the runtime config are applied one at a time, so the live snapshot is always
    # the one stored last (two overlapping saves could otherwise activate out of order).
    config_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def max_range_seconds(self) -> int:
        return self.settings.admin.export.max_range_days * 86400


ADMIN = web.AppKey("admin", AdminState)


def admin_state(request: web.Request) -> AdminState:
    return request.app[ADMIN]
