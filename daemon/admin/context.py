"""What every admin handler reaches through ``request.app[ADMIN]``."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from daemon.admin.sessions import LoginLimiter, SessionStore
from daemon.core import Core
from daemon.scheduler import Scheduler
from daemon.settings import Settings


@dataclass
class AdminState:
    core: Core
    scheduler: Scheduler | None
    settings: Settings
    sessions: SessionStore
    limiter: LoginLimiter

    @property
    def max_range_seconds(self) -> int:
        return self.settings.admin.export.max_range_days * 86400


ADMIN = web.AppKey("admin", AdminState)


def admin_state(request: web.Request) -> AdminState:
    return request.app[ADMIN]
