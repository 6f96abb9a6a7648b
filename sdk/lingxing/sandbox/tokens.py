"""Access and refresh tokens of the sandbox app (fact sheet §1, §10.1)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from .options import SandboxOptions


@dataclass
class _Access:
    expires_at: float
    revoked: bool = False


@dataclass
class _Refresh:
    access_token: str
    expires_at: float
    used: bool = False


class TokenBook:
    """Issues, refreshes, checks, expires and revokes tokens; counts every grant."""

    def __init__(self, ttl: float, options: SandboxOptions, clock: Callable[[], float]) -> None:
        self.ttl = ttl
        self._options = options
        self._clock = clock
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}
        self.issued = 0
        self.refreshed = 0

    @property
    def grants(self) -> int:
        """Tokens handed out so far (fresh issues plus refreshes)."""
        return self.issued + self.refreshed

    def reset(self) -> None:
        """Forget every token and zero the counters."""
        self._access.clear()
        self._refresh.clear()
        self.issued = self.refreshed = 0

    def issue(self) -> dict[str, object]:
        """Mint a new token pair; with ``rotate_on_issue`` the previous ones stop working."""
        if self._options.rotate_on_issue:
            self.revoke_all()
        self.issued += 1
        return self._grant(str(uuid.uuid4()))

    def refresh(self, refresh_token: str) -> dict[str, object] | str:
        """New pair for a single-use refresh token, or the error code (2001008 / 2001009)."""
        entry = self._refresh.get(refresh_token)
        if entry is None or entry.used:
            return "2001009"
        if self._clock() >= entry.expires_at:
            return "2001008"
        entry.used = True
        self.refreshed += 1
        old = entry.access_token
        if self._options.refresh_keeps_access_token and old in self._access:
            return self._grant(old)
        self._revoke(old)
        return self._grant(str(uuid.uuid4()))

    def check(self, access_token: str) -> str | None:
        """``None`` if usable, else the gateway code: 2001003 unknown/expired, 2001005 rotated."""
        entry = self._access.get(access_token)
        if entry is None:
            return "2001003"
        if entry.revoked:
            return "2001005"
        if self._clock() >= entry.expires_at:
            return "2001003"
        return None

    def expire_all(self) -> None:
        """Make every live access token expired now (the next business call gets 2001003)."""
        now = self._clock()
        for entry in self._access.values():
            entry.expires_at = min(entry.expires_at, now)

    def revoke_all(self) -> None:
        """Revoke every access token (as if another process minted one; later use -> 2001005)."""
        for entry in self._access.values():
            entry.revoked = True

    def _revoke(self, access_token: str) -> None:
        entry = self._access.get(access_token)
        if entry is not None:
            entry.revoked = True

    def _grant(self, access_token: str) -> dict[str, object]:
        now = self._clock()
        self._access[access_token] = _Access(expires_at=now + self.ttl)
        refresh_token = str(uuid.uuid4())
        refresh_ttl = self._options.refresh_token_ttl
        self._refresh[refresh_token] = _Refresh(access_token, expires_at=now + refresh_ttl)
        expires_in = max(int(self.ttl) - 1, 0)
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_in": expires_in,
        }
