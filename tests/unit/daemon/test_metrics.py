from __future__ import annotations

from types import SimpleNamespace

from daemon.metrics import _vendor_lines
from sdk._limits import CallStats


def test_vendor_calls_retries_and_waits_are_exported() -> None:
    stats = CallStats()
    stats.record_call("dsco", "GET /order/", "ok")
    stats.record_call("dsco", "GET /order/", "ok")
    stats.record_call("lingxing", "/pb/mp/order/v2/create", "RateLimitError")
    stats.record_retry("lingxing", "/pb/mp/order/v2/create", "3001008")
    stats.record_wait("dsco", "GET /order/", 0.25)
    text = "\n".join(_vendor_lines(SimpleNamespace(vendor_stats=stats)))  # type: ignore[arg-type]
    assert (
        'dsco_lingxing_vendor_calls_total{vendor="dsco",endpoint="GET /order/",outcome="ok"} 2'
        in text
    )
    assert 'reason="3001008"} 1' in text
    assert 'dsco_lingxing_rate_limit_waits_total{vendor="dsco",endpoint="GET /order/"} 1' in text
