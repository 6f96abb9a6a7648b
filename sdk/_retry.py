"""Retry policy and the write-safety rule of the shared transport.

The policy is data: attempts, a total time budget, exponential backoff with jitter, and the
clock/sleep functions (injectable, so tests run without waiting: :meth:`RetryPolicy.instant`).

Whether an error is retried depends on the operation's :class:`Safety`:

* ``READ`` and ``IDEMPOTENT`` (a write that is safe to repeat, e.g. keyed by PO number):
  retried on any *transient* error — connection failures, timeouts, 408/429/5xx and vendor
  rate-limit codes.
* ``WRITE`` (not safe to repeat): retried only when the error proves the request was not
  processed (``refused``: connection never established, 429, vendor "bucket empty"). A
  timeout or 5xx after sending is raised with ``ambiguous=True``; the caller re-checks state.
"""

from __future__ import annotations

import asyncio
import enum
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime

from sdk._errors import APIStatusError, SdkError

__all__ = [
    "RetryPolicy",
    "Safety",
    "fits_budget",
    "is_ambiguous",
    "parse_retry_after",
    "should_retry",
]

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class Safety(enum.Enum):
    """How safe it is to send an operation twice."""

    READ = "read"
    IDEMPOTENT = "idempotent"
    WRITE = "write"


async def _no_sleep(_seconds: float) -> None:
    # Still yield to the loop so that "instant" retries interleave like real ones.
    await asyncio.sleep(0)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: at most ``max_attempts`` sends and ``max_total_seconds`` of waiting.

    Delay before retry ``n`` (1-based) is ``min(max_backoff, base_backoff * 2**(n-1))``,
    reduced by up to ``jitter`` (a fraction, 0..1) at random; a vendor ``Retry-After`` replaces
    it (capped by ``max_retry_after``). A retry that would end past the budget is not made.
    """

    max_attempts: int = 4
    max_total_seconds: float = 60.0
    base_backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    sleep: Sleep = field(default=asyncio.sleep, compare=False)
    clock: Clock = field(default=time.monotonic, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be within 0..1")

    @classmethod
    def instant(cls, **overrides: object) -> RetryPolicy:
        """A policy whose sleeps take no time (the testing switch); delays are still computed."""
        return cls(sleep=_no_sleep, **overrides)  # type: ignore[arg-type]

    @classmethod
    def never(cls) -> RetryPolicy:
        """Exactly one attempt."""
        return cls(max_attempts=1)

    def backoff(self, retry_number: int) -> float:
        """Delay before the ``retry_number``-th retry (1-based), jitter applied."""
        raw = min(self.max_backoff, self.base_backoff * (2.0 ** (retry_number - 1)))
        return raw * (1.0 - self.jitter * self.rng.random())

    def delay_for(self, retry_number: int, err: SdkError) -> float:
        """Backoff, or the vendor's ``Retry-After`` when it sent one."""
        if err.retry_after is not None:
            return min(max(err.retry_after, 0.0), self.max_retry_after)
        return self.backoff(retry_number)


def should_retry(err: SdkError, safety: Safety) -> bool:
    """The write-safety rule (module docstring)."""
    transient = err.transient or (isinstance(err, APIStatusError) and err.status == 408)
    if not transient:
        return False
    return safety is not Safety.WRITE or err.refused


def is_ambiguous(err: SdkError, safety: Safety) -> bool:
    """A write failed in a way that does not prove it was not processed."""
    return safety is not Safety.READ and not err.refused


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)


def fits_budget(policy: RetryPolicy, start: float, delay: float) -> bool:
    """Would waiting ``delay`` more seconds stay within ``max_total_seconds``?"""
    return policy.clock() - start + delay <= policy.max_total_seconds
