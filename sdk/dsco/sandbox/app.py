"""The sandbox's aiohttp application factory."""

from __future__ import annotations

import asyncio

from aiohttp import web

from .clock import Clock, system_clock
from .control import add_control_routes
from .keys import SANDBOX_KEY
from .middleware import sandbox_middleware
from .routes import MAX_BODY, add_api_routes
from .state import DscoSandbox
from .stream_routes import add_stream_routes
from .switches import SandboxSwitches


def create_app(
    *,
    token: str,
    clock: Clock = system_clock,
    batch_delay: float = 0.0,
    rate_limits: bool = True,
    switches: SandboxSwitches | None = None,
) -> web.Application:
    """A DSCO v3 stand-in for one supplier account; its state is ``app[SANDBOX_KEY]``.

    Serve it on any local port (``web.AppRunner``/``TCPSite``, or the test fixtures) and point
    the DSCO client's base URL at the root: the API paths are DSCO's own (``/order/page``…).
    """
    sandbox = DscoSandbox(
        token=token,
        clock=clock,
        batch_delay=batch_delay,
        rate_limits=rate_limits,
        switches=switches,
    )
    # Bodies up to 5 MB are DSCO's limit; accept a little more so the handler can answer 413.
    app = web.Application(middlewares=[sandbox_middleware], client_max_size=MAX_BODY + 1024 * 1024)
    app[SANDBOX_KEY] = sandbox
    add_api_routes(app.router)
    add_stream_routes(app.router)
    add_control_routes(app.router)
    app.on_startup.append(_arm_closing)
    app.on_shutdown.append(_release_hangs)
    return app


async def _arm_closing(app: web.Application) -> None:
    # A fresh event bound to the loop that serves the app.
    app[SANDBOX_KEY].closing = asyncio.Event()


async def _release_hangs(app: web.Application) -> None:
    app[SANDBOX_KEY].closing.set()
