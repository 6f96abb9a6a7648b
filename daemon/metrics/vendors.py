"""Vendor-call families: calls by outcome, latency, throttling, retries, waits, token mints and
in-flight requests per capped endpoint — all read from memory at scrape time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from daemon.metrics.families import histogram_family
from jobs.context import Clients
from sdk._limits import CallStats

K = TypeVar("K", bound=tuple[str, ...])

# The answers each vendor throttles with, exported as 0 for every endpoint already called:
# a counter that first appears at 1 shows no increase() in Prometheus, so without these zeros
# the first throttling of an endpoint would go unseen by the alert.
_USUAL_THROTTLE_CODES = {"dsco": ("429",), "lingxing": ("3001008",)}


class VendorCollector(Collector):
    """Exports the shared :class:`CallStats` and the clients' in-flight limiters."""

    def __init__(self, stats: CallStats, clients: Clients) -> None:
        self._stats = stats
        self._transports = [c.transport for c in (clients.dsco, clients.lingxing) if c]

    def collect(self) -> Iterator[Metric]:
        stats = self._stats
        yield _counter(
            "dsco_lingxing_vendor_calls",
            "Vendor HTTP attempts by endpoint and outcome (ok, rate_limited, server_error, ...).",
            ["vendor", "endpoint", "outcome"],
            stats.calls,
        )
        yield histogram_family(
            "dsco_lingxing_vendor_call_duration_seconds",
            "Duration of vendor HTTP attempts, any outcome.",
            ["vendor", "endpoint"],
            stats.durations,
        )
        yield _counter(
            "dsco_lingxing_vendor_throttled",
            "Vendor rate-limit answers by code: 429, or Lingxing 3001008 (over the in-flight cap).",
            ["vendor", "endpoint", "code"],
            self._throttled(),
        )
        yield _counter(
            "dsco_lingxing_vendor_retries",
            "Vendor call retries by endpoint and reason.",
            ["vendor", "endpoint", "reason"],
            stats.retries,
        )
        yield _counter(
            "dsco_lingxing_rate_limit_waits",
            "Waits before a vendor call caused by rate limits (client-side or the vendor's).",
            ["vendor", "endpoint"],
            stats.rate_limit_waits,
        )
        yield _counter(
            "dsco_lingxing_rate_limit_wait_seconds",
            "Seconds spent in those waits.",
            ["vendor", "endpoint"],
            stats.rate_limit_wait_seconds,
        )
        yield _counter(
            "dsco_lingxing_vendor_token_mints",
            "New access tokens minted (for Lingxing each one revokes the app's previous token).",
            ["vendor"],
            {(t.vendor,): 0 for t in self._transports}
            | {(v,): n for v, n in stats.token_mints.items()},
        )
        yield from self._in_flight()

    def _throttled(self) -> dict[tuple[str, ...], float]:
        seeded: dict[tuple[str, ...], float] = {
            (vendor, endpoint, code): 0
            for vendor, endpoint, _ in self._stats.calls
            for code in _USUAL_THROTTLE_CODES.get(vendor, ())
        }
        return seeded | dict(self._stats.throttled)

    def _in_flight(self) -> Iterator[Metric]:
        labels = ["vendor", "endpoint"]
        in_flight = GaugeMetricFamily(
            "dsco_lingxing_vendor_in_flight",
            "Requests holding a slot of an endpoint's in-flight cap in this process.",
            labels=labels,
        )
        limit = GaugeMetricFamily(
            "dsco_lingxing_vendor_in_flight_limit",
            "The endpoint's in-flight cap in this process (Lingxing: its bucket capacity).",
            labels=labels,
        )
        for transport in self._transports:
            limiter = transport.concurrency
            for endpoint, cap in sorted(limiter.caps().items()):
                in_flight.add_metric([transport.vendor, endpoint], limiter.in_flight(endpoint))
                limit.add_metric([transport.vendor, endpoint], cap)
        yield in_flight
        yield limit


def _counter(
    name: str, documentation: str, labels: list[str], values: Mapping[K, float]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(list(key), value)
    return family
