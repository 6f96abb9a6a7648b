"""Per-endpoint in-flight caps: Lingxing's "token bucket" (fact sheet §5).

A slot is taken when a request starts and given back when its answer is produced; a request that
finds no free slot is refused at once (``3001008``), never queued. The limiter remembers the
highest number of requests it ever saw in flight per path, which tests assert on.
"""

from __future__ import annotations

from collections import Counter

from .paths import CAPACITIES


class InFlightLimiter:
    """Counts requests in flight per path against a capacity."""

    def __init__(self, overrides: dict[str, int]) -> None:
        # Shared with SandboxOptions.capacity_overrides so option changes apply immediately.
        self._overrides = overrides
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()

    def capacity(self, path: str) -> int:
        """The cap for ``path`` (override, documented value, or 100 for unlisted paths)."""
        return self._overrides.get(path, CAPACITIES.get(path, 100))

    def try_acquire(self, path: str) -> bool:
        """Take a slot; ``False`` (and a rejection is counted) when the cap is full."""
        if self.in_flight[path] >= self.capacity(path):
            self.rejected[path] += 1
            return False
        self.in_flight[path] += 1
        self.max_in_flight[path] = max(self.max_in_flight[path], self.in_flight[path])
        return True

    def release(self, path: str) -> None:
        """Give a slot back."""
        self.in_flight[path] -= 1

    def reset_stats(self) -> None:
        """Zero the recorded maxima and rejections (slots in use stay counted)."""
        self.max_in_flight = Counter({p: n for p, n in self.in_flight.items() if n})
        self.rejected.clear()
