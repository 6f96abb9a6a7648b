"""In-memory admin sessions (the admin is served by one process).

A session id and its CSRF token are both ``secrets.token_urlsafe(32)``; expired sessions are
refused and purged. Login pacing lives in :mod:`daemon.admin.throttle`.
"""

from __future__ import annotations

import hmac
import secrets
import time
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
