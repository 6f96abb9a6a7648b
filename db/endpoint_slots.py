"""Deployment-wide endpoint slots as session advisory locks (docs/deployment.md).

An endpoint that allows ``cap`` requests in flight has ``cap`` slots; slot ``i`` of key ``k`` is
the advisory lock ``hash(scope, k, i)``. :class:`AdvisorySlots` matches the SDK's capacity-gate
protocol: a call holds one slot from just before it is sent until its answer is in.

* One connection per process holds all of the process's slots (the SDK's local semaphore lets
  at most ``cap`` calls of a key through, and we never re-take a lock this session already holds
  — advisory locks are re-entrant per session — so each local call holds a distinct slot).
  Nothing is pinned from the pool.
* A slot is taken with ``try_advisory_slot`` (first free of the keys, one round trip); when all
  are held the caller waits for a release (``NOTIFY`` on the channel) or a short poll, because a
  holder that died sends no notification: its session ending frees its locks.
* If the slot connection dies, every slot of this process is gone with it; calls in flight
  finish without one and the next acquire reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg

from db.listening import listening_connection

__all__ = ["CHANNEL", "AdvisorySlots"]

Connect = Callable[[], Awaitable["asyncpg.Connection[Any]"]]
CHANNEL = "dsco_lingxing_slot_freed"
DB_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
_Held = tuple[int, int]  # (lock key, connection generation)


class AdvisorySlots:
    """In-flight slots shared by every process on the database (see the module docstring).

    ``scope`` separates accounts (e.g. ``lingxing:<app fingerprint>``); ``first_poll`` and
    ``max_poll`` bound how long a waiter sleeps between tries when no release is announced.
    """

    def __init__(
        self,
        connect: Connect,
        *,
        scope: str,
        first_poll: float = 0.02,
        max_poll: float = 0.5,
        query_timeout: float = 10.0,
    ) -> None:
        self._connect = connect
        self.scope = scope
        self._first_poll = first_poll
        self._max_poll = max_poll
        self._timeout = query_timeout
        self._conn: asyncpg.Connection[Any] | None = None
        self._generation = 0
        self._io = asyncio.Lock()
        self._held: set[int] = set()
        self._keys: dict[tuple[str, int], list[int]] = {}
        self._released = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()
        self.waits = 0  # times a caller found every slot of its key held

    def slot_keys(self, key: str, cap: int) -> list[int]:
        """The advisory-lock keys of the ``cap`` slots of ``key`` (the same in every process)."""
        if (key, cap) not in self._keys:
            self._keys[(key, cap)] = [_lock_key(f"{self.scope}:{key}:{i}") for i in range(cap)]
        return self._keys[(key, cap)]

    @contextlib.asynccontextmanager
    async def slot(self, key: str, cap: int) -> AsyncIterator[None]:
        """Hold one of the ``cap`` slots of ``key``; raises ``ConnectionError`` when the
        database cannot be reached."""
        held = await self._acquire(self.slot_keys(key, cap))
        try:
            yield
        finally:
            await asyncio.shield(self._release(held))

    async def close(self) -> None:
        """End the session: every slot still held is given back."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        async with self._io:
            conn, self._conn = self._conn, None
            self._held.clear()
            if conn is not None and not conn.is_closed():
                try:
                    await conn.close(timeout=5)
                except DB_ERRORS:
                    conn.terminate()

    # -- acquiring ---------------------------------------------------------------------------

    async def _acquire(self, keys: list[int]) -> _Held:
        delay = self._first_poll
        while True:
            announced = self._released
            held = await self._try_shielded(keys)
            if held is not None:
                return held
            self.waits += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(announced.wait(), timeout=delay)
            delay = min(delay * 2, self._max_poll)

    async def _try_shielded(self, keys: list[int]) -> _Held | None:
        # A cancelled caller must not leave a lock behind that the server granted anyway.
        task = asyncio.ensure_future(self._try(keys))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(self._release_orphan)
            raise

    async def _try(self, keys: list[int]) -> _Held | None:
        async with self._io:
            free = [k for k in keys if k not in self._held]
            if not free:
                return None
            try:
                conn = await self._connection()
                got: int | None = await conn.fetchval(
                    "SELECT try_advisory_slot($1::bigint[])", free, timeout=self._timeout
                )
            except DB_ERRORS as exc:
                self._drop()
                raise ConnectionError(f"endpoint slots: {type(exc).__name__}") from None
            if got is None:
                return None
            self._held.add(got)
            return got, self._generation

    def _release_orphan(self, task: asyncio.Task[_Held | None]) -> None:
        if task.cancelled() or task.exception() is not None or task.result() is None:
            return
        held = task.result()
        assert held is not None
        job = asyncio.ensure_future(self._release(held))
        self._background.add(job)
        job.add_done_callback(self._background.discard)

    # -- releasing ---------------------------------------------------------------------------

    async def _release(self, held: _Held) -> None:
        key, generation = held
        async with self._io:
            if generation != self._generation or self._conn is None:
                return  # that session is gone, and its locks with it
            self._held.discard(key)
            try:
                await self._conn.execute(
                    "SELECT pg_advisory_unlock($1), pg_notify($2, '')",
                    key,
                    CHANNEL,
                    timeout=self._timeout,
                )
            except DB_ERRORS:
                # Unsure whether the unlock happened: end the session, which surely frees it.
                self._drop()

    # -- the connection ----------------------------------------------------------------------

    async def _connection(self) -> asyncpg.Connection[Any]:
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        self._drop()
        conn = await listening_connection(
            self._connect, CHANNEL, self._on_release, self._on_terminated
        )
        self._conn = conn
        return conn

    def _on_release(self, *_args: object) -> None:
        # Wake every waiter once; later waiters wait on a fresh event.
        announced, self._released = self._released, asyncio.Event()
        announced.set()

    def _on_terminated(self, conn: object) -> None:
        if conn is self._conn:
            self._drop()

    def _drop(self) -> None:
        """Forget the session (terminating it if still open): its locks are released."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self._generation += 1
            self._held.clear()
            if not conn.is_closed():
                conn.terminate()


def _lock_key(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
