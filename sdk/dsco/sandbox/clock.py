"""Time for the sandbox: an injectable clock and DSCO's timestamp formats.

Every rule that depends on time (``until`` at least 5 s in the past, the 5-minute scroll TTL, batch
processing delays, rate-limit buckets) reads the injected clock, so tests can drive time by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""Returns the current instant as an aware UTC ``datetime``."""


def system_clock() -> datetime:
    """The real wall clock (the default)."""
    return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to; starts at a fixed instant unless given one."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 2, 11, 12, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")

    def __call__(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move time forward (never backwards) and return the new instant."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += timedelta(seconds=seconds)
        return self._now


def format_ts(when: datetime) -> str:
    """DSCO's own output form: explicit ``+00:00`` offset, whole seconds."""
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_ts(text: str) -> datetime | None:
    """Parse an RFC 3339 instant (``Z`` or an offset); ``None`` when unparsable or naive."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)
