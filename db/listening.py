"""A connection of its own that listens on a NOTIFY channel and says when its session ends.

Coordination between processes (the scheduler election, the endpoint slots) keeps session-level
advisory locks on such a connection: a NOTIFY wakes the waiters at once, and the end of the
session — which frees its locks — is reported so the owner forgets what it held.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

__all__ = ["listening_connection"]


async def listening_connection(
    connect: Callable[[], Awaitable[asyncpg.Connection[Any]]],
    channel: str,
    on_notify: Callable[..., None],
    on_terminated: Callable[[Any], None],
) -> asyncpg.Connection[Any]:
    """A fresh connection listening on ``channel``; closed again if it cannot listen."""
    conn = await connect()
    try:
        await conn.add_listener(channel, on_notify)
    except BaseException:
        conn.terminate()
        raise
    conn.add_termination_listener(on_terminated)
    return conn
