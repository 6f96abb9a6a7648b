"""``create_app``: the sandbox as an ``aiohttp`` application."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiohttp import web

from .auth_routes import AUTH_ROUTES
from .control import routes as control_routes
from .gateway import gateway_middleware
from .keys import SANDBOX_KEY
from .options import SandboxOptions
from .routes import BUSINESS_ROUTES
from .state import LingxingSandbox


def create_app(
    *,
    app_id: str,
    app_secret: str,
    token_ttl: float = 7200.0,
    clock: Callable[[], float] = time.time,
    options: SandboxOptions | None = None,
) -> web.Application:
    """A fresh sandbox app; its state is ``app[SANDBOX_KEY]`` (a :class:`LingxingSandbox`)."""
    sandbox = LingxingSandbox(
        app_id=app_id, app_secret=app_secret, token_ttl=token_ttl, clock=clock, options=options
    )
    return app_for(sandbox)


def app_for(sandbox: LingxingSandbox) -> web.Application:
    """An ``aiohttp`` application serving an existing sandbox state."""
    app = web.Application(middlewares=[gateway_middleware], client_max_size=16 * 1024**2)
    app[SANDBOX_KEY] = sandbox
    for path, handler in {**AUTH_ROUTES, **BUSINESS_ROUTES}.items():
        app.router.add_post(path, handler)
    app.router.add_routes(control_routes)
    app.on_startup.append(_arm_hangs)
    app.on_shutdown.append(_release_hangs)
    app.on_cleanup.append(_finish_calls)
    return app


async def _arm_hangs(app: web.Application) -> None:
    app[SANDBOX_KEY].closing.clear()


async def _release_hangs(app: web.Application) -> None:
    # Hanging requests and latency sleeps end at once so shutdown never waits for them.
    app[SANDBOX_KEY].closing.set()


async def _finish_calls(app: web.Application) -> None:
    # Abandoned calls run on in the background; let them end before the loop goes away.
    pending = list(app[SANDBOX_KEY].background)
    await asyncio.gather(*pending, return_exceptions=True)
