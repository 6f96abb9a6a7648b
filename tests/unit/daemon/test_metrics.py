"""The in-memory metric collectors, read back through prometheus_client's exposition and parser."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from daemon.metrics.runs import RunMetrics
from daemon.metrics.vendors import VendorCollector
from jobs.context import Clients, RunResult, RunStatus
from sdk._errors import RateLimitError, ServerError
from sdk._limits import CallStats, Histogram, throttle_code
from sdk.lingxing.client import WMS_ORDER_LIST, LingxingClient
from sdk.lingxing.errors import LingxingRateLimitError
from tests.unit.sdk.lingxing_fake import APP_ID, APP_SECRET

WMS = WMS_ORDER_LIST.path


def families(collector: Collector) -> dict[str, list[Sample]]:
    registry = CollectorRegistry()
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def values(samples: list[Sample], suffix: str = "") -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(s.labels.items())): s.value for s in samples if s.name.endswith(suffix)}


def test_histogram_buckets_are_inclusive_and_cumulative() -> None:
    h = Histogram([1.0, 0.1])
    for v in (0.1, 0.5, 1.0, 7.0):
        h.observe(v)
    assert h.bounds == (0.1, 1.0)
    assert h.cumulative() == [(0.1, 1), (1.0, 3), (math.inf, 4)]
    assert (h.count, h.sum) == (4, pytest.approx(8.6))


@pytest.mark.parametrize(
    ("err", "code"),
    [
        (RateLimitError("slow down", status=429), "429"),
        (LingxingRateLimitError("over the cap", status=200, code="3001008"), "3001008"),
        (LingxingRateLimitError("too frequent", code="103"), "103"),
        (ServerError("boom", status=503), None),
        (None, None),
    ],
)
def test_throttle_code_names_what_throttled_us(err: Any, code: str | None) -> None:
    assert throttle_code(err) == code


def result(job: str, status: RunStatus, started: int = 1000, ms: int = 2500) -> RunResult:
    return RunResult(
        run_id="r",
        job=job,
        trigger="manual",
        status=status,
        started_at=started,
        duration_ms=ms,
        counters={},
    )


def test_run_metrics_time_runs_and_remember_last_start_and_success() -> None:
    stats = RunMetrics()
    stats.record(result("push", "ok", started=1000, ms=2500))
    stats.record(result("push", "failed", started=2000, ms=100))
    stats.record(result("push", "already_running", started=3000, ms=0))
    stats.record(result("ack", "disabled", started=3000, ms=0))

    assert stats.runs == {
        ("push", "ok"): 1,
        ("push", "failed"): 1,
        ("push", "already_running"): 1,
        ("ack", "disabled"): 1,
    }
    assert stats.last_start == {"push": 2000.0}  # runs that never began do not count
    assert stats.last_success == {"push": 1002.5}  # when the ok run finished
    assert stats.durations["push"].count == 2
    assert stats.durations["push"].sum == pytest.approx(2.6)
    assert "ack" not in stats.durations


def test_vendor_families_export_calls_latency_throttling_and_mints() -> None:
    stats = CallStats()
    stats.record_call("dsco", "GET /order/", "ok")
    stats.record_call("dsco", "GET /order/", "rate_limited")
    stats.record_duration("dsco", "GET /order/", 0.2)
    stats.record_duration("dsco", "GET /order/", 3.0)
    stats.record_throttle("dsco", "GET /order/", "429")
    stats.record_call("lingxing", WMS, "ok")
    stats.record_retry("dsco", "GET /order/", "rate_limited")
    stats.record_wait("dsco", "GET /order/", 0.25)
    stats.record_token_mint("lingxing")

    found = families(VendorCollector(stats, Clients()))

    dsco = (("endpoint", "GET /order/"), ("vendor", "dsco"))
    calls = values(found["dsco_lingxing_vendor_calls"], "_total")
    assert calls[(dsco[0], ("outcome", "ok"), dsco[1])] == 1
    assert calls[(dsco[0], ("outcome", "rate_limited"), dsco[1])] == 1
    latency = found["dsco_lingxing_vendor_call_duration_seconds"]
    buckets = {s.labels["le"]: s.value for s in latency if s.name.endswith("_bucket")}
    assert (buckets["0.25"], buckets["2.5"], buckets["5.0"], buckets["+Inf"]) == (1, 1, 2, 2)
    assert values(latency, "_sum") == {dsco: pytest.approx(3.2)}
    # The 429 happened; Lingxing's usual 3001008 is there as a 0 for the endpoint it called.
    assert values(found["dsco_lingxing_vendor_throttled"], "_total") == {
        (("code", "429"), *dsco): 1,
        (("code", "3001008"), ("endpoint", WMS), ("vendor", "lingxing")): 0,
    }
    assert values(found["dsco_lingxing_vendor_retries"]) == {
        (dsco[0], ("reason", "rate_limited"), dsco[1]): 1
    }
    assert values(found["dsco_lingxing_rate_limit_wait_seconds"]) == {dsco: 0.25}
    assert values(found["dsco_lingxing_vendor_token_mints"]) == {(("vendor", "lingxing"),): 1}


@pytest.fixture
async def lingxing() -> AsyncIterator[LingxingClient]:
    async with aiohttp.ClientSession() as session:  # never used: nothing is sent
        yield LingxingClient(
            session, base_url="http://127.0.0.1:9", app_id=APP_ID, app_secret=APP_SECRET
        )


async def test_in_flight_requests_per_capped_endpoint(lingxing: LingxingClient) -> None:
    collector = VendorCollector(lingxing.stats, Clients(lingxing=lingxing))
    key = (("endpoint", WMS), ("vendor", "lingxing"))
    async with lingxing.transport.concurrency.slot(WMS):
        busy = families(collector)
    idle = families(collector)

    assert values(busy["dsco_lingxing_vendor_in_flight"])[key] == 1
    assert values(idle["dsco_lingxing_vendor_in_flight"])[key] == 0
    assert values(idle["dsco_lingxing_vendor_in_flight_limit"])[key] == 1  # capacity-1 endpoint
    # A configured client that has not minted yet still shows its counter, at 0.
    assert values(idle["dsco_lingxing_vendor_token_mints"]) == {(("vendor", "lingxing"),): 0}
