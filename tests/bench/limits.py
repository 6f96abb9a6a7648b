"""The least time a number of calls needs under a vendor's limits (the benchmarks' bounds)."""

from __future__ import annotations

import math

from sdk._limits import Rate


def least_seconds_at_rate(rate: Rate, calls: int) -> float:
    """When the last of ``calls`` can leave, every window of ``rate`` kept in its strict sense
    (never more than N calls in any second, nor M in any minute): the k-th call (from 0) at
    ``60·⌊k/M⌋ + ⌊(k mod M)/N⌋`` seconds."""
    if calls <= 0:
        return 0.0
    k, seconds = calls - 1, 0.0
    if rate.per_minute:
        seconds += 60 * (k // rate.per_minute)
        k %= rate.per_minute
    if rate.per_second:
        seconds += k // rate.per_second
    return seconds


def least_seconds_capped(cap: int, calls: int, latency: float) -> float:
    """``calls`` to an endpoint that takes at most ``cap`` at a time, each ``latency`` long."""
    return math.ceil(calls / cap) * latency if calls > 0 else 0.0
