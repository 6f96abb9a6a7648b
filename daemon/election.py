"""Which instance of the deployment runs the schedule (docs/deployment.md, "Failover").

Every ``dsco-lingxing run`` process of a deployment takes part. The one whose election
connection holds the schedule lock (a session advisory lock) fires the cron schedule; the others
stand by, and keep serving the admin API and manual runs. Correctness never rests on the
election — each job run holds its own lock and every Lingxing call its endpoint slot — it only
keeps the schedule in one place and says where.

Each tick (``interval`` seconds) beats the instance's row through the election connection, which
also proves that connection alive, and a standby tries the lock. Bounds with the defaults:

* the leader is SIGKILLed or crashes: its session ends with the process, the lock is free at
  once, a standby takes it at its next tick — within ``interval`` (2 s);
* the leader's machine vanishes: the server ends the dead session within about 11 s (the
  keep-alive settings of ``db.pool``), then the next tick — within about 15 s;
* clean stop: :meth:`Election.resign` unlocks and notifies, standbys wake and take over at once.

A leader whose connection fails steps down at once (it cannot know whether the server still
counts its session), so two instances never both believe they lead for longer than a tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from loguru import logger

from db import instances
from db.listening import listening_connection

Connect = Callable[[], Awaitable["asyncpg.Connection[Any]"]]
CHANNEL = "dsco_lingxing_schedule_free"
DB_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
FORGET_AFTER_SECONDS = 7 * 86400


def schedule_lock(domain: str) -> int:
    """The advisory-lock key of the schedule (stable across processes and versions)."""
    digest = hashlib.blake2b(f"{domain}:schedule".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Election:
    """Takes part in the schedule election for one daemon instance (module docstring)."""

    def __init__(
        self,
        connect: Connect,
        *,
        domain: str,
        instance_id: str,
        interval: float = 2.0,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self._connect = connect
        self.key = schedule_lock(domain)
        self.instance_id = instance_id
        self.interval = interval
        self._clock = clock
        self.on_change = on_change
        self.leading = False
        self._conn: asyncpg.Connection[Any] | None = None
        self._io = asyncio.Lock()
        self._wake = asyncio.Event()
        self._registered = False
        self._resigned = False
        self._closed = False
        self._failing = False

    async def run(self) -> None:
        """Tick until :meth:`close`; never raises for database trouble (it steps down)."""
        while not self._closed:
            await self.tick()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)

    async def tick(self) -> None:
        """Beat, and (standby) try the lock once."""
        async with self._io:
            if self._closed:
                return
            try:
                conn = await self._connection()
                now = int(self._clock())
                if not self._registered:
                    await self._register(conn, now)
                await instances.beat(conn, self.instance_id, now=now, limit=2 * self.interval)
                if not self.leading and not self._resigned:
                    locked = await conn.fetchval(
                        "SELECT pg_try_advisory_lock($1)", self.key, timeout=2 * self.interval
                    )
                    if locked:
                        self._set(True)
                self._note_recovered()
            except DB_ERRORS as exc:
                self._note_failure(exc)
                self._drop()

    async def resign(self) -> None:
        """Stop leading now and hand the schedule over (clean stop)."""
        async with self._io:
            self._resigned = True
            was_leading = self.leading
            self._set(False)
            if was_leading and self._conn is not None and not self._conn.is_closed():
                try:
                    await self._conn.execute(
                        "SELECT pg_advisory_unlock($1), pg_notify($2, '')",
                        self.key,
                        CHANNEL,
                        timeout=2 * self.interval,
                    )
                except DB_ERRORS:
                    self._drop()  # ending the session frees the lock too
            if was_leading:
                logger.info("schedule handed over")

    async def close(self) -> None:
        """Resign, record the clean stop and end the session."""
        await self.resign()
        self._closed = True
        self._wake.set()
        async with self._io:
            conn, self._conn = self._conn, None
            if conn is None or conn.is_closed():
                return
            try:
                await instances.mark_stopped(conn, self.instance_id, now=int(self._clock()))
                await conn.close(timeout=5)
            except DB_ERRORS:
                conn.terminate()

    # -- internals ---------------------------------------------------------------------------

    async def _connection(self) -> asyncpg.Connection[Any]:
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        conn = await listening_connection(
            self._connect, CHANNEL, self._on_notify, self._on_terminated
        )
        self._conn = conn
        return conn

    async def _register(self, conn: asyncpg.Connection[Any], now: int) -> None:
        await instances.register(
            conn,
            self.instance_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            now=now,
            forget_before=now - FORGET_AFTER_SECONDS,
        )
        self._registered = True

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()

    def _on_terminated(self, conn: object) -> None:
        if conn is self._conn:
            self._conn = None
            self._set(False)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()
        self._set(False)

    def _set(self, leading: bool) -> None:
        if leading == self.leading:
            return
        self.leading = leading
        if leading:
            logger.info("this instance now runs the schedule")
        elif not self._resigned:
            logger.warning("schedule lost: the election connection failed")
        if self.on_change is not None:
            self.on_change(leading)

    def _note_failure(self, exc: BaseException) -> None:
        if not self._failing:
            logger.warning("schedule election: database unreachable ({})", type(exc).__name__)
        self._failing = True

    def _note_recovered(self) -> None:
        if self._failing:
            logger.info("schedule election: database reachable again")
        self._failing = False


def new_instance_id() -> str:
    """A fresh id per process start: host, pid and a random part."""
    return f"{socket.gethostname()}-{os.getpid()}-{os.urandom(3).hex()}"
