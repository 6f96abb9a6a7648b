"""Client-side limits and counters shared by the vendor clients.

* :class:`ConcurrencyLimiter` — at most N requests in flight per endpoint key (Lingxing's
  "token bucket" is really an in-flight cap: tokens come back when a request completes), in
  this process and, through a :class:`~sdk._capacity.CapacityGate`, across the deployment.
* :class:`RateLimiter` — request-rate limits per endpoint key (at most N calls in any second
  and/or M in any minute; DSCO documents these).
* :class:`CallStats` — in-memory counters and latency histograms the daemon exports as metrics.
* :class:`Histogram` — observations in fixed buckets, the shape a Prometheus histogram has.
* :func:`run_all` — run coroutines concurrently and raise the first real error (not an
  ``ExceptionGroup``), cancelling the rest.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import math
import time
from collections import Counter, defaultdict, deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any, TypeVar

from sdk._capacity import CapacityGate, GateUnavailable, ProcessGate
from sdk._errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    DecodeError,
    NotFoundError,
    RateLimitError,
    SdkError,
    ServerError,
    ValidationError,
)

__all__ = [
    "CALL_SECONDS_BUCKETS",
    "CallStats",
    "ConcurrencyLimiter",
    "Histogram",
    "Rate",
    "RateLimiter",
    "outcome_label",
    "run_all",
    "throttle_code",
]

T = TypeVar("T")


class ConcurrencyLimiter:
    """One ``asyncio.Semaphore`` per endpoint key; keys without a cap are unlimited.

    Inside the local slot, ``gate`` hands out one of the key's ``cap`` deployment-wide slots
    (the default :class:`~sdk._capacity.ProcessGate` admits at once: this process alone).
    """

    def __init__(
        self,
        caps: Mapping[str, int],
        *,
        default: int | None = None,
        gate: CapacityGate | None = None,
    ) -> None:
        if any(cap < 1 for cap in caps.values()) or (default is not None and default < 1):
            raise ValueError("concurrency caps must be >= 1")
        self._caps = dict(caps)
        self._default = default
        self.gate: CapacityGate = gate or ProcessGate()
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()

    def cap(self, key: str) -> int | None:
        """The in-flight cap of ``key`` (None = unlimited)."""
        return self._caps.get(key, self._default)

    def caps(self) -> dict[str, int]:
        """The keys with an explicit cap, and their caps."""
        return dict(self._caps)

    def in_flight(self, key: str) -> int:
        """Requests of ``key`` currently holding a slot."""
        return self._in_flight[key]

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        """Hold one in-flight slot of ``key`` for the duration of the block.

        Raises :class:`~sdk._capacity.GateUnavailable` when the shared gate cannot be reached.
        """
        cap = self.cap(key)
        if cap is None:
            yield
            return
        semaphore = self._semaphores.setdefault(key, asyncio.Semaphore(cap))
        async with semaphore, contextlib.AsyncExitStack() as shared:
            try:
                await shared.enter_async_context(self.gate.slot(key, cap))
            except ConnectionError as exc:
                raise GateUnavailable(type(exc).__name__) from None
            self._in_flight[key] += 1
            self.peak[key] = max(self.peak[key], self._in_flight[key])
            try:
                yield
            finally:
                self._in_flight[key] -= 1


@dataclass(frozen=True)
class Rate:
    """A documented request rate: at most ``per_second`` calls in any one second and at most
    ``per_minute`` calls in any sixty seconds (either may be absent)."""

    per_second: int | None = None
    per_minute: int | None = None

    def __post_init__(self) -> None:
        if any(n is not None and n < 1 for n in (self.per_second, self.per_minute)):
            raise ValueError("a rate allows at least one call per window")

    def windows(self) -> list[tuple[int, float]]:
        """``(calls, seconds)`` of every window this rate sets."""
        pairs = ((self.per_second, 1.0), (self.per_minute, 60.0))
        return [(calls, seconds) for calls, seconds in pairs if calls is not None]


# A clock that ticks in whole nanoseconds (or microseconds) cannot reach an instant a float
# sum puts 1e-16 s later: treat "due within a nanosecond" as due instead of sleeping forever.
_DUE_EPSILON = 1e-9


class _Send:
    """One call in a key's log: it counts from the moment it is admitted until it has ended."""

    __slots__ = ("done", "ended")

    def __init__(self) -> None:
        self.ended: float | None = None
        self.done = asyncio.Event()

    def end(self, now: float) -> None:
        self.ended = now
        self.done.set()


class RateLimiter:
    """Holds every call of a key until it fits each window of the key's :class:`Rate`.

    A call may start once, for every window of N calls per W seconds, the N-th call before it
    ended at least W seconds ago. The vendor counts a call when it *arrives*, which is some
    time between our send and its answer; counting each call until its answer is back means
    that whatever the network does (a slow connect, a request that overtakes another), the
    vendor never sees more than N arrivals in any W seconds. That is the strictest reading of
    "N per second, or M per minute" (a sliding window), and it also keeps within a token
    bucket or fixed windows of the same sizes. Callers of a key are admitted in arrival order.
    """

    def __init__(
        self,
        rates: Mapping[str, Rate],
        *,
        default: Rate | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rates = dict(rates)
        self._default = default
        self._clock = clock
        self._sleep = sleep
        self._logs: dict[str, deque[_Send]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def windows(self, key: str) -> list[tuple[int, float]]:
        """``(calls, seconds)`` windows that apply to ``key`` (empty: unlimited)."""
        rate = self._rates.get(key, self._default)
        return rate.windows() if rate is not None else []

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[float]:
        """Hold one call of ``key`` for the block: entered once the call fits every window
        (yields the seconds spent waiting); the call counts until the block is left."""
        windows = self.windows(key)
        if not windows:
            yield 0.0
            return
        send, waited = await self._admit(key, windows)
        try:
            yield waited
        finally:
            send.end(self._clock())

    async def acquire(self, key: str) -> float:
        """Admit one call of ``key`` that ends at once; returns the seconds spent waiting."""
        async with self.slot(key) as waited:
            return waited

    async def _admit(self, key: str, windows: list[tuple[int, float]]) -> tuple[_Send, float]:
        longest = max(calls for calls, _ in windows)
        log = self._logs.setdefault(key, deque(maxlen=longest))
        waited = 0.0
        # The lock makes callers queue in arrival order instead of racing for free places.
        async with self._locks.setdefault(key, asyncio.Lock()):
            while True:
                earlier = [
                    (log[-calls], seconds) for calls, seconds in windows if len(log) >= calls
                ]
                running = next((send for send, _ in earlier if send.ended is None), None)
                if running is not None:
                    # Its answer is not back: it may not have reached the vendor yet either.
                    before = self._clock()
                    await running.done.wait()
                    waited += max(self._clock() - before, 0.0)
                    continue
                now = self._clock()
                wait = max(
                    (s.ended + seconds - now for s, seconds in earlier if s.ended is not None),
                    default=0.0,
                )
                if wait <= _DUE_EPSILON:
                    send = _Send()
                    log.append(send)
                    return send, waited
                await self._sleep(wait)
                waited += wait


def outcome_label(err: SdkError | None) -> str:
    """A short, stable metrics label for a call outcome."""
    labels: tuple[tuple[type[SdkError], str], ...] = (
        (RateLimitError, "rate_limited"),
        (AuthenticationError, "auth"),
        (NotFoundError, "not_found"),
        (ServerError, "server_error"),
        (ValidationError, "invalid"),
        (APITimeoutError, "timeout"),
        (APIConnectionError, "connection"),
        (DecodeError, "decode"),
    )
    if err is None:
        return "ok"
    return next((label for cls, label in labels if isinstance(err, cls)), "error")


def throttle_code(err: SdkError | None) -> str | None:
    """For a vendor rate-limit answer, what said so: ``"429"`` or the vendor's own code
    (Lingxing's ``3001008`` = over the in-flight cap); None for anything else."""
    if not isinstance(err, RateLimitError):
        return None
    if err.status == 429:
        return "429"
    return err.code or "rate_limited"


CALL_SECONDS_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Upper bounds (seconds) of the vendor call latency histogram: fast reads to slow writes."""


class Histogram:
    """Observations counted in fixed buckets (upper bounds, inclusive) plus their sum."""

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(sorted(bounds))
        self._counts = [0] * (len(self.bounds) + 1)  # the last bucket is +Inf
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self._counts[bisect.bisect_left(self.bounds, value)] += 1
        self.sum += value

    @property
    def count(self) -> int:
        return sum(self._counts)

    def cumulative(self) -> list[tuple[float, int]]:
        """``(upper bound, observations <= bound)`` pairs, ending with ``(inf, count)``."""
        return list(zip((*self.bounds, math.inf), itertools.accumulate(self._counts), strict=True))


class CallStats:
    """In-memory counters for vendor calls (one instance may be shared by all clients).

    ``calls[(vendor, endpoint, outcome)]`` counts every attempt and ``durations[(vendor,
    endpoint)]`` times them; ``throttled[(vendor, endpoint, code)]`` counts the vendor's
    rate-limit answers (429, 3001008); ``retries`` counts retries by reason;
    ``rate_limit_waits`` / ``rate_limit_wait_seconds`` count waits caused by client-side rate
    limiters and by vendor rate-limit answers; ``token_mints[vendor]`` counts new access tokens.
    """

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str, str]] = Counter()
        self.durations: dict[tuple[str, str], Histogram] = {}
        self.throttled: Counter[tuple[str, str, str]] = Counter()
        self.retries: Counter[tuple[str, str, str]] = Counter()
        self.rate_limit_waits: Counter[tuple[str, str]] = Counter()
        self.rate_limit_wait_seconds: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.token_mints: Counter[str] = Counter()

    def record_call(self, vendor: str, endpoint: str, outcome: str) -> None:
        self.calls[(vendor, endpoint, outcome)] += 1

    def record_duration(self, vendor: str, endpoint: str, seconds: float) -> None:
        key = (vendor, endpoint)
        if key not in self.durations:
            self.durations[key] = Histogram(CALL_SECONDS_BUCKETS)
        self.durations[key].observe(seconds)

    def record_throttle(self, vendor: str, endpoint: str, code: str) -> None:
        self.throttled[(vendor, endpoint, code)] += 1

    def record_token_mint(self, vendor: str) -> None:
        self.token_mints[vendor] += 1

    def record_retry(self, vendor: str, endpoint: str, reason: str) -> None:
        self.retries[(vendor, endpoint, reason)] += 1

    def record_wait(self, vendor: str, endpoint: str, seconds: float) -> None:
        self.rate_limit_waits[(vendor, endpoint)] += 1
        self.rate_limit_wait_seconds[(vendor, endpoint)] += seconds

    def snapshot(self) -> dict[str, list[dict[str, object]]]:
        """Plain data for exporters: lists of labelled values."""
        return {
            "calls": [
                {"vendor": v, "endpoint": e, "outcome": o, "count": n}
                for (v, e, o), n in sorted(self.calls.items())
            ],
            "retries": [
                {"vendor": v, "endpoint": e, "reason": r, "count": n}
                for (v, e, r), n in sorted(self.retries.items())
            ],
            "rate_limit_waits": [
                {"vendor": v, "endpoint": e, "count": n, "seconds": self.rate_limit_wait_seconds[k]}
                for k, n in sorted(self.rate_limit_waits.items())
                for v, e in [k]
            ],
        }


async def run_all(coros: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run ``coros`` concurrently; results in input order. On the first failure the others
    are cancelled and that failure is raised as itself (not wrapped in an ExceptionGroup)."""
    tasks: list[asyncio.Task[T]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(coro) for coro in coros]
    except BaseExceptionGroup as group_error:
        raise _first_leaf(group_error) from None
    return [task.result() for task in tasks]


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_leaf(exc)
        if not isinstance(exc, asyncio.CancelledError):
            return exc
    return group.exceptions[0]
