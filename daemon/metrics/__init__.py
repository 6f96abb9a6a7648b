"""``GET /metrics``: the daemon's Prometheus metrics (names and meaning: docs/observability.md).

Each web app gets its own ``CollectorRegistry`` (never the library's global one), so several
apps in one process — tests, mostly — never see each other's families. The collectors read the
daemon's in-memory state (runner, vendor call stats, limiters, runtime config) at scrape time;
the database-backed families are refreshed by the handler just before rendering.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import hdrs, web
from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.exposition import choose_encoder

from daemon.metrics.orders import OrderCollector
from daemon.metrics.runs import RunCollector
from daemon.metrics.vendors import VendorCollector

if TYPE_CHECKING:  # daemon.core imports daemon.metrics.runs: a run-time import would be circular
    from daemon.core import Core

__all__ = ["METRICS", "Metrics", "build_metrics", "setup_metrics"]


@dataclass(frozen=True)
class Metrics:
    """One app's registry and the collector that must be refreshed before each scrape."""

    registry: CollectorRegistry
    orders: OrderCollector

    async def render(self, accept: str = "") -> tuple[bytes, str]:
        """The exposition body and its content type (OpenMetrics when the scraper asks)."""
        await self.orders.refresh()
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


METRICS = web.AppKey("metrics", Metrics)


def build_metrics(core: Core, *, clock: Callable[[], float] = time.time) -> Metrics:
    """A fresh registry over ``core``; ``clock`` (unix seconds) dates the order ages."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)  # process_start_time_seconds, memory, open fds
    PlatformCollector(registry=registry)
    registry.register(RunCollector(core.runner, core.config))
    registry.register(VendorCollector(core.vendor_stats, core.clients))
    orders = OrderCollector(core.pool, clock)
    registry.register(orders)
    return Metrics(registry, orders)


def setup_metrics(
    app: web.Application, *, core: Core, clock: Callable[[], float] = time.time
) -> None:
    """Serve ``GET /metrics`` (no login) from a registry of this app's own."""
    app[METRICS] = build_metrics(core, clock=clock)
    app.router.add_get("/metrics", _metrics)


async def _metrics(request: web.Request) -> web.Response:
    accept = ",".join(request.headers.getall(hdrs.ACCEPT, []))
    body, content_type = await request.app[METRICS].render(accept)
    return web.Response(body=body, headers={hdrs.CONTENT_TYPE: content_type})
