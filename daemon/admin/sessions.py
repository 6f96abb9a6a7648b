"""In-memory admin sessions and the login rate limit (the daemon is one process).

A session id and its CSRF token are both ``secrets.token_urlsafe(32)``; expired sessions are
refused and purged. Failed logins are counted per client address in a sliding window.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass
class Session:
    id: str
    csrf_token: str
    expires_at: float

    def csrf_matches(self, presented: str) -> bool:
        return hmac.compare_digest(presented.encode(), self.csrf_token.encode())


class SessionStore:
    """Live sessions by id; each lives ``ttl`` seconds from login."""

    def __init__(self, ttl: float, clock: Clock = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def create(self) -> Session:
        self.purge()
        session = Session(
            id=secrets.token_urlsafe(32),
            csrf_token=secrets.token_urlsafe(32),
            expires_at=self._clock() + self._ttl,
        )
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        """The live session, or None (unknown or expired — an expired one is dropped)."""
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if session.expires_at <= self._clock():
            del self._sessions[session_id]
            return None
        return session

    def delete(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    def purge(self) -> int:
        now = self._clock()
        expired = [sid for sid, s in self._sessions.items() if s.expires_at <= now]
        for sid in expired:
            del self._sessions[sid]
        return len(expired)

    def __len__(self) -> int:
        return len(self._sessions)


class LoginLimiter:
    """At most ``max_failures`` failed logins per address within ``window`` seconds."""

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 300.0,
        clock: Clock = time.monotonic,
        max_addresses: int = 10_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._max_addresses = max_addresses
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try again, or None when it may try now."""
        failures = self._recent(address)
        if len(failures) < self.max_failures:
            return None
        return max(1, int(failures[0] + self.window - self._clock()) + 1)

    def failed(self, address: str) -> None:
        if address not in self._failures and len(self._failures) >= self._max_addresses:
            self._forget_stale()
        self._recent(address).append(self._clock())

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)

    def _recent(self, address: str) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        cutoff = self._clock() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures

    def _forget_stale(self) -> None:
        # Bounded memory under a spray of addresses: drop the quiet ones, then the oldest.
        for address in list(self._failures):
            if not self._recent(address):
                del self._failures[address]
        while len(self._failures) >= self._max_addresses:
            del self._failures[next(iter(self._failures))]
