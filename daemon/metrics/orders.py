"""Database-backed families: orders per status and the age of the oldest order per status.

``collect()`` cannot wait for the database, so the ``/metrics`` handler calls :meth:`refresh`
right before it renders. When the query fails only these families are dropped and
``dsco_lingxing_database_up`` reads 0: the in-memory families are what an operator needs most
while the database is in trouble.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import asyncpg
from loguru import logger
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from db.order_stats import StatusSummary, status_summary

# Below Prometheus' default 10 s scrape timeout, so a hung database still leaves an answer.
QUERY_TIMEOUT = 3.0


@dataclass(frozen=True)
class OrderFigures:
    """One scrape's reading: the per-status summary (None = the database did not answer)."""

    summary: list[StatusSummary] | None
    now: int


class OrderCollector(Collector):
    """Exports the figures of the last :meth:`refresh` (nothing before the first one)."""

    def __init__(self, pool: asyncpg.Pool[asyncpg.Record], clock: Callable[[], float]) -> None:
        self._pool = pool
        self._clock = clock
        self._figures: OrderFigures | None = None
        self._up = True  # what the last refresh found, so only changes are logged

    async def refresh(self) -> None:
        """Read the per-status summary now (bounded by ``QUERY_TIMEOUT``)."""
        summary: list[StatusSummary] | None = None
        try:
            async with asyncio.timeout(QUERY_TIMEOUT):
                summary = await status_summary(self._pool)
        except Exception as exc:  # any failure means "no figures this time"
            if self._up:
                logger.warning(
                    "metrics: database unreachable ({}); order figures dropped",
                    type(exc).__name__,
                )
        else:
            if not self._up:
                logger.info("metrics: database reachable again")
        self._up = summary is not None
        self._figures = OrderFigures(summary, int(self._clock()))

    def collect(self) -> Iterator[Metric]:
        figures = self._figures
        if figures is None:
            return
        up = figures.summary is not None
        yield GaugeMetricFamily(
            "dsco_lingxing_database_up",
            "1 when the last scrape could read the order table, else 0.",
            value=1.0 if up else 0.0,
        )
        if figures.summary is not None:
            yield from _order_families(figures.summary, figures.now)


def _order_families(summary: list[StatusSummary], now: int) -> Iterator[Metric]:
    orders = GaugeMetricFamily(
        "dsco_lingxing_orders",
        "Orders per local status (1 pulled, 2 in Lingxing, 3 acknowledged, 4 shipped, "
        "5 invoiced/done, 6 cancelled).",
        labels=["status"],
    )
    oldest = GaugeMetricFamily(
        "dsco_lingxing_orders_oldest_age_seconds",
        "Seconds the oldest order of a status has been in it (absent when the status is empty).",
        labels=["status"],
    )
    for entry in summary:
        orders.add_metric([str(entry.status)], entry.count)
        age = entry.age(now)
        if age is not None:
            oldest.add_metric([str(entry.status)], age)
    yield orders
    yield oldest
