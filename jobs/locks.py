"""Advisory-lock keys and the lock held for a whole job run (docs/design.md, "The runner")."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import asyncpg


def lock_key(domain: str, job: str) -> int:
    """A stable signed 64-bit key for ``"<domain>:<job>"`` (the same in every process)."""
    digest = hashlib.blake2b(f"{domain}:{job}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class HeldLock:
    """``pg_try_advisory_lock`` on a connection pinned for the whole run.

    asyncpg's pool releases advisory locks when a connection goes back to the pool, so the lock
    lives on a connection of its own. ``lost`` is set when that connection dies (the server
    dropped it, or it was terminated): the lock is gone and the run must stop.
    """

    def __init__(self, conn: asyncpg.Connection[Any], key: int) -> None:
        self._conn = conn
        self.key = key
        self.lost = asyncio.Event()
        conn.add_termination_listener(self._on_terminated)

    def _on_terminated(self, _conn: object) -> None:
        self.lost.set()

    async def try_acquire(self) -> bool:
        acquired: bool = await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key)
        return acquired

    async def watch(self, interval: float) -> None:
        """Return when the lock connection is lost; pings it so a silent drop is noticed too."""
        while not self.lost.is_set():
            try:
                await asyncio.wait_for(self.lost.wait(), timeout=interval)
            except TimeoutError:
                try:
                    await asyncio.wait_for(self._conn.fetchval("SELECT 1"), timeout=interval)
                except (asyncpg.PostgresError, OSError, TimeoutError, asyncpg.InterfaceError):
                    self.lost.set()

    async def release(self) -> None:
        """Unlock and close; a connection that is already gone took the lock with it."""
        try:
            if not self.lost.is_set() and not self._conn.is_closed():
                await self._conn.execute("SELECT pg_advisory_unlock($1)", self.key)
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
            pass  # the server drops the lock with the session anyway
        finally:
            self._conn.terminate() if self.lost.is_set() else await self._close()

    async def _close(self) -> None:
        try:
            await asyncio.wait_for(self._conn.close(), timeout=5)
        except (OSError, TimeoutError, asyncpg.InterfaceError):
            self._conn.terminate()
