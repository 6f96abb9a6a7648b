"""The optional open API under ``/api/v1``, mounted on the daemon's web app.

Nothing is mounted unless ``api.enable``: every ``/api/v1`` path is then a plain 404.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from daemon.api_description import set_description
from daemon.core import Core
from daemon.openapi import description
from daemon.openapi.auth import bearer_auth
from daemon.openapi.errors import json_errors
from daemon.openapi.routes import API_CLOCK, API_CORE, ROUTES, add_open_api_routes
from daemon.settings import Settings

PREFIX = "/api/v1"


def setup_open_api(
    app: web.Application,
    *,
    core: Core,
    settings: Settings,
    clock: Callable[[], float] = time.time,
) -> None:
    """Mount ``/api/v1`` on ``app`` when ``api.enable`` (its token is then required)."""
    if not settings.api.enable:
        return
    token = settings.api.token.get_secret_value() if settings.api.token is not None else ""
    if not token:  # Settings already refuses this; never serve the API without a token
        raise ValueError("api.token: required when api.enable is true")
    # Auth runs inside json_errors so that even a crash in it answers JSON.
    api = web.Application(middlewares=[json_errors, bearer_auth(token)])
    api[API_CORE] = core
    api[API_CLOCK] = clock
    add_open_api_routes(api)
    set_description(api, ROUTES, description.profile(PREFIX))
    app.add_subapp(PREFIX, api)


__all__ = ["setup_open_api"]
