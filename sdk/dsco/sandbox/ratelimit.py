"""DSCO's documented request rates (§1.4) as sliding windows, driven by the sandbox clock.

DSCO words each limit as "N times per second, or up to M times per minute" and does not say
how it counts. The sandbox takes the strictest reading: a call is refused with 429 when the
endpoint already accepted N calls in the second before it, or M in the minute before it. A
client that never meets a 429 here keeps within a token bucket or fixed windows too.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

Window = tuple[int, timedelta]
"""At most ``calls`` accepted calls in any span of this length."""

SECOND, MINUTE = timedelta(seconds=1), timedelta(minutes=1)

# (method, route) -> its windows. Endpoints DSCO states no rate for (the batch POSTs, the change
# logs, the stream calls other than ``/stream/single/…``, which the sandbox does not serve) are
# not limited.
DOCUMENTED_LIMITS: dict[tuple[str, str], tuple[Window, ...]] = {
    ("GET", "/order/page"): ((10, SECOND), (500, MINUTE)),
    ("GET", "/order/"): ((10, SECOND), (500, MINUTE)),
    ("POST", "/order/acknowledge"): ((15, SECOND), (1000, MINUTE)),
    ("GET", "/invoice"): ((15, SECOND), (1000, MINUTE)),
    ("GET", "/inventory"): ((15, SECOND), (300, MINUTE)),
}


class RateLimiter:
    """Remembers when each limited endpoint accepted its latest calls (refused ones do not
    count) and refuses a call that would put more than a window's calls inside that window."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._accepted: dict[tuple[str, str], deque[datetime]] = {}

    def reset(self) -> None:
        self._accepted.clear()

    def allow(self, method: str, path: str, now: datetime) -> bool:
        windows = DOCUMENTED_LIMITS.get((method, path))
        if not self.enabled or windows is None:
            return True
        longest = max(calls for calls, _ in windows)
        accepted = self._accepted.setdefault((method, path), deque(maxlen=longest))
        # The N-th latest accepted call must lie a whole window back: (now - span, now] holds
        # at most N calls, this one included.
        if any(len(accepted) >= calls and now - accepted[-calls] < span for calls, span in windows):
            return False
        accepted.append(now)
        return True
