"""Per-endpoint token buckets with DSCO's documented rates (§1.4), driven by the sandbox clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# (method, route) -> (requests per second or None, requests per minute). Endpoints DSCO states no
# rate for (the batch POSTs, the change logs) are not limited.
DOCUMENTED_LIMITS: dict[tuple[str, str], tuple[float | None, float]] = {
    ("GET", "/order/page"): (10, 500),
    ("GET", "/order/"): (10, 500),
    ("POST", "/order/acknowledge"): (15, 1000),
    ("GET", "/invoice"): (15, 1000),
    ("GET", "/inventory"): (15, 300),
    ("GET", "/stream/{id}/{partitionId}/{position}"): (None, 15),
}


@dataclass
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float
    stamp: datetime | None = None

    def refill(self, now: datetime) -> None:
        # timedelta arithmetic is exact to the microsecond; epoch floats are not.
        if self.stamp is not None:
            elapsed = max(0.0, (now - self.stamp).total_seconds())
            self.tokens = min(self.capacity, self.tokens + elapsed * self.per_second)
        self.stamp = now


class RateLimiter:
    """Every bucket of an endpoint (per second, per minute) must have a token to pass."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._buckets: dict[tuple[str, str], list[TokenBucket]] = {}

    def reset(self) -> None:
        self._buckets.clear()

    def allow(self, method: str, path: str, now: datetime) -> bool:
        limits = DOCUMENTED_LIMITS.get((method, path))
        if not self.enabled or limits is None:
            return True
        buckets = self._buckets.get((method, path))
        if buckets is None:
            per_s, per_min = limits
            buckets = [TokenBucket(per_min, per_min / 60, per_min)]
            if per_s is not None:
                buckets.append(TokenBucket(per_s, per_s, per_s))
            self._buckets[(method, path)] = buckets
        for bucket in buckets:
            bucket.refill(now)
        if any(b.tokens < 1 for b in buckets):
            return False
        for bucket in buckets:
            bucket.tokens -= 1
        return True
