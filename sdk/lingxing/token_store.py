"""Where the Lingxing token lives: one per deployment, shared by every process that uses the app.

Minting a token revokes the app's previous one (fact sheet §1.3), so a second process holding
its own token silently breaks the first one's calls. The :class:`TokenStore` protocol lets the
daemon keep the one token where all its processes see it (``db.lingxing_token``) while the SDK
stays free of any database: :class:`~sdk.lingxing.auth.TokenManager` opens
:meth:`TokenStore.exclusive` — deployment-wide single-flight — reads the stored token, renews
it only if it is stale or is the very token the vendor just rejected, and saves the result.

:class:`MemoryTokenStore` is the default for a process that is the app's only user (tests, one
client in one process): an ``asyncio.Lock`` and a variable.

Implementations raise :class:`ConnectionError` when the shared state cannot be reached; the
manager turns that into a Lingxing connection error (the business call was never sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "MemoryTokenStore",
    "Token",
    "TokenRecord",
    "TokenSlot",
    "TokenStore",
    "app_fingerprint",
]


class TokenRecord(Protocol):
    """A token pair as stored: both tokens and when the access token was issued / expires
    (unix seconds)."""

    @property
    def access_token(self) -> str: ...
    @property
    def refresh_token(self) -> str: ...
    @property
    def issued_at(self) -> int: ...
    @property
    def expires_at(self) -> int: ...


@dataclass(frozen=True)
class Token:
    """The SDK's own :class:`TokenRecord` (the tokens never appear in its ``repr``)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    issued_at: int
    expires_at: int


class TokenSlot(Protocol):
    """Read and replace the stored token while holding the store exclusively."""

    async def load(self) -> TokenRecord | None: ...
    async def save(self, token: TokenRecord) -> None: ...


class TokenStore(Protocol):
    """The deployment's token: :meth:`exclusive` admits one renewal at a time, everywhere."""

    def exclusive(self) -> AbstractAsyncContextManager[TokenSlot]: ...


class MemoryTokenStore:
    """A :class:`TokenStore` for a single process: a lock and the last saved token."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._token: Token | None = None

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[MemoryTokenStore]:
        async with self._lock:
            yield self

    async def load(self) -> TokenRecord | None:
        return self._token

    async def save(self, token: TokenRecord) -> None:
        self._token = Token(
            token.access_token, token.refresh_token, token.issued_at, token.expires_at
        )


def app_fingerprint(app_id: str) -> str:
    """A stable name for an appId that does not reveal it (row keys, lock names)."""
    return hashlib.sha256(f"lingxing-app:{app_id}".encode()).hexdigest()[:16]
